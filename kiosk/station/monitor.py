"""Device health: polls the camera pipeline and the scale, tells the checkout about
faults and recoveries, and publishes a diagnostics snapshot for staff.

Polling (twice a second) rather than reacting to every driver event: a fault must
last a moment before the kiosk goes out of service (a replug, a single lost frame
are not worth interrupting a shopper for), and one place decides it for all devices.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.domain.checkout import DeviceFault, DeviceRecovered, Tick

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    device: str  # "camera", "scale", "printer", "network"
    ok: bool
    summary: str  # one line for the diagnostics screen


@dataclass(frozen=True, slots=True)
class Diagnostics:
    at: float
    devices: tuple[DeviceStatus, ...]
    camera_fps: float
    infer_ms: float
    pipeline_ms: float
    model_version: str
    provider: str
    scale_state: str
    scale_grams: str
    sync_backlog: int
    frames_skipped: int
    size_check: str = ""  # the model's size check on, off (no calibration), "" if none


Probe = Callable[[], DeviceStatus]


class DeviceMonitor:
    def __init__(
        self,
        probes: dict[str, Probe],
        post: Callable[[object], object],
        snapshot: Callable[[], Diagnostics],
        *,
        fault_after_s: float = 1.0,
        interval_s: float = 0.5,
        tick_every_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.probes = probes
        self._post = post
        self._snapshot = snapshot
        self.fault_after_s = fault_after_s
        self.interval_s = interval_s
        self.tick_every_s = tick_every_s
        self._next_tick = 0.0
        self._clock = clock
        self._wall = wall_clock
        self._bad_since: dict[str, float] = {}
        self._faulted: set[str] = set()
        self.listeners: list[Callable[[Diagnostics], None]] = []
        self.watchers: list[Callable[[], None]] = []  # run on every poll (timeouts)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="device-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(3.0)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.poll()
            except Exception:
                log.exception("device monitor poll failed")

    def poll(self) -> None:
        now = self._clock()
        if now >= self._next_tick:
            # the checkout's clock: unattended baskets, faults honoured after a receipt
            self._next_tick = now + self.tick_every_s
            self._post(Tick(self._wall()))
        for name, probe in self.probes.items():
            status = probe()
            if status.ok:
                self._bad_since.pop(name, None)
                if name in self._faulted:
                    self._faulted.discard(name)
                    self._post(DeviceRecovered(self._wall(), name))
                continue
            since = self._bad_since.setdefault(name, now)
            if name not in self._faulted and now - since >= self.fault_after_s:
                self._faulted.add(name)
                self._post(DeviceFault(self._wall(), name, status.summary))
        for watch in self.watchers:
            watch()
        snap = self._snapshot()
        for cb in self.listeners:
            cb(snap)
