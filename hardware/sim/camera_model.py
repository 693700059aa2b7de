"""A pinhole camera over the tray: where a point at some height lands in the image."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hardware.sim.tray import TRAY_SIZE_MM


@dataclass(frozen=True)
class CameraModel:
    """A camera `height` mm above the tray, a little off its centre and tilted back to
    look at it, as a real one mounted on a kiosk's arm is. Focal length scales with the
    image width, so every resolution frames the same view."""

    width: int = 1280
    height: int = 720
    position_mm: tuple[float, float, float] = (350.0, 285.0, 860.0)
    look_at_mm: tuple[float, float, float] = (300.0, 205.0, 0.0)
    focal_per_width: float = 1.0
    roll_deg: float = 0.0

    @property
    def focal_px(self) -> float:
        return self.focal_per_width * self.width

    def _axes(self) -> tuple[np.ndarray, np.ndarray]:
        return self._axes_cached

    @cached_property
    def _axes_cached(self) -> tuple[np.ndarray, np.ndarray]:
        c = np.array(self.position_mm, float)
        fwd = np.array(self.look_at_mm, float) - c
        fwd /= np.linalg.norm(fwd)
        right = np.array([1.0, 0.0, 0.0]) - fwd * fwd[0]
        right /= np.linalg.norm(right)
        down = np.cross(fwd, right)
        if down[1] < 0:  # image rows follow the tray's y (towards the shopper)
            down = -down
        r = math.radians(self.roll_deg)
        right, down = (
            right * math.cos(r) + down * math.sin(r),
            down * math.cos(r) - right * math.sin(r),
        )
        return np.stack([right, down, fwd]), c

    def intrinsics(self) -> np.ndarray:
        f = self.focal_px
        return np.array([[f, 0, self.width / 2], [0, f, self.height / 2], [0, 0, 1]], float)

    def plane_homography(self, z_mm: float) -> np.ndarray:
        """3x3 map from tray coordinates (x, y) at height z to image pixels."""
        m, c = self._axes()
        t = m[:, 2] * z_mm - m @ c
        return self.intrinsics() @ np.column_stack([m[:, 0], m[:, 1], t])

    def project(self, points_mm: np.ndarray) -> np.ndarray:
        """(N, 3) tray points -> (N, 2) pixels."""
        m, c = self._axes()
        cam = (np.asarray(points_mm, float) - c) @ m.T
        uv = cam[:, :2] / cam[:, 2:3]
        f = self.focal_px
        return uv * f + np.array([self.width / 2, self.height / 2])

    def px_per_mm(self, z_mm: float = 0.0) -> float:
        """Approximate image scale at height z near the tray centre."""
        dist = self.position_mm[2] - z_mm
        return self.focal_px / max(dist, 1.0)

    def ground_point(self) -> np.ndarray:
        """Where the camera is over the tray plane: walls facing it are the visible ones."""
        return np.array(self.position_mm[:2], float)


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
