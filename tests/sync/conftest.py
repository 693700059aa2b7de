from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fault_proxy import FaultProxy

from hq.app import Limits, create_app
from hq.db import HqDatabase
from hq.images import HqImageStore
from hq.testing import ServerThread
from kiosk.store import SalesStore
from kiosk.sync import SyncConfig

DEVICE = "kiosk-7"
STORE = "demo-001"
TOKEN = "token-of-kiosk-7"


@dataclass
class Headquarters:
    db: HqDatabase
    images: HqImageStore
    server: ServerThread

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def hq(tmp_path: Path) -> Iterator[Headquarters]:
    db = HqDatabase.for_path(tmp_path / "hq" / "hq.sqlite3")
    db.migrate()
    db.set_device_token(DEVICE, STORE, TOKEN)
    images = HqImageStore(tmp_path / "hq" / "images")
    server = ServerThread(create_app(db, images, Limits())).start()
    yield Headquarters(db, images, server)
    server.stop()
    db.close()


@pytest.fixture
def proxy(hq: Headquarters) -> Iterator[FaultProxy]:
    p = FaultProxy(hq.server.port, seed=1234, hold_s=0.6, latency_s=0.03).start()
    yield p
    p.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SalesStore]:
    s = SalesStore(tmp_path / "kiosk" / "sales.db").start()
    yield s
    s.close()


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
