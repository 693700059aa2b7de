"""Arranging a basket on the tray the way shoppers do, at a chosen difficulty.

Difficulty follows the RPC checkout benchmark's idea (easy / medium / hard by item
count and clutter): easy baskets are a few items well apart; medium ones touch;
hard ones have up to 10 items, some stacked, some turned over, sometimes something
small hidden under a bag, and a hand in the picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from hardware.sim.catalog import SimCatalog, SimProduct
from hardware.sim.tray import FACES_BY_SHAPE, TrayItem, VirtualTray, item_dimensions


class SceneDoesNotFit(ValueError):
    """The requested items cannot be laid on the tray under the level's rules."""


@dataclass(frozen=True, slots=True)
class Level:
    name: str
    min_items: int
    max_items: int
    gap_mm: float  # minimum space between items on the tray (0 = may touch)
    p_touch: float  # chance to push an item right against another
    p_stack: float  # chance that a flat item lies partly on another
    p_hidden: float  # chance per scene to hide a small item under a big flat one
    p_hand: float
    p_flip: float  # chance an item lies turned over (barcode up)
    p_lying: float  # chance an upright can or carton lies on its side
    difficulty: float  # drives light, glare and noise (SceneLook.random)


LEVELS = {
    "easy": Level("easy", 1, 3, 25.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.15, 0.2),
    "medium": Level("medium", 4, 6, 0.0, 0.4, 0.08, 0.0, 0.1, 0.15, 0.25, 0.5),
    "hard": Level("hard", 7, 10, 0.0, 0.6, 0.25, 0.25, 0.25, 0.2, 0.3, 0.9),
}
# Training only, never in "mixed": hard-level trays where most flat items lie on
# others. A detector trained on the mixed stream sees an item lying on another in only
# ~5 % of its boxes and misses one in five of them (tray-detector/3 on validation).
LEVELS["stacked"] = Level("stacked", 5, 9, 0.0, 0.5, 0.7, 0.1, 0.2, 0.2, 0.3, 0.9)
MIXED_WEIGHTS = {"easy": 0.25, "medium": 0.4, "hard": 0.35}

STACKABLE = frozenset({"bag", "box", "bar", "pack"})  # flat enough to lie on something
SUPPORTS = frozenset({"bag", "box", "pack", "carton", "bottle"})  # something can lie on these
SMALL_AREA_MM2 = 60 * 100  # items this small can vanish under a bag


def _footprint(
    x: float, y: float, angle: float, w: float, ln: float, grow: float = 0.0
) -> np.ndarray:
    th = math.radians(-angle)
    c, s = math.cos(th), math.sin(th)
    hw, hl = w / 2 + grow, ln / 2 + grow
    pts = np.array([[-hw, -hl], [hw, -hl], [hw, hl], [-hw, hl]])
    return (pts @ np.array([[c, -s], [s, c]]).T + [x, y]).astype(np.float32)


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    area, _ = cv2.intersectConvexConvex(a, b)
    return float(area)


def choose_skus(catalog: SimCatalog, n: int, rng: np.random.Generator, level: Level) -> list[str]:
    """A basket of n SKUs: uniform over the catalog (every class gets seen), with
    repeats (two colas) and, in harder levels, look-alike siblings side by side."""
    products = list(catalog.products)
    families: dict[str, list[SimProduct]] = {}
    for p in products:
        if p.family:
            families.setdefault(p.family, []).append(p)
    out: list[str] = []
    while len(out) < n:
        r = rng.random()
        if out and r < 0.2:
            out.append(out[int(rng.integers(len(out)))])
        elif out and r < 0.2 + 0.25 * level.difficulty:
            fam = catalog.product(out[int(rng.integers(len(out)))]).family
            sibs = families.get(fam or "", [])
            pick = (
                sibs[int(rng.integers(len(sibs)))]
                if sibs
                else products[int(rng.integers(len(products)))]
            )
            out.append(pick.sku)
        else:
            out.append(products[int(rng.integers(len(products)))].sku)
    return out


