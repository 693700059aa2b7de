from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fault_proxy import FaultProxy
from sync_helpers import DEVICE, STORE, TOKEN

from hq.app import Limits, create_app
from hq.db import HqDatabase
from hq.images import HqImageStore
from hq.testing import ServerThread
from kiosk.store import SalesStore


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
