"""The demo kiosk's camera over the tray (the pinhole itself: `hardware.camera.pinhole`)."""

from __future__ import annotations

from hardware.camera.pinhole import CameraModel
from hardware.sim.tray import TRAY_SIZE_MM


def default_camera(width: int = 1280, height: int = 720) -> CameraModel:
    """The demo kiosk's camera; the tray (TRAY_SIZE_MM) fills most of the frame."""
    w, h = TRAY_SIZE_MM
    return CameraModel(
        width=width,
        height=height,
        position_mm=(w / 2 + 50, h / 2 + 85, 860.0),
        look_at_mm=(w / 2, h / 2 + 5, 0.0),
        # the tray fills about 83 % of the frame's height or 85 % of its width, whichever
        # binds first, so 16:9 and 4:3 frames show the same tray
        focal_per_width=min(0.83 * height * 860 / h, 0.85 * width * 860 / w) / width,
    )