def arrange(
    tray: VirtualTray,
    skus: list[str],
    level: Level,
    rng: np.random.Generator,
    tries: int = 300,
) -> list[TrayItem]:
    """Place the items on an empty tray; raises SceneDoesNotFit (never overlaps silently).

    Larger items go down first, as a shopper unpacks; an item either finds free space
    (respecting the level's gap), or, if the level allows and it is flat, lies partly
    on a suitable item.
    """
    tw, th = tray.size_mm
    inset = 8.0
    prods = [tray.product(s) for s in skus]
    order = sorted(range(len(prods)), key=lambda i: -prods[i].size_mm[0] * prods[i].size_mm[1])
    ground: list[tuple[np.ndarray, TrayItem]] = []
    placed: list[TrayItem] = []
    hide_under = None
    if level.p_hidden and rng.random() < level.p_hidden:
        small = [i for i in order if prods[i].size_mm[0] * prods[i].size_mm[1] <= SMALL_AREA_MM2]
        big = [i for i in order if prods[i].shape == "bag" and prods[i].size_mm[0] >= 120]
        if small and big:
            hide_under = (small[-1], big[0])
            order = [hide_under[0]] + [i for i in order if i != hide_under[0]]
    covered_by: dict[int, TrayItem] = {}

    for i in order:
        p = prods[i]
        faces = FACES_BY_SHAPE.get(p.shape, ("top", "bottom"))
        face = "top"
        if "side" in faces and rng.random() < level.p_lying:
            face = "side"
        elif "bottom" in faces and rng.random() < level.p_flip:
            face = "bottom"
        (w, ln), h = item_dimensions(p, face)
        if p.shape == "produce":
            w, ln = w * 1.1, ln * 1.1  # room for a bigger-than-nominal fruit
        angle = float(rng.uniform(0, 360))
        if hide_under and i == hide_under[1] and hide_under[0] in covered_by:
            under = covered_by[hide_under[0]]
            jitter = rng.uniform(-10, 10, 2)
            x = float(np.clip(under.pose.x_mm + jitter[0], inset, tw - inset))
            y = float(np.clip(under.pose.y_mm + jitter[1], inset, th - inset))
            placed.append(tray.place(p.sku, x, y, angle, face=face, on=under.item_id))
            continue
        stack = (
            p.shape in STACKABLE
            and h <= 50
            and level.p_stack > 0
            and rng.random() < level.p_stack
            and any(tray.product(it.sku).shape in SUPPORTS for _, it in ground)
        )
        if stack:
            supports = [it for _, it in ground if tray.product(it.sku).shape in SUPPORTS]
            s = supports[int(rng.integers(len(supports)))]
            ang = math.radians(rng.uniform(0, 360))
            d = rng.uniform(0.2, 0.45) * (min(s.footprint_mm) + min(w, ln))
            x = float(np.clip(s.pose.x_mm + math.cos(ang) * d, inset, tw - inset))
            y = float(np.clip(s.pose.y_mm + math.sin(ang) * d, inset, th - inset))
            placed.append(tray.place(p.sku, x, y, angle, face=face, on=s.item_id))
            continue
        spot = _free_spot(ground, w, ln, angle, level, rng, (tw, th), inset, tries)
        if spot is None:
            have = ", ".join(it.sku for it in placed) or "nothing"
            raise SceneDoesNotFit(
                f"cannot fit {p.sku} ({w:.0f}x{ln:.0f} mm) on the {tw:.0f}x{th:.0f} mm tray "
                f"at level {level.name} (gap {level.gap_mm:.0f} mm) after placing {have}"
            )
        x, y, angle = spot
        item = tray.place(p.sku, x, y, angle, face=face)
        ground.append((_footprint(x, y, angle, *item.footprint_mm), item))
        placed.append(item)
        covered_by[i] = item
    return placed


def _free_spot(ground, w, ln, angle, level: Level, rng, tray_size, inset, tries):
    tw, th = tray_size
    r = math.hypot(w, ln) / 2
    for _ in range(tries):
        if ground and rng.random() < level.p_touch:
            # right against a neighbour: along a random direction, just outside it
            poly, other = ground[int(rng.integers(len(ground)))]
            a = rng.uniform(0, 2 * math.pi)
            ro = math.hypot(*other.footprint_mm) / 2
            d = rng.uniform(0.55, 0.9) * (ro + r)
            x, y = other.pose.x_mm + math.cos(a) * d, other.pose.y_mm + math.sin(a) * d
        else:
            x, y = rng.uniform(inset, tw - inset), rng.uniform(inset, th - inset)
        fp = _footprint(x, y, angle, w, ln)
        if fp[:, 0].min() < inset or fp[:, 1].min() < inset:
            angle = float(rng.uniform(0, 360))
            continue
        if fp[:, 0].max() > tw - inset or fp[:, 1].max() > th - inset:
            angle = float(rng.uniform(0, 360))
            continue
        grown = _footprint(x, y, angle, w, ln, grow=level.gap_mm / 2)
        ok = True
        for poly, _ in ground:
            # touching is allowed; a sliver of overlap (2 % of the smaller) reads as touching
            allowed = 0.02 * min(w * ln, _area(poly)) if level.gap_mm == 0 else 0.0
            if (
                _overlap(grown, poly if level.gap_mm == 0 else _grow(poly, level.gap_mm / 2))
                > allowed
            ):
                ok = False
                break
        if ok:
            return float(x), float(y), float(angle)
    return None


def _area(poly: np.ndarray) -> float:
    return float(cv2.contourArea(poly))


def _grow(poly: np.ndarray, by: float) -> np.ndarray:
    c = poly.mean(0)
    d = poly - c
    n = np.linalg.norm(d, axis=1, keepdims=True)
    return (c + d * (1 + by / np.maximum(n, 1e-6))).astype(np.float32)
