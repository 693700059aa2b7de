"""The frame-source interface shared by the real OpenCV camera and the simulated one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """One camera image: BGR uint8, shape (height, width, 3).

    `timestamp` is `time.monotonic()` at capture, so frames from any source can be
    compared with the scale's readings; `seq` counts frames from this source and
    lets a consumer see how many it skipped.
    """

    image: np.ndarray
    timestamp: float
    seq: int


class CameraFault(RuntimeError):
    """The camera cannot deliver usable frames (gone, frozen, black); message says which."""


@runtime_checkable
class FrameSource(Protocol):
    """A camera. `read()` blocks until the next frame (at most `timeout` seconds)."""

    def open(self) -> None: ...

    def read(self, timeout: float = 1.0) -> Frame: ...

    def close(self) -> None: ...

    @property
    def resolution(self) -> tuple[int, int]:
        """(width, height) actually delivered, which may differ from what was asked."""
        ...

    @property
    def fps(self) -> float:
        """Frame rate actually delivered (configured for a simulator, measured for a device)."""
        ...
