"""Connection state and reconnect pacing shared by the device drivers."""

from __future__ import annotations

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
