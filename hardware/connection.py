"""Connection state and reconnect pacing shared by the device drivers."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from enum import Enum


class ConnectionState(Enum):
    DISCONNECTED = "disconnected"  # stopped, or never started
    CONNECTING = "connecting"  # opening the port and identifying the device
    READY = "ready"  # identified and answering
    ERROR = "error"  # lost or never reached; the driver retries on its own


@dataclass
class Backoff:
    """Doubling wait between reopen attempts, capped: a pulled cable is retried often
    at first, and then without hammering the USB stack for hours."""

    initial_s: float
    cap_s: float
    _next: float = field(init=False)

    def __post_init__(self) -> None:
        self._next = self.initial_s

    def next(self) -> float:
        wait = self._next
        self._next = min(self._next * 2, self.cap_s)
        return wait

    def reset(self) -> None:
        self._next = self.initial_s


def pause_before_reopen(stop: threading.Event, url: str, seconds: float) -> None:
    """Wait `seconds` before reopening `url`, or less when its device node reappears.

    The backoff spares a present but failing device; an unplugged one costs only a
    stat() every 50 ms, and a replug is noticed as soon as udev recreates the node
    (`/dev/serial/by-id/...` comes back even when the tty number changed).
    """
    if "://" in url or not url.startswith("/") or os.path.exists(url):
        stop.wait(seconds)
        return
    deadline = time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        if os.path.exists(url):
            return
        stop.wait(0.05)
