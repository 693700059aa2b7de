from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from hq_helpers import DEVICE, OTHER_DEVICE, OTHER_TOKEN, STORE, TOKEN

from hq.app import Limits, create_app
from hq.db import HqDatabase
from hq.images import HqImageStore
from hq.testing import PostgresCluster, ServerThread, postgres_bin_dir


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    if postgres_bin_dir() is None:
        pytest.skip(
            "PostgreSQL server binaries are not installed (apt-get install postgresql): "
            "the PostgreSQL backend is untested here"
        )
    if os.geteuid() == 0 and not Path("/usr/sbin/runuser").exists():
        pytest.skip("running as root without runuser: cannot start PostgreSQL as non-root")
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


_db_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path: Path) -> Iterator[HqDatabase]:
    if request.param == "sqlite":
        db = HqDatabase.for_path(tmp_path / "hq.sqlite3")
    else:
        cluster = request.getfixturevalue("postgres")
        db = HqDatabase(cluster.create_database(f"hq_test_{os.getpid()}_{next(_db_names)}"))
    db.migrate()
    db.set_device_token(DEVICE, STORE, TOKEN)
    db.set_device_token(OTHER_DEVICE, "store-2", OTHER_TOKEN)
    yield db
    db.close()


@dataclass
class Service:
    db: HqDatabase
    images: HqImageStore
    server: ServerThread
    http: requests.Session

    @property
    def url(self) -> str:
        return self.server.url

    def call(self, method: str, path: str, token: str | None = TOKEN, **kw) -> requests.Response:
        headers = kw.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.url + path, headers=headers, timeout=10, **kw)


LIMITS = Limits(max_json_bytes=256 * 1024, max_image_bytes=256 * 1024)


@pytest.fixture
def service(database: HqDatabase, tmp_path: Path) -> Iterator[Service]:
    images = HqImageStore(tmp_path / "images")
    server = ServerThread(create_app(database, images, LIMITS)).start()
    with requests.Session() as http:
        yield Service(database, images, server, http)
    server.stop()
