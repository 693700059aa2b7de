"""The shopper's hand and arm as the camera sees them from above, drawn procedurally."""

from __future__ import annotations

import math

import cv2
import numpy as np

from hardware.sim.surfaces import smooth_noise

SKIN_TONES = ((150, 180, 225), (120, 160, 205), (95, 130, 180), (70, 95, 140))
SLEEVES = ((60, 40, 30), (140, 140, 140), (40, 40, 120), (180, 160, 120))
HAND_PPM = 2.0
HAND_LEN = 700.0  # fingertips to the end of the drawn sleeve, mm


def hand_sprite(skin: int) -> np.ndarray:
    """The back of a right hand seen from above, fingers towards local -x; premultiplied
    BGRA. Local frame: fingertips at x = 0, the arm runs along +x to `HAND_LEN`, y is
    across. Each finger is its own rounded part, so fingers read as fingers."""
    s = HAND_PPM
    W, H = int(HAND_LEN * s), int(150 * s)
    cy = H / 2
    rng = np.random.default_rng(500 + skin)
    parts: list[np.ndarray] = []

    def capsule(p0, p1, r0, r1) -> np.ndarray:
        m = np.zeros((H, W), np.uint8)
        (x0, y0), (x1, y1) = p0, p1
        d = np.array([x1 - x0, y1 - y0], float)
        n = np.array([-d[1], d[0]]) / (np.linalg.norm(d) + 1e-9)
        poly = np.array(
            [[x0, y0] + n * r0, [x1, y1] + n * r1, [x1, y1] - n * r1, [x0, y0] - n * r0]
        )
        cv2.fillConvexPoly(m, (poly * s).astype(np.int32), 255, cv2.LINE_AA)
        cv2.circle(m, (int(x0 * s), int(y0 * s)), int(r0 * s), 255, -1, cv2.LINE_AA)
        cv2.circle(m, (int(x1 * s), int(y1 * s)), int(r1 * s), 255, -1, cv2.LINE_AA)
        return m

    c = cy / s  # centre line in mm
    # fingers: (across offset at the knuckle, length, splay), index finger nearest the thumb
    for off, length, splay, width in ((-24, 72, -0.10, 8.2), (-8, 80, -0.03, 8.6),
                                      (8, 76, 0.03, 8.2), (23, 62, 0.10, 7.2)):  # fmt: skip
        kx, ky = 92.0, c + off
        tx = kx - length * math.cos(splay) + rng.normal(0, 2)
        ty = ky + length * math.sin(splay) * -1 - off * 0.12
        parts.append(capsule((tx + width, ty), (kx, ky), width * 0.85, width))
    # thumb: shorter, thicker, angled out from the palm
    parts.append(capsule((70, c - 52), (128, c - 30), 9.5, 12))
    palm = np.zeros((H, W), np.uint8)
    cv2.ellipse(
        palm,
        (int(118 * s), int(c * s)),
        (int(40 * s), int(38 * s)),
        0,
        0,
        360,
        255,
        -1,
        cv2.LINE_AA,
    )
    parts.append(palm)
    parts.append(capsule((150, c), (HAND_LEN + 20, c + 4), 33, 40))  # forearm
    mask = np.zeros((H, W), np.uint8)
    shade = np.zeros((H, W), np.float32)
    for m in parts:
        mask = np.maximum(mask, m)
        dist = cv2.distanceTransform((m > 127).astype(np.uint8), cv2.DIST_L2, 5)
        # each part is a rounded volume: bright along its ridge, darker at its sides
        shade = np.maximum(shade, np.clip(dist / (7 * s), 0, 1) ** 0.6 * (m > 127))
    color = np.empty((H, W, 3), np.float32)
    color[:] = SKIN_TONES[skin % len(SKIN_TONES)]
    color *= (1 + 0.05 * smooth_noise(H, W, rng, 12 * s))[..., None]  # blotchy, as skin is
    sleeve_x = int(rng.uniform(230, 300) * s)
    color[:, sleeve_x:] = SLEEVES[skin % len(SLEEVES)]
    color[:, sleeve_x:] *= (1 + 0.12 * smooth_noise(H, W - sleeve_x, rng, 6 * s))[..., None]
    color *= (0.5 + 0.5 * shade)[..., None]
    a = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32)[..., None] / 255.0
    return np.dstack(
        [(np.clip(color, 0, 255) * a).astype(np.uint8), (a[..., 0] * 255).astype(np.uint8)]
    )
