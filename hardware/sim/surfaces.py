"""The counter and the tray under the items: procedural textures, made once per process."""

from __future__ import annotations

import math

import cv2
import numpy as np

from hardware.sim.tray import TRAY_SIZE_MM

COUNTERS = 4  # granite laminate, light oak, white laminate, dark slate
TRAYS = 4  # brushed steel, black rubber mat, white plastic, blue-grey dotted mat
TRAY_GLOSS = (0.55, 0.08, 0.25, 0.15)  # how much lamp glare each tray kind shows

WORLD_PPM = 1.0
WORLD_ORIGIN = (-450.0, -330.0)
WORLD_SIZE = (1500.0, 1060.0)


def smooth_noise(h: int, w: int, rng: np.random.Generator, cell: float) -> np.ndarray:
    g = rng.uniform(-1, 1, (max(2, int(h / cell) + 2), max(2, int(w / cell) + 2))).astype(
        np.float32
    )
    return cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)


def _counter_texture(kind: int, h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    if kind == 0:  # grey granite-look laminate
        base = np.array([150, 152, 150], np.float32)
        speck = (rng.random((h, w)) > 0.93).astype(np.float32) * rng.uniform(-60, 40, (h, w))
        tex = (
            base
            + smooth_noise(h, w, rng, 40)[..., None] * 10
            + cv2.GaussianBlur(speck, (3, 3), 0)[..., None]
        )
    elif kind == 1:  # light oak
        base = np.array([120, 165, 200], np.float32)
        rows = smooth_noise(h, 1, rng, 6)[:, 0] * 0.6 + smooth_noise(h, 1, rng, 1.5)[:, 0] * 0.3
        grain = np.tile(rows[:, None], (1, w)) + smooth_noise(h, w, rng, 80) * 0.5
        tex = base * (1 + 0.12 * grain)[..., None]
    elif kind == 2:  # white laminate
        tex = np.array([222, 224, 226], np.float32) + smooth_noise(h, w, rng, 60)[..., None] * 5
        tex = tex + rng.normal(0, 2, (h, w, 1)).astype(np.float32)
    else:  # dark slate
        tex = np.array([62, 60, 58], np.float32) + smooth_noise(h, w, rng, 30)[..., None] * 10
        tex = tex + rng.normal(0, 4, (h, w, 1)).astype(np.float32)
    return tex


def _tray_texture(kind: int, h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    if kind == 0:  # brushed stainless steel: streaks along x
        streak = cv2.blur(rng.normal(0, 1, (h, w)).astype(np.float32), (41, 1)) * 18
        tex = (
            np.array([182, 180, 176], np.float32)
            + streak[..., None]
            + smooth_noise(h, w, rng, 90)[..., None] * 12
        )
    elif kind == 1:  # black rubber mat with fine ribs
        ribs = (np.sin(np.arange(h) * 2 * math.pi / (4 * WORLD_PPM)) > 0.6).astype(np.float32)
        tex = (
            np.array([48, 46, 44], np.float32)
            + ribs[:, None, None] * 10
            + rng.normal(0, 2, (h, w, 1)).astype(np.float32)
        )
    elif kind == 2:  # white plastic tray
        tex = np.array([228, 230, 228], np.float32) + smooth_noise(h, w, rng, 50)[..., None] * 6
    else:  # blue-grey anti-slip mat with a dot pattern
        yy, xx = np.mgrid[0:h, 0:w]
        step = int(12 * WORLD_PPM)
        dots = ((xx % step) - step / 2) ** 2 + ((yy % step) - step / 2) ** 2 < (
            2.2 * WORLD_PPM
        ) ** 2
        tex = (
            np.array([150, 130, 110], np.float32)
            + dots[..., None] * 14
            + smooth_noise(h, w, rng, 70)[..., None] * 6
        )
    return tex


def world_backdrop(counter: int, tray: int, seed: int) -> np.ndarray:
    """Counter with the tray on it, top-down at `WORLD_PPM`, BGR uint8."""
    rng = np.random.default_rng(seed)
    W, H = int(WORLD_SIZE[0] * WORLD_PPM), int(WORLD_SIZE[1] * WORLD_PPM)
    img = _counter_texture(counter, H, W, rng)

    def px(x: float, y: float) -> tuple[int, int]:
        return (int((x - WORLD_ORIGIN[0]) * WORLD_PPM), int((y - WORLD_ORIGIN[1]) * WORLD_PPM))

    tw, th = TRAY_SIZE_MM
    rim = 14.0
    # the scale platform sits proud of the counter: a soft contact shadow around it
    shadow = np.zeros((H, W), np.float32)
    x0, y0 = px(-rim, -rim)
    x1, y1 = px(tw + rim, th + rim)
    cv2.rectangle(shadow, (x0 + 8, y0 + 10), (x1 + 8, y1 + 12), 1.0, -1)
    shadow = cv2.GaussianBlur(shadow, (0, 0), 14)
    img *= (1 - 0.45 * shadow)[..., None]
    # tray: rim band, then the bed
    mask = np.zeros((H, W), np.uint8)
    r = int(22 * WORLD_PPM)
    _rounded_rect(mask, (x0, y0), (x1, y1), r, 255)
    bed = np.zeros((H, W), np.uint8)
    bx0, by0 = px(0, 0)
    bx1, by1 = px(tw, th)
    _rounded_rect(bed, (bx0, by0), (bx1, by1), int(12 * WORLD_PPM), 255)
    tray_tex = _tray_texture(tray, H, W, rng)
    rim_col = tray_tex * 0.92 + 12
    m = (mask > 0)[..., None]
    img = np.where(m, rim_col, img)
    img = np.where((bed > 0)[..., None], tray_tex, img)
    # the rim's inner edge catches light on one side and is in shade on the other
    edge = cv2.GaussianBlur((bed > 0).astype(np.float32), (0, 0), 2.0)
    gy, gx = np.gradient(edge)
    img -= ((gx + gy) * 135)[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


_WORLD_SURFACES: dict[tuple[int, int], np.ndarray] = {}


def world_surface(counter: int, tray: int) -> np.ndarray:
    """One texture per counter and tray kind per process (each ~5 MB, made in ~0.3 s);
    scene-to-scene variety comes from the light, not from new wood grain."""
    key = (counter % COUNTERS, tray % TRAYS)
    if key not in _WORLD_SURFACES:
        _WORLD_SURFACES[key] = world_backdrop(*key, seed=1000 + 10 * key[0] + key[1])
    return _WORLD_SURFACES[key]


def _rounded_rect(img, p0, p1, r, color) -> None:
    (x0, y0), (x1, y1) = p0, p1
    cv2.rectangle(img, (x0 + r, y0), (x1 - r, y1), color, -1)
    cv2.rectangle(img, (x0, y0 + r), (x1, y1 - r), color, -1)
    for cx, cy in ((x0 + r, y0 + r), (x1 - r, y0 + r), (x0 + r, y1 - r), (x1 - r, y1 - r)):
        cv2.circle(img, (cx, cy), r, color, -1)


def world_to_texture() -> np.ndarray:
    return np.array(
        [
            [WORLD_PPM, 0, -WORLD_ORIGIN[0] * WORLD_PPM],
            [0, WORLD_PPM, -WORLD_ORIGIN[1] * WORLD_PPM],
            [0, 0, 1],
        ],
        float,
    )
