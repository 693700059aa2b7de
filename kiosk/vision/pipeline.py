"""Camera → latest-frame box → inference thread → `TrayView`.

Threads, not processes: onnxruntime's `run()` releases the GIL. The capture thread
never waits for inference: it drops each frame into a one-slot box (overwriting an
unread one, counted as skipped) and hands it to the preview. The inference thread
takes the newest frame, judges motion, detects, and when the tray has been still for
long enough votes the still frames into one `TrayView`. No input can kill it: a bad
frame or a failing run is counted, reported in `health()`, and the loop goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

import numpy as np

from hardware.camera.frames import CameraFault, Frame, FrameSource
from kiosk.domain.tray_view import TrayView
from kiosk.vision.config import VisionConfig
from kiosk.vision.preprocess import FrameError, check_frame
from kiosk.vision.produce_size import ProduceSizer
from kiosk.vision.session import FrameResult, PreparedFrame
from kiosk.vision.stability import Motion, StillFrameVoter, TrayMotion

log = logging.getLogger(__name__)


class LatestFrame:
    """A one-slot mailbox: `put` replaces whatever is there; `take` waits for a frame
    newer than the last one taken. Counts the frames nobody took."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._fresh = False
        self._closed = False
        self.put_count = 0
        self.skipped = 0
        self.waited = False  # the last `take` had to wait for a frame

    def put(self, frame: Frame) -> None:
        with self._cond:
            if self._fresh:
                self.skipped += 1
            self._frame = frame
            self._fresh = True
            self.put_count += 1
            self._cond.notify()

    def take(self, timeout: float) -> Frame | None:
        with self._cond:
            self.waited = not self._fresh
            if not self._fresh and not self._closed:
                self._cond.wait(timeout)
            if not self._fresh:
                return None
            self._fresh = False
            return self._frame

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class HealthState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    DEGRADED = "degraded"  # frames arrive but recent ones failed
    NO_FRAMES = "no_frames"  # the camera delivers nothing
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class VisionHealth:
    state: HealthState
    provider: str
    model_version: str
    frames_captured: int
    frames_processed: int
    frames_skipped: int
    frame_errors: int
    camera_errors: int
    last_error: str
    infer_ms: float  # mean bare run() time over the last frames
    pipeline_ms: float  # mean whole per-frame time over the last frames
    tray: str  # "moving", "settling", "still" or "unknown"
    # frames the model or what follows it failed on (not bad pictures): a release that
    # fails here is rolled back (`kiosk.station.model_desk`)
    run_errors: int = 0


@dataclass(frozen=True, slots=True)
class FrameOutcome:
    """What the inference thread made of one frame (for the live overlay)."""

    frame: Frame
    motion: Motion
    result: FrameResult | None
    pipeline_s: float  # hand-off + pre-processing + run + decode + motion + voting


@dataclass(slots=True)
class _Stats:
    captured: int = 0
    processed: int = 0
    frame_errors: int = 0
    camera_errors: int = 0
    run_errors: int = 0
    last_error: str = ""
    last_frame_at: float = 0.0
    recent_failures: deque[bool] = field(default_factory=lambda: deque(maxlen=20))
    run_ms: deque[float] = field(default_factory=lambda: deque(maxlen=50))
    pipeline_ms: deque[float] = field(default_factory=lambda: deque(maxlen=50))
    tray: str = "unknown"


# Without a frame for this long the camera counts as silent.
NO_FRAME_AFTER_S = 2.0


@runtime_checkable
class FrameDetector(Protocol):
    """What the pipeline needs of a detector: `kiosk.vision.session.Detector`, or the
    demo's tray oracle. Declared, so that a stand-in that falls behind the real one
    is refused when the kiosk is composed (and in a test), not frame after frame."""

    version: str
    provider: str

    def prepare(self, image: np.ndarray) -> PreparedFrame: ...

    def detect_prepared(self, frame: PreparedFrame) -> FrameResult: ...


