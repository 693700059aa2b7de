"""The simulated camera: renders the virtual tray live, behind the FrameSource interface."""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hardware.camera.frames import CameraFault, Frame
from hardware.sim.art_library import DEFAULT_ART_DIR, ArtLibrary, MissingArtError
from hardware.sim.calibration_card import CardOnTray
from hardware.sim.camera_model import CameraModel, default_camera
from hardware.sim.render import SceneLook, TrayRenderer
from hardware.sim.tray import VirtualTray


class SimCameraFault(enum.Enum):
    """Switches for the failures a real camera shows, so the kiosk's checks are tested."""

    NONE = "none"
    FROZEN = "frozen"  # the same image again and again (a hung USB camera does this)
    BLACK = "black"  # lens covered, or the light went out
    GONE = "gone"  # unplugged: read() raises CameraFault


class SimulatedCamera:
    """Draws `tray` at `width`x`height`, paced to `fps`.

    Still trays still give slightly different frames (sensor noise, sub-pixel shake);
    anything moving is motion-blurred over the exposure time; a hand occludes. The
    exposure is half the frame interval, like an auto-exposure camera under shop light.
    """

    def __init__(
        self,
        tray: VirtualTray,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        seed: int = 0,
        art: ArtLibrary | None = None,
        art_dir: Path | str = DEFAULT_ART_DIR,
        look: SceneLook | None = None,
        camera: CameraModel | None = None,
        clock: Callable[[], float] = time.monotonic,
        pace: bool = True,
    ) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.tray = tray
        self._size = (int(width), int(height))
        self._fps = float(fps)
        self._art = art
        self._art_dir = Path(art_dir)
        self._look = look or SceneLook(seed=seed)
        self._camera = camera or default_camera(*self._size)
        self._rng = np.random.default_rng(seed)
        self._clock = clock
        self._pace = pace
        self._renderer: TrayRenderer | None = None
        self._seq = 0
        self._next_due = 0.0
        self._last: Frame | None = None
        self._lock = threading.Lock()
        self.fault = SimCameraFault.NONE
        # the fitter's calibration card, when it lies on the tray (it weighs nothing
        # the scale would notice, so it is drawn into the picture, not put on the tray)
        self.card: CardOnTray | None = None
        self.render_seconds = 0.0  # time spent drawing the last frame, for diagnostics

    # -- FrameSource ------------------------------------------------------------------

    def open(self) -> None:
        with self._lock:
            if self._renderer is not None:
                return
            try:
                art = self._art or ArtLibrary(self.tray.catalog, self._art_dir)
            except MissingArtError as err:
                raise CameraFault(f"simulated camera cannot draw the catalog: {err}") from None
            self._renderer = TrayRenderer(art, self._camera, cache_frames=True)
            self._renderer.backdrop(self._look)  # warm the cache: the first frame is not late
            self._next_due = self._clock()

    def read(self, timeout: float = 1.0) -> Frame:
        with self._lock:
            if self._renderer is None:
                raise CameraFault("simulated camera is not open")
            if self.fault is SimCameraFault.GONE:
                raise CameraFault("simulated camera unplugged")
            now = self._clock()
            if self._pace:
                wait = self._next_due - now
                if wait > timeout:
                    raise CameraFault(f"no frame within {timeout:.2f} s")
                if wait > 0:
                    time.sleep(wait)
                    now = self._clock()
                # never bank lateness: a slow frame does not make the next ones early
                self._next_due = max(self._next_due + 1 / self._fps, now)
            if self.fault is SimCameraFault.FROZEN and self._last is not None:
                image = self._last.image
            else:
                t0 = time.perf_counter()
                result = self._renderer.render(
                    self.tray.snapshot(now),
                    self._look,
                    self._rng,
                    exposure_s=0.5 / self._fps,
                    jitter_px=0.25,
                    measure=False,
                )
                image = result.image
                if self.card is not None:
                    image = self.card.draw(image, self._camera)
                self.render_seconds = time.perf_counter() - t0
                if self.fault is SimCameraFault.BLACK:
                    image = (image // 24).astype(np.uint8)  # not exactly 0: sensors have an offset
            self._seq += 1
            frame = Frame(image=image, timestamp=now, seq=self._seq)
            self._last = frame
            return frame

    def close(self) -> None:
        with self._lock:
            self._renderer = None

    @property
    def resolution(self) -> tuple[int, int]:
        return self._size

    @property
    def fps(self) -> float:
        return self._fps
