"""A real camera through OpenCV: V4L2 device, GStreamer pipeline, RTSP stream or a
video file, behind the `FrameSource` interface.

A capture thread reads as fast as the device delivers and keeps only the newest frame
(one-slot box), so a slow consumer never sees a stale, queued image. The thread owns
the `VideoCapture`: when frames stop or freeze it releases it and reopens with a
capped, doubling wait. `read()` raises `CameraFault` with the reason while the picture
is unusable.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from ..connection import Backoff, ConnectionState, pause_before_reopen
from .config import OpenCvCameraConfig
from .frames import CameraFault, Frame
from .health import HealthLimits, ImageHealth

log = logging.getLogger(__name__)

_BACKENDS = {
    "auto": cv2.CAP_ANY,
    "v4l2": cv2.CAP_V4L2,
    "gstreamer": cv2.CAP_GSTREAMER,
    "ffmpeg": cv2.CAP_FFMPEG,
}
_OPEN_TIMEOUT_MS = 5000  # an unreachable RTSP camera would otherwise block for ~30 s


def describe_source(source: str) -> tuple[str | int, int, bool]:
    """(what to pass to VideoCapture, backend hint, is it a video file)."""
    if source.isdigit():
        return int(source), cv2.CAP_V4L2, False
    if "!" in source:
        return source, cv2.CAP_GSTREAMER, False
    if source.startswith("/dev/"):
        return source, cv2.CAP_V4L2, False
    if "://" in source:
        return source, cv2.CAP_FFMPEG, False
    return source, cv2.CAP_ANY, True


class OpenCvCamera:
    def __init__(
        self,
        config: OpenCvCameraConfig,
        on_state: Callable[[ConnectionState, str], None] = lambda state, detail: None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.config = config
        self._on_state = on_state
        self._clock = clock
        self._target, hinted, self._is_file = describe_source(config.source)
        self._backend = hinted if config.backend == "auto" else _BACKENDS[config.backend]
        self._health = ImageHealth(
            HealthLimits(config.frozen_after_s, config.black_mean_below, config.black_after_s)
        )
        self._backoff = Backoff(config.backoff_initial_s, config.backoff_max_s)
        self._box = threading.Condition()
        self._latest: tuple[Frame, str | None] | None = None
        self._returned_seq = 0
        self._seq = 0
        self._error = "camera not opened yet"
        self._interval_ema: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = ConnectionState.DISCONNECTED
        self.reconnects = 0
        self.skipped = 0  # frames overwritten before anyone read them

    # -- FrameSource ----------------------------------------------------------------------

    def open(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"camera {self.config.source}", daemon=True
        )
        self._thread.start()

    def read(self, timeout: float = 1.0) -> Frame:
        deadline = self._clock() + timeout
        with self._box:
            while self._latest is None or self._latest[0].seq <= self._returned_seq:
                left = deadline - self._clock()
                if left <= 0 or self._thread is None:
                    raise CameraFault(f"no frame within {timeout:.2f} s: {self._error}")
                self._box.wait(left)
            frame, problem = self._latest
            self._returned_seq = frame.seq
        if problem is not None:
            raise CameraFault(problem)
        return frame

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    @property
    def resolution(self) -> tuple[int, int]:
        with self._box:
            if self._latest is not None:
                h, w = self._latest[0].image.shape[:2]
                return (w, h)
        return (self.config.width or 0, self.config.height or 0)

    @property
    def fps(self) -> float:
        """Measured over the recent frames (what the device really gives, not what it says)."""
        ema = self._interval_ema
        return 1.0 / ema if ema else 0.0

    # -- capture thread -------------------------------------------------------------------

    def _set_state(self, state: ConnectionState, detail: str) -> None:
        self.state = state
        if state is ConnectionState.ERROR:
            self._error = detail
        try:
            self._on_state(state, detail)
        except Exception:
            log.exception("camera state handler failed")

    def _open_capture(self) -> cv2.VideoCapture | None:
        if self._is_file and not Path(self.config.source).exists():
            return None  # VideoCapture would only log a warning
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, _OPEN_TIMEOUT_MS]
        params += [cv2.CAP_PROP_READ_TIMEOUT_MSEC, _OPEN_TIMEOUT_MS]
        capture = cv2.VideoCapture(self._target, self._backend, params)
        if not capture.isOpened():
            capture.release()
            return None
        if self.config.width:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.config.width)
        if self.config.height:
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.config.height)
        if self.config.fps:
            capture.set(cv2.CAP_PROP_FPS, self.config.fps)
        return capture

    def _run(self) -> None:
        while not self._stop.is_set():
            self._set_state(ConnectionState.CONNECTING, self.config.source)
            capture = self._open_capture()
            if capture is None:
                self._set_state(ConnectionState.ERROR, f"cannot open camera {self.config.source}")
                pause_before_reopen(self._stop, self.config.source, self._backoff.next())
                continue
            self._backoff.reset()
            self._health.reset()
            self._set_state(ConnectionState.READY, self.config.source)
            try:
                reason = self._capture(capture)
            finally:
                capture.release()
            if reason is not None:
                self.reconnects += 1
                self._set_state(ConnectionState.ERROR, reason)
                with self._box:
                    self._box.notify_all()
                pause_before_reopen(self._stop, self.config.source, self._backoff.next())
        self._set_state(ConnectionState.DISCONNECTED, "closed")

    def _capture(self, capture: cv2.VideoCapture) -> str | None:
        """Read until stopped (None) or until the stream breaks (the reason)."""
        file_interval = 0.0
        if self._is_file:
            # Play a file at its own rate so that it behaves like a camera.
            file_fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
            file_interval = 1.0 / (self.config.fps or file_fps or 25.0)
        next_due = self._clock()
        while not self._stop.is_set():
            ok, image = capture.read()
            if (not ok or image is None) and self._is_file and self.config.loop_file:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = capture.read()
            if not ok or image is None:
                what = "end of the video file" if self._is_file else "no frame (unplugged?)"
                return f"camera {self.config.source}: {what}"
            now = self._clock()
            problem = self._health.check(np.asarray(image), now)
            self._publish(image, now, problem)
            if problem is not None and problem.startswith("frozen"):
                # A hung V4L2 stream usually comes back when the device is reopened.
                return f"camera {self.config.source}: {problem}; reopening"
            if file_interval:
                next_due = max(next_due + file_interval, now)
                self._stop.wait(max(0.0, next_due - self._clock()))
        return None

    def _publish(self, image: np.ndarray, now: float, problem: str | None) -> None:
        with self._box:
            if self._latest is not None:
                previous = self._latest[0]
                if previous.seq > self._returned_seq:
                    self.skipped += 1
                interval = now - previous.timestamp
                if interval > 0:
                    ema = self._interval_ema
                    self._interval_ema = interval if ema is None else 0.9 * ema + 0.1 * interval
            self._seq += 1
            self._latest = (Frame(image=image, timestamp=now, seq=self._seq), problem)
            self._box.notify_all()
