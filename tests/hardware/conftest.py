"""Shared helpers for the hardware tests: deadlines instead of sleeps, fast timing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest

from hardware.scale.config import ScaleTiming, StabilityConfig

# Short timeouts so that fault tests run in a fraction of a second each.
FAST = ScaleTiming(
    poll_interval_s=0.01,
    reply_timeout_s=0.15,
    silence_timeout_s=0.4,
    backoff_initial_s=0.02,
    backoff_max_s=0.1,
)
WINDOW = StabilityConfig(span_s=0.15, tolerance_g=Decimal(2))


def wait_for(predicate: Callable[[], object], timeout: float = 5.0, what: str = "") -> object:
    """Poll `predicate` until it is truthy; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.005)
    pytest.fail(f"timed out after {timeout} s waiting for {what or predicate}")


class Recorder:
    """Collects driver events from the driver thread; safe to read from the test."""

    def __init__(self):
        self._lock = threading.Lock()
        self.events: list = []

    def __call__(self, event) -> None:
        with self._lock:
            self.events.append(event)

    def snapshot(self) -> list:
        with self._lock:
            return list(self.events)

    def of(self, kind) -> list:
        return [e for e in self.snapshot() if isinstance(e, kind)]

    def clear(self) -> None:
        with self._lock:
            self.events.clear()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
