"""Constants and helpers shared by the sync tests (conftest.py holds only fixtures)."""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.sync import SyncConfig

DEVICE = "kiosk-7"
STORE = "demo-001"
TOKEN = "token-of-kiosk-7"


def fast_config(url: str, **overrides) -> SyncConfig:
    """Small timeouts and backoff: the fault tests must finish in seconds."""
    values = {
        "url": url,
        "device_token": TOKEN,
        "batch_size": 50,
        "interval_s": 0.02,
        "connect_timeout_s": 0.5,
        "read_timeout_s": 0.4,
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.1,
        "heartbeat_interval_s": 0.5,
        "catalog_interval_s": 0.5,
    }
    values.update(overrides)
    return SyncConfig(**values)


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)
