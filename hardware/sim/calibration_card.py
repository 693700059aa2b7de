"""The fitter's calibration card on the simulated tray: a printed chessboard lying
flat, drawn into a camera picture through that camera's pinhole (so the picture is
what a kiosk with that camera would take). `kiosk calibrate-camera` reads it back.

    python -m hardware.sim.calibration_card --out var/card.png [--rig 3]
    python -m hardware.sim.calibration_card --out var/raised.png --raise-mm 100 --at 195,110
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from hardware.camera.pinhole import CameraModel

PX_PER_MM = 8.0  # the card's print resolution in the texture (~200 dpi)
MARGIN_SQUARES = 0.6  # white paper around the squares: the corner finder needs it
RAISE_MM = 100.0  # the fitter's block: the card's second picture lies this much higher


def card_texture(cols: int, rows: int, square_mm: float) -> tuple[np.ndarray, float]:
    """A (cols + 1) x (rows + 1) square chessboard with a white margin, BGR, and the
    offset (mm) of its first inner corner from the paper's corner."""
    sq = square_mm * PX_PER_MM
    margin = MARGIN_SQUARES * sq
    w = round((cols + 1) * sq + 2 * margin)
    h = round((rows + 1) * sq + 2 * margin)
    img = np.full((h, w, 3), 245, np.uint8)
    for j in range(rows + 1):
        for i in range(cols + 1):
            if (i + j) % 2 == 0:
                x0, y0 = round(margin + i * sq), round(margin + j * sq)
                x1, y1 = round(margin + (i + 1) * sq), round(margin + (j + 1) * sq)
                img[y0:y1, x0:x1] = 25
    return img, (margin + sq) / PX_PER_MM


def place_card(
    picture: np.ndarray,
    camera: CameraModel,
    at_mm: tuple[float, float],
    angle_deg: float = 0.0,
    cols: int = 9,
    rows: int = 6,
    square_mm: float = 25.0,
    seed: int = 0,
    height_mm: float = 0.0,
) -> np.ndarray:
    """`picture` with the card lying on the tray, its first inner corner at `at_mm`
    (tray x, y) and turned by `angle_deg`; a little blur and sensor noise on it, as
    on the rest of the picture. `height_mm`: the card lies on a block this high."""
    tex, first = card_texture(cols, rows, square_mm)
    a = np.radians(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    # texture px -> card mm (origin at the first inner corner) -> tray mm -> image px
    to_card = np.array([[1 / PX_PER_MM, 0, -first], [0, 1 / PX_PER_MM, -first], [0, 0, 1]])
    to_tray = np.eye(3)
    to_tray[:2, :2] = rot
    to_tray[:2, 2] = at_mm
    h = camera.plane_homography(height_mm) @ to_tray @ to_card
    size = (picture.shape[1], picture.shape[0])
    card = cv2.warpPerspective(tex, h, size, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full(tex.shape[:2], 255, np.uint8), h, size)
    card = cv2.GaussianBlur(card, (0, 0), 0.7)
    rng = np.random.default_rng(seed)
    noisy = card.astype(np.float32) + rng.normal(0, 3.0, card.shape).astype(np.float32)
    out = picture.copy()
    on = mask > 127
    out[on] = np.clip(noisy[on], 0, 255).astype(np.uint8)
    return out


@dataclass(frozen=True, slots=True)
class CardOnTray:
    """The card lying on the live simulated tray (`SimulatedCamera.card`): the fitter
    lays it down, flat or on the block, and the kiosk's own camera takes it."""

    at_mm: tuple[float, float] = (180.0, 120.0)
    angle_deg: float = 8.0
    height_mm: float = 0.0
    seed: int = 0

    def draw(self, picture: np.ndarray, camera: CameraModel) -> np.ndarray:
        return place_card(picture, camera, self.at_mm, self.angle_deg, seed=self.seed,
                          height_mm=self.height_mm)  # fmt: skip


# Where the fitter lays the card in `card_pictures` and on the demo's tray: flat, then
# on the block, moved and turned a little as a person would.
FLAT_CARD = CardOnTray((180.0, 120.0), 8.0)
RAISED_CARD = CardOnTray((195.0, 110.0), 12.0, RAISE_MM, seed=1)


def empty_tray_picture(camera: CameraModel, seed: int = 0) -> np.ndarray:
    """The empty tray as `camera` sees it (the simulator's renderer)."""
    from hardware.sim.art_library import ArtLibrary
    from hardware.sim.catalog import load_sim_catalog
    from hardware.sim.render import SceneLook, TrayRenderer
    from hardware.sim.tray import VirtualTray

    catalog = load_sim_catalog()
    rng = np.random.default_rng(seed)
    renderer = TrayRenderer(ArtLibrary(catalog), camera)
    look = SceneLook.random(rng, 0.0)
    return renderer.render(VirtualTray(catalog, seed=seed).snapshot(), look, rng).image


def card_pictures(
    camera: CameraModel, raise_mm: float = RAISE_MM, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """What a fitter takes with this camera: the card flat on the empty tray, and the
    card on a `raise_mm` block (moved and turned a little, as it would be)."""
    tray = empty_tray_picture(camera, seed)
    flat = replace(FLAT_CARD, seed=seed).draw(tray, camera)
    raised = replace(RAISED_CARD, height_mm=raise_mm, seed=seed + 1).draw(tray, camera)
    return flat, raised


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--rig", type=int, default=None, help="a scene set's camera rig (0-7)")
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--at", default="180,120", help="the card's first inner corner, tray mm")
    ap.add_argument("--angle", type=float, default=8.0)
    ap.add_argument("--raise-mm", type=float, default=0.0, help="the card on a block this high")
    args = ap.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))
    if args.rig is None:
        from hardware.sim.camera_model import default_camera

        camera = default_camera(w, h)
    else:
        from hardware.sim.scenes import rig_camera

        camera = rig_camera(args.rig, (w, h))
    x, y = (float(v) for v in args.at.split(","))
    picture = place_card(empty_tray_picture(camera), camera, (x, y), args.angle,
                         height_mm=args.raise_mm)  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), picture)
    print(f"{args.out}: the card on the tray as this camera sees it: {camera.to_dict()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
