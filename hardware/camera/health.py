"""Is the picture usable? A hung USB camera repeats the same buffer forever, and a
covered lens or a dark shop gives a black image; both must stop the checkout instead
of being recognised as "an empty tray"."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .frames import CameraFault, Frame, FrameSource


@dataclass(frozen=True, slots=True)
class HealthLimits:
    frozen_after_s: float = 2.0  # identical frames for this long: frozen
    black_mean_below: float = 16.0  # mean grey level (0..255) under this: black
    black_after_s: float = 1.0  # black for this long: a fault, not a passing shadow


class ImageHealth:
    def __init__(self, limits: HealthLimits = HealthLimits()):
        self.limits = limits
        self._previous: np.ndarray | None = None
        self._same_since: float | None = None
        self._black_since: float | None = None

    def reset(self) -> None:
        self._previous = None
        self._same_since = self._black_since = None

    def check(self, image: np.ndarray, timestamp: float) -> str | None:
        """None when the frame is usable, else why not."""
        # A live sensor never gives two bit-identical frames (noise); a decoder or a
        # driver that lost the stream hands back the same buffer.
        same = self._previous is not None and (
            self._previous is image or np.array_equal(self._previous, image)
        )
        self._previous = image
        if same:
            self._same_since = self._same_since if self._same_since is not None else timestamp
        else:
            self._same_since = None
        small = cv2.resize(image, (32, 18), interpolation=cv2.INTER_AREA)
        dark = float(small.mean()) < self.limits.black_mean_below
        if dark:
            self._black_since = self._black_since if self._black_since is not None else timestamp
        else:
            self._black_since = None
        if (
            self._same_since is not None
            and timestamp - self._same_since >= self.limits.frozen_after_s
        ):
            return f"frozen: identical frames for {timestamp - self._same_since:.1f} s"
        if (
            self._black_since is not None
            and timestamp - self._black_since >= self.limits.black_after_s
        ):
            return f"black image for {timestamp - self._black_since:.1f} s (lens covered? lights?)"
        return None


class CheckedSource:
    """Wraps any `FrameSource` (the simulated camera too) with the same health checks."""

    def __init__(self, source: FrameSource, limits: HealthLimits = HealthLimits()):
        self.source = source
        self.health = ImageHealth(limits)

    def open(self) -> None:
        self.health.reset()
        self.source.open()

    def read(self, timeout: float = 1.0) -> Frame:
        frame = self.source.read(timeout)
        problem = self.health.check(frame.image, frame.timestamp)
        if problem is not None:
            raise CameraFault(problem)
        return frame

    def close(self) -> None:
        self.source.close()

    @property
    def resolution(self) -> tuple[int, int]:
        return self.source.resolution

    @property
    def fps(self) -> float:
        return self.source.fps
