"""The virtual tray: the one simulated world that the camera draws and the scale weighs.

Coordinates are millimetres on the tray surface: x to the right and y towards the
shopper as the camera sees it, origin at the tray's far-left corner; z is height
above the tray. Angles are degrees, counter-clockwise as seen in the image.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from hardware.sim.catalog import SimCatalog, SimProduct

TRAY_SIZE_MM = (600.0, 400.0)

# The faces an item can show. "side" is an upright can or carton lying down.
FACES = ("top", "bottom", "side")
FACES_BY_SHAPE = {
    "can": ("top", "bottom", "side"),
    "carton": ("top", "bottom", "side"),
    "produce": ("top",),
}


class TrayError(ValueError):
    """A request the tray cannot honour (unknown SKU or item, off the tray, bad face)."""


@dataclass(frozen=True, slots=True)
class Pose:
    x_mm: float
    y_mm: float
    angle_deg: float = 0.0


@dataclass(frozen=True, slots=True)
class TrayItem:
    """One physical item on the tray. Its weight is its own, drawn when it was made."""

    item_id: int
    sku: str
    weight_g: float
    pose: Pose
    face: str  # "top" (as it usually rests), "bottom" (turned over) or "side" (lying)
    variant: int  # which drawing of that face (produce: which fruit)
    footprint_mm: tuple[float, float]  # (along its own x, along its own y)
    height_mm: float
    base_mm: float = 0.0  # height of its underside: > 0 when stacked on another item
    resting_on: int | None = None
    look_seed: int = 0  # small per-item colour differences (two apples never match)

    @property
    def top_mm(self) -> float:
        return self.base_mm + self.height_mm

    @property
    def stacked(self) -> bool:
        return self.resting_on is not None


@dataclass(frozen=True, slots=True)
class Hand:
    """A shopper's hand over the tray; `x_mm, y_mm` is the fingertips, the arm comes from
    `from_angle_deg` (90 = from the shopper's side, the bottom of the image)."""

    x_mm: float
    y_mm: float
    from_angle_deg: float = 90.0
    height_mm: float = 60.0
    touching: bool = False
    press_g: float = 0.0  # extra force on the scale while touching
    skin: int = 0


@dataclass(frozen=True, slots=True)
class Motion:
    """An item or hand gliding from one pose to another between two clock times."""

    start: Pose
    end: Pose
    t0: float
    t1: float

    def at(self, t: float) -> tuple[Pose, tuple[float, float]]:
        """(pose, velocity in mm/s) at time t."""
        if t >= self.t1 or self.t1 <= self.t0:
            return self.end, (0.0, 0.0)
        u = max(0.0, (t - self.t0) / (self.t1 - self.t0))
        # ease in and out, as a hand moves
        e = u * u * (3 - 2 * u)
        de = 6 * u * (1 - u) / (self.t1 - self.t0)
        dx, dy = self.end.x_mm - self.start.x_mm, self.end.y_mm - self.start.y_mm
        da = self.end.angle_deg - self.start.angle_deg
        pose = Pose(
            self.start.x_mm + dx * e, self.start.y_mm + dy * e, self.start.angle_deg + da * e
        )
        return pose, (dx * de, dy * de)


# ----------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class ItemPlaced:
    item: TrayItem
    timestamp: float


@dataclass(frozen=True, slots=True)
class ItemMoved:
    before: TrayItem
    after: TrayItem
    timestamp: float
    duration_s: float


@dataclass(frozen=True, slots=True)
class ItemRemoved:
    item: TrayItem
    timestamp: float


@dataclass(frozen=True, slots=True)
class HandEntered:
    hand: Hand
    timestamp: float


@dataclass(frozen=True, slots=True)
class HandMoved:
    hand: Hand
    timestamp: float
    duration_s: float


@dataclass(frozen=True, slots=True)
class HandLeft:
    timestamp: float


TrayEvent = ItemPlaced | ItemMoved | ItemRemoved | HandEntered | HandMoved | HandLeft


@dataclass(frozen=True, slots=True)
class ItemView:
    """An item as seen at one instant: where it is now and how fast it moves."""

    item: TrayItem
    pose: Pose
    velocity_mm_s: tuple[float, float]

    @property
    def moving(self) -> bool:
        return abs(self.velocity_mm_s[0]) + abs(self.velocity_mm_s[1]) > 1e-6


@dataclass(frozen=True, slots=True)
class TraySnapshot:
    """What is on the tray at one instant, bottom of the stack first."""

    timestamp: float
    items: tuple[ItemView, ...]
    hand: Hand | None
    hand_velocity_mm_s: tuple[float, float] = (0.0, 0.0)

    @property
    def moving(self) -> bool:
        hv = abs(self.hand_velocity_mm_s[0]) + abs(self.hand_velocity_mm_s[1]) > 1e-6
        return hv or any(v.moving for v in self.items)


def item_dimensions(product: SimProduct, face: str) -> tuple[tuple[float, float], float]:
    """(footprint, height) of a product resting on `face`."""
    w, length, h = product.size_mm
    if face == "side":  # an upright can or carton laid down: its height becomes its length
        return (w, h), length
    return (w, length), h


def draw_weight(product: SimProduct, rng: np.random.Generator) -> float:
    """One physical item's weight: normal around the nominal, kept physical.

    Clipped at 3 standard deviations so a single unlucky draw cannot turn a can into
    two cans; produce spreads are wide, so they are also kept above 40 % of nominal.
    """
    sd = product.weight_sd_g
    w = product.weight_g + float(np.clip(rng.normal(0.0, 1.0), -3, 3)) * sd
    return round(max(w, 0.4 * product.weight_g), 1)


# How far one fruit's shape strays from its kind's (log sd of its footprint at a given
# weight). A flatter apple looks bigger from above than a round one of the same weight,
# so a camera that sizes produce reads its weight only to about 3 x this (10 %).
PRODUCE_SHAPE_SD = 0.035


def produce_size(
    footprint: tuple[float, float], height: float, weight_ratio: float, look_seed: int
) -> tuple[tuple[float, float], float]:
    """A piece of produce's footprint and height: a heavier apple is a bigger apple
    (size follows the cube root of the weight), and each piece has its own shape: its
    footprint wider or narrower by `PRODUCE_SHAPE_SD`, its height the other way, at the
    same volume. Drawn from the piece's own look seed, so the tray's random stream, and
    with it every other item of a scene, stays as it was."""
    k = weight_ratio ** (1 / 3)
    e = float(np.clip(np.random.default_rng([look_seed, 1]).normal(0.0, 1.0), -3, 3))
    s = math.exp(PRODUCE_SHAPE_SD * e)
    return (footprint[0] * k * s, footprint[1] * k * s), height * k / (s * s)


class VirtualTray:
    """The world state. Thread-safe; observers receive typed events in order.

    Callbacks run on the thread that changed the tray, after the change, outside the
    state lock (so a callback may read the tray), and one at a time in event order.
    """

    def __init__(
        self,
        catalog: SimCatalog,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
        size_mm: tuple[float, float] = TRAY_SIZE_MM,
    ) -> None:
        self.catalog = catalog
        self.size_mm = size_mm
        self._products = {p.sku: p for p in catalog.products}
        self._clock = clock
        self._rng = np.random.default_rng(seed)
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._dispatch = threading.Lock()
        self._items: dict[int, TrayItem] = {}
        self._motions: dict[int, Motion] = {}
        self._hand: Hand | None = None
        self._hand_motion: Motion | None = None
        self._subscribers: list[Callable[[TrayEvent], None]] = []
        self._pending: list[TrayEvent] = []

    # -- observers --------------------------------------------------------------------

    def subscribe(self, callback: Callable[[TrayEvent], None]) -> Callable[[], None]:
        """Register for change events; returns the function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _emit(self, event: TrayEvent) -> None:
        # called with the state lock held: queue in order, deliver after unlocking
        self._pending.append(event)

    def _deliver(self) -> None:
        with self._dispatch:
            while True:
                with self._lock:
                    if not self._pending:
                        return
                    event = self._pending.pop(0)
                    subscribers = list(self._subscribers)
                for cb in subscribers:
                    cb(event)

    # -- items ------------------------------------------------------------------------

    def product(self, sku: str) -> SimProduct:
        try:
            return self._products[sku]
        except KeyError:
            raise TrayError(f"unknown SKU {sku!r}") from None

    def place(
        self,
        sku: str,
        x_mm: float,
        y_mm: float,
        angle_deg: float = 0.0,
        face: str = "top",
        variant: int | None = None,
        on: int | None = None,
        weight_g: float | None = None,
    ) -> TrayItem:
        """Put one new physical item on the tray (or on item `on`) and return it."""
        product = self.product(sku)
        allowed = FACES_BY_SHAPE.get(product.shape, ("top", "bottom"))
        if face not in allowed:
            raise TrayError(f"{sku} ({product.shape}) cannot rest on its {face!r}; use {allowed}")
        self._check_on_tray(x_mm, y_mm)
        with self._lock:
            base, resting_on = 0.0, None
            if on is not None:
                below = self._get(on)
                base, resting_on = below.top_mm, on
            footprint, height = item_dimensions(product, face)
            w = draw_weight(product, self._rng) if weight_g is None else float(weight_g)
            variant = int(self._rng.integers(0, 1 << 16)) if variant is None else variant
            look_seed = int(self._rng.integers(0, 1 << 31))
            if product.shape == "produce":
                footprint, height = produce_size(footprint, height, w / product.weight_g, look_seed)
            item = TrayItem(
                item_id=next(self._ids),
                sku=sku,
                weight_g=w,
                pose=Pose(float(x_mm), float(y_mm), float(angle_deg)),
                face=face,
                variant=variant,
                footprint_mm=footprint,
                height_mm=height,
                base_mm=base,
                resting_on=resting_on,
                look_seed=look_seed,
            )
            self._items[item.item_id] = item
            self._emit(ItemPlaced(item, self._clock()))
        self._deliver()
        return item

    def move(
        self,
        item_id: int,
        x_mm: float,
        y_mm: float,
        angle_deg: float | None = None,
        duration_s: float = 0.0,
    ) -> TrayItem:
        """Slide an item to a new pose, over `duration_s` (the camera blurs it meanwhile).

        Anything stacked on it stays where it was (it slides off) and drops to what is
        under the moved item.
        """
        self._check_on_tray(x_mm, y_mm)
        with self._lock:
            now = self._clock()
            before = self._get(item_id)
            start = self._pose_now(item_id, now)
            end = Pose(
                float(x_mm), float(y_mm), start.angle_deg if angle_deg is None else angle_deg
            )
            after = replace(before, pose=end)
            self._items[item_id] = after
            if duration_s > 0:
                self._motions[item_id] = Motion(start, end, now, now + duration_s)
            else:
                self._motions.pop(item_id, None)
            self._emit(ItemMoved(before, after, now, duration_s))
            self._drop_dependants(after, now)
        self._deliver()
        return after

    def remove(self, item_id: int) -> TrayItem:
        with self._lock:
            now = self._clock()
            item = self._get(item_id)
            del self._items[item_id]
            self._motions.pop(item_id, None)
            self._emit(ItemRemoved(item, now))
            self._drop_dependants(item, now)
        self._deliver()
        return item

    def clear(self) -> None:
        with self._lock:
            ids = sorted(self._items, key=lambda i: -self._items[i].base_mm)
        for item_id in ids:
            self.remove(item_id)

    def _drop_dependants(self, moved: TrayItem, now: float) -> None:
        for other in list(self._items.values()):
            if other.resting_on == moved.item_id:
                fallen = replace(other, base_mm=moved.base_mm, resting_on=moved.resting_on)
                self._items[other.item_id] = fallen
                self._emit(ItemMoved(other, fallen, now, 0.0))
                self._drop_dependants(fallen, now)

    def _get(self, item_id: int) -> TrayItem:
        try:
            return self._items[item_id]
        except KeyError:
            raise TrayError(f"no item {item_id} on the tray") from None

    def _check_on_tray(self, x: float, y: float) -> None:
        w, h = self.size_mm
        if not (0 <= x <= w and 0 <= y <= h) or math.isnan(x) or math.isnan(y):
            raise TrayError(f"({x:.0f}, {y:.0f}) mm is off the {w:.0f}x{h:.0f} mm tray")

    def _pose_now(self, item_id: int, now: float) -> Pose:
        m = self._motions.get(item_id)
        return m.at(now)[0] if m else self._items[item_id].pose

    # -- the hand ---------------------------------------------------------------------

    def hand_enter(
        self,
        x_mm: float,
        y_mm: float,
        from_angle_deg: float = 90.0,
        touching: bool = False,
        press_g: float = 0.0,
        skin: int = 0,
    ) -> Hand:
        with self._lock:
            hand = Hand(
                x_mm,
                y_mm,
                from_angle_deg,
                60.0 if not touching else 25.0,
                touching,
                press_g if touching else 0.0,
                skin,
            )
            self._hand, self._hand_motion = hand, None
            self._emit(HandEntered(hand, self._clock()))
        self._deliver()
        return hand

    def hand_move(
        self,
        x_mm: float,
        y_mm: float,
        duration_s: float = 0.0,
        touching: bool | None = None,
        press_g: float | None = None,
    ) -> Hand:
        with self._lock:
            if self._hand is None:
                raise TrayError("no hand over the tray: call hand_enter first")
            now = self._clock()
            start = self._hand_pose(now)
            h = self._hand
            touch = h.touching if touching is None else touching
            hand = replace(
                h,
                x_mm=x_mm,
                y_mm=y_mm,
                touching=touch,
                height_mm=25.0 if touch else 60.0,
                press_g=(h.press_g if press_g is None else press_g) if touch else 0.0,
            )
            self._hand = hand
            self._hand_motion = (
                Motion(start, Pose(x_mm, y_mm), now, now + duration_s) if duration_s > 0 else None
            )
            self._emit(HandMoved(hand, now, duration_s))
        self._deliver()
        return hand

    def hand_leave(self) -> None:
        with self._lock:
            if self._hand is None:
                return
            self._hand, self._hand_motion = None, None
            self._emit(HandLeft(self._clock()))
        self._deliver()

    def _hand_pose(self, now: float) -> Pose:
        assert self._hand is not None
        if self._hand_motion:
            return self._hand_motion.at(now)[0]
        return Pose(self._hand.x_mm, self._hand.y_mm)

    # -- reading ----------------------------------------------------------------------

    def items(self) -> tuple[TrayItem, ...]:
        """The items on the tray (their resting poses), bottom of any stack first."""
        with self._lock:
            return tuple(sorted(self._items.values(), key=lambda i: (i.base_mm, i.item_id)))

    def hand(self) -> Hand | None:
        with self._lock:
            return self._hand

    def true_weight_g(self) -> float:
        """What an ideal scale would read: every item's own weight, plus the push of a
        hand resting on the tray (`Hand.press_g`, 0 unless the hand touches)."""
        with self._lock:
            total = sum(i.weight_g for i in self._items.values())
            if self._hand is not None and self._hand.touching:
                total += self._hand.press_g
            return round(total, 1)

    def snapshot(self, at: float | None = None) -> TraySnapshot:
        """Poses and velocities at time `at` (default now), for the camera."""
        with self._lock:
            now = self._clock() if at is None else at
            views = []
            for item in sorted(self._items.values(), key=lambda i: (i.base_mm, i.item_id)):
                m = self._motions.get(item.item_id)
                pose, vel = m.at(now) if m else (item.pose, (0.0, 0.0))
                views.append(ItemView(item, pose, vel))
            hand, hvel = self._hand, (0.0, 0.0)
            if hand is not None and self._hand_motion is not None:
                p, hvel = self._hand_motion.at(now)
                hand = replace(hand, x_mm=p.x_mm, y_mm=p.y_mm)
            return TraySnapshot(now, tuple(views), hand, hvel)