class VisionPipeline:
    """Owns the capture and inference threads of one camera."""

    def __init__(
        self,
        source: FrameSource,
        detector: FrameDetector,
        config: VisionConfig = VisionConfig(),  # noqa: B008
        on_view: Callable[[TrayView], None] | None = None,
        on_preview: Callable[[Frame], None] | None = None,
        on_outcome: Callable[[FrameOutcome], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sizer: ProduceSizer | None = None,
    ):
        if not isinstance(detector, FrameDetector):
            raise TypeError(f"{type(detector).__name__} is not a FrameDetector (prepare, "
                            "detect_prepared, version, provider)")  # fmt: skip
        self.source = source
        self.detector = detector
        self.config = config
        self.on_view = on_view
        self.on_preview = on_preview
        self.on_outcome = on_outcome
        self.clock = clock
        # Loose produce measured through the detector's calibrated camera, once a view
        # is voted (its weight follows its size: `kiosk.vision.produce_size`).
        self.sizer = sizer
        self.box = LatestFrame()
        self.motion = TrayMotion(config.stability, config.tray_region)
        self.voter = StillFrameVoter(config.voting, topk=detector.params.topk)
        self._settled = False  # a view was published for the current still period
        self._stats = _Stats()
        self._lock = threading.Lock()
        # held for the whole of a frame: a model switch waits for the frame in flight
        self._serving = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = False

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._stop.clear()
        self.source.open()
        self._threads = [
            threading.Thread(target=self._capture_loop, name="vision-capture", daemon=True),
            threading.Thread(target=self._inference_loop, name="vision-inference", daemon=True),
        ]
        for t in self._threads:
            t.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.box.close()
        for t in self._threads:
            t.join(timeout)
        self._threads = []
        if self._started:
            try:
                self.source.close()
            except Exception as err:  # closing a broken camera must not stop the shutdown
                log.warning("closing the camera failed: %s", err)
        self._started = False

    def use_detector(self, detector: FrameDetector, sizer: ProduceSizer | None) -> None:
        """Serve with `detector` from the next frame on (staff switching the model
        release): never in the middle of a frame, and none of the old model's votes or
        motion reference carry over (its input size may differ), so the tray is judged
        afresh once it is still."""
        if not isinstance(detector, FrameDetector):
            raise TypeError(f"{type(detector).__name__} is not a FrameDetector")
        with self._serving:
            self.detector = detector
            self.sizer = sizer
            self.voter = StillFrameVoter(self.config.voting, topk=detector.params.topk)
            self.motion = TrayMotion(self.config.stability, self.config.tray_region)
            self._settled = False
        log.info("vision serves %s from the next frame", detector.version)

    # -- threads ---------------------------------------------------------------
    def _capture_loop(self) -> None:
        backoff = 0.05
        while not self._stop.is_set():
            try:
                frame = self.source.read(timeout=0.5)
            except TimeoutError:
                continue
            except CameraFault as err:
                self._note_camera_error(str(err))
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            except Exception as err:  # a driver bug must not end capture
                self._note_camera_error(f"{type(err).__name__}: {err}")
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            backoff = 0.05
            with self._lock:
                self._stats.captured += 1
                self._stats.last_frame_at = self.clock()
            self.box.put(frame)
            if self.on_preview is not None:
                try:
                    self.on_preview(frame)
                except Exception:
                    log.exception("preview consumer failed")

    def _inference_loop(self) -> None:
        while not self._stop.is_set():
            t0 = time.perf_counter()
            frame = self.box.take(timeout=0.5)
            if frame is None:
                continue
            # The hand-off's own cost: only measurable when no wait for the camera hides it.
            handoff_s = 0.0 if self.box.waited else time.perf_counter() - t0
            self.process(frame, handoff_s)

    def _note_camera_error(self, message: str) -> None:
        with self._lock:
            self._stats.camera_errors += 1
            self._stats.last_error = f"camera: {message}"

    # -- one frame -------------------------------------------------------------
    def process(self, frame: Frame, handoff_s: float = 0.0) -> FrameOutcome | None:
        """Motion, detection and voting for one frame. Never raises: a failure is
        counted and reported in `health()`. `handoff_s`, the time taking the frame from
        the box cost, is added to the frame's pipeline time."""
        with self._serving:
            return self._process(frame, handoff_s)

    def _process(self, frame: Frame, handoff_s: float) -> FrameOutcome | None:
        t0 = time.perf_counter() - handoff_s
        try:
            image = check_frame(frame.image)
            prepared = self.detector.prepare(image)
            # Motion before the run, on the canvas pre-processing has just written: it is
            # still in the cache then, and not after the model has streamed through its
            # weights (a quarter of the motion check's time on a 2-core test machine).
            motion = self.motion.update(prepared.letterbox.content(prepared.canvas))
            result = self.detector.detect_prepared(prepared)
            view = self._vote(motion, result, frame, image.shape[1], image.shape[0])
        except FrameError as err:
            self._note_failure(f"bad frame #{frame.seq}: {err}")
            return None
        except Exception as err:
            log.exception("vision failed on frame #%s", frame.seq)
            self._note_failure(f"frame #{frame.seq}: {type(err).__name__}: {err}", run=True)
            return None
        pipeline_s = time.perf_counter() - t0
        outcome = FrameOutcome(frame, motion, result, pipeline_s)
        with self._lock:
            s = self._stats
            s.processed += 1
            s.recent_failures.append(False)
            s.run_ms.append(result.run_s * 1000)
            s.pipeline_ms.append(pipeline_s * 1000)
            s.tray = "moving" if motion.moving else ("still" if motion.still else "settling")
        self._emit(view, outcome)
        return outcome

    def _vote(
        self, motion: Motion, result: FrameResult, frame: Frame, width: int, height: int
    ) -> TrayView | None:
        if not motion.still:
            self.voter.reset()
            self._settled = False
            return None
        if self._settled:
            return None
        view = self.voter.add(
            result.items, (width, height), frame.timestamp, self.detector.version, result.doubtful
        )
        if view is not None:
            self._settled = True
            if self.sizer is not None:
                view = self.sizer.measure(view, getattr(self.detector, "camera", None))
        return view

    def _emit(self, view: TrayView | None, outcome: FrameOutcome) -> None:
        for callback, arg, what in (
            (self.on_outcome, outcome, "outcome"),
            (self.on_view if view is not None else None, view, "view"),
        ):
            if callback is None:
                continue
            try:
                callback(arg)
            except Exception:
                log.exception("%s consumer failed", what)

    def _note_failure(self, message: str, run: bool = False) -> None:
        with self._lock:
            self._stats.frame_errors += 1
            self._stats.run_errors += run
            self._stats.recent_failures.append(True)
            self._stats.last_error = message

    # -- reporting ---------------------------------------------------------------
    def health(self) -> VisionHealth:
        with self._lock:
            s = self._stats
            now = self.clock()
            silent = s.captured == 0 or now - s.last_frame_at > NO_FRAME_AFTER_S
            if self._stop.is_set():
                state = HealthState.STOPPED
            elif not self._started:
                state = HealthState.STARTING
            elif silent:
                # Before the first frame it is only starting, unless the camera already failed.
                tried = s.captured or s.camera_errors
                state = HealthState.NO_FRAMES if tried else HealthState.STARTING
            elif sum(s.recent_failures) > len(s.recent_failures) // 2:
                state = HealthState.DEGRADED
            else:
                state = HealthState.RUNNING
            return VisionHealth(
                state=state,
                provider=self.detector.provider,
                model_version=self.detector.version,
                frames_captured=s.captured,
                frames_processed=s.processed,
                frames_skipped=self.box.skipped,
                frame_errors=s.frame_errors,
                camera_errors=s.camera_errors,
                last_error=s.last_error,
                infer_ms=sum(s.run_ms) / len(s.run_ms) if s.run_ms else 0.0,
                pipeline_ms=sum(s.pipeline_ms) / len(s.pipeline_ms) if s.pipeline_ms else 0.0,
                tray=s.tray,
                run_errors=s.run_errors,
            )
