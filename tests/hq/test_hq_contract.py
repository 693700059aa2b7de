"""The running service matches hq/openapi.yaml: schemathesis generates valid and invalid
requests for every operation from the document; every answer must be documented (status,
content type, body schema) and none may be a 5xx."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hq_helpers import DEVICE, STORE, TOKEN
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hq import PROTOCOL_VERSION
from hq.app import OPENAPI_PATH, Limits, create_app
from hq.db import HqDatabase
from hq.images import HqImageStore
from hq.testing import ServerThread

schema = schemathesis.openapi.from_path(OPENAPI_PATH)
schema.config.generation.update(max_examples=int(os.environ.get("HQ_CONTRACT_EXAMPLES", "40")))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def running(tmp_path_factory) -> Iterator[tuple[str, str]]:
    root: Path = tmp_path_factory.mktemp("contract")
    db = HqDatabase.for_path(root / "hq.sqlite3")
    db.migrate()
    db.set_device_token(DEVICE, STORE, TOKEN)
    db.publish_catalog(STORE, "v1", b'{"version": "v1", "store": "store-1", "products": [{}]}')
    admin = db.add_admin_token("contract")
    app = create_app(db, HqImageStore(root / "images"), Limits(max_json_bytes=512 * 1024))
    with ServerThread(app) as server:
        yield server.url, admin
    db.close()


def test_every_route_of_the_service_is_documented_and_nothing_more(tmp_path):
    raw = schema.raw_schema
    assert raw["openapi"].startswith("3.1") and raw["info"]["version"] == PROTOCOL_VERSION
    documented = {
        (method.upper(), path)
        for path, item in raw["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    }
    app = create_app(HqDatabase.for_path(tmp_path / "x.sqlite3"), HqImageStore(tmp_path))
    served = {
        (method, route.path)
        for route in app.routes
        for method in route.methods
        # the review pages are for people in a browser, not the devices' API
        if method != "HEAD"
        and route.path != "/openapi.yaml"
        and not route.path.startswith("/review")
    }
    assert served == documented


@pytest.mark.slow
@pytest.mark.timeout(120)
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_the_service_answers_as_documented(case, running):
    url, admin = running
    token = admin if case.path == "/v1/devices" else TOKEN
    case.call_and_validate(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, timeout=10
    )
