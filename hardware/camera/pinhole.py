"""A pinhole camera over the tray: where a point at some height lands in the image.

The simulator draws its pictures with it, and the kiosk measures with it: a kiosk's
camera calibration (`to_dict` / `from_dict`) tells the size check
(`kiosk.vision.size_check`) how big an item of a given height looks where it stands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np


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

    def to_dict(self) -> dict[str, object]:
        """The calibration as plain numbers (a config section, a scene manifest)."""
        return {
            "width": self.width,
            "height": self.height,
            "position_mm": list(self.position_mm),
            "look_at_mm": list(self.look_at_mm),
            "focal_per_width": self.focal_per_width,
            "roll_deg": self.roll_deg,
        }

    @classmethod
    def from_dict(cls, d: dict) -> CameraModel:
        """`to_dict`'s inverse; raises ValueError naming what is missing or wrong."""
        try:
            cam = cls(
                width=int(d["width"]),
                height=int(d["height"]),
                position_mm=tuple(float(v) for v in d["position_mm"]),
                look_at_mm=tuple(float(v) for v in d["look_at_mm"]),
                focal_per_width=float(d["focal_per_width"]),
                roll_deg=float(d.get("roll_deg", 0.0)),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"not a camera calibration: {err!r}") from None
        if len(cam.position_mm) != 3 or len(cam.look_at_mm) != 3:
            raise ValueError("camera position_mm and look_at_mm need x, y, z")
        if cam.width <= 0 or cam.height <= 0 or cam.focal_per_width <= 0:
            raise ValueError("camera width, height and focal_per_width must be positive")
        if cam.position_mm[2] <= cam.look_at_mm[2]:
            raise ValueError("the camera must hang above what it looks at")
        return cam
