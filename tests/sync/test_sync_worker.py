"""The sync worker's behaviour against the real service: refusals, credentials, catalog,
heartbeat, TLS, and staying out of the checkout's way."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import time
from pathlib import Path

import pytest
from fault_proxy import Fault, FaultProxy
from sales_factory import add_hard_case, commit_sale
from sync_helpers import DEVICE, STORE, TOKEN, fast_config, wait_for

from hq.app import create_app
from hq.db import Record, canonical_json
from hq.images import HqImageStore
from hq.testing import ServerThread, make_test_ca
from kiosk.sync import CatalogSwitch, SyncState, SyncWorker
from kiosk.sync.outbox import Outbox

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "assets" / "catalog" / "demo.json"


def worker_for(url, store, **config):
    return SyncWorker(fast_config(url, **config), store.path, store.images.root, DEVICE).open()


def test_a_conflicting_sale_is_refused_reported_and_not_overwritten(hq, store):
    commit_sale(store, DEVICE, 1).result()
    commit_sale(store, DEVICE, 2).result()
    other = {"id": f"{DEVICE}-000001", "total": 1}
    hq.db.put_records(
        "sales",
        DEVICE,
        [
            Record(
                other["id"],
                canonical_json(other),
                {"status": "paid", "total": 1, "currency": "CNY", "completed_at": 1.0},
            )
        ],
    )
    worker = worker_for(hq.url, store)
    try:
        assert worker.drain(timeout=10)
        status = worker.status()
        assert status.refused == 1 and status.backlog == 0 and status.sent == 1
        ((kind, ref, why),) = Outbox(store.path).refused()
        assert (kind, ref) == ("sale", f"{DEVICE}-000001")
        assert "409" in why and "different body" in why
        # Refused rows are not retried in a loop.
        assert worker.send_batch() == 0
    finally:
        worker.close()
    assert hq.db.record("sales", f"{DEVICE}-000001")["body"] == other
    assert hq.db.keys("sales") == [f"{DEVICE}-000001", f"{DEVICE}-000002"]


def test_requeued_refusals_are_sent_again(hq, store):
    commit_sale(store, "someone-else", 1).result()  # not this token's device
    worker = worker_for(hq.url, store)
    try:
        assert worker.drain(timeout=10)
        assert worker.status().refused == 1
        (_, _, why), *_ = Outbox(store.path).refused()
        assert "403" in why and "someone-else" in why
        # Fixed at headquarters: the token now belongs to the device the kiosk claims.
        hq.db.rotate_token(DEVICE)
        hq.db.set_device_token("someone-else", STORE, TOKEN)
        assert Outbox(store.path).requeue_refused() == 1
        assert worker.drain(timeout=10)
        assert worker.status().refused == 0
    finally:
        worker.close()
    assert hq.db.keys("sales") == ["someone-else-000001"]


def test_a_wrong_token_is_reported_and_nothing_is_given_up(hq, store, caplog):
    for seq in (1, 2, 3):
        commit_sale(store, DEVICE, seq).result()
    worker = worker_for(hq.url, store, device_token="wrong")
    try:
        with caplog.at_level(logging.ERROR, logger="kiosk.sync"):
            assert not worker.drain(timeout=0.5)
        status = worker.status()
        assert status.state is SyncState.RETRYING and status.failures >= 1
        assert "401" in status.last_error and "credentials" in status.last_error
        assert status.backlog == 3 and status.refused == 0
        assert any("credentials" in r.getMessage() for r in caplog.records)
    finally:
        worker.close()
    assert hq.db.count("sales") == 0
    with contextlib.closing(sqlite3.connect(store.path)) as conn:
        attempts, last_error = conn.execute(
            "SELECT MIN(attempts), MAX(last_error) FROM outbox"
        ).fetchone()
    assert attempts >= 1 and "401" in last_error


def test_unreachable_headquarters_is_retried_with_backoff_and_reported(store):
    commit_sale(store, DEVICE, 1).result()
    worker = SyncWorker(
        fast_config("http://127.0.0.1:9"), store.path, store.images.root, DEVICE
    ).start()
    try:
        # The worker alternates between sending and waiting: look at it while it waits.
        seen = []

        def waiting_after_failures() -> bool:
            seen.append(worker.status())
            return seen[-1].failures >= 3 and seen[-1].state is SyncState.RETRYING

        wait_for(waiting_after_failures, 10, "failures to be counted")
        status = seen[-1]
        assert status.backlog == 1
        assert "ConnectionError" in status.last_error
        assert 0 <= status.retry_in_s <= 0.1
    finally:
        worker.stop()
    assert worker.status().state is SyncState.STOPPED


def test_the_worker_thread_drains_on_a_nudge_and_stops_promptly(hq, store):
    worker = SyncWorker(
        fast_config(hq.url, interval_s=30), store.path, store.images.root, DEVICE
    ).start()
    try:
        wait_for(lambda: worker.status().state is SyncState.IDLE, 10, "the worker to idle")
        commit_sale(store, DEVICE, 1).result()
        add_hard_case(store, DEVICE, 1).result()
        worker.nudge()
        wait_for(lambda: hq.db.count("hard_cases") == 1, 5, "the nudge to send")
        assert hq.db.count("sales") == 1
    finally:
        started = time.monotonic()
        worker.stop()
        assert time.monotonic() - started < 2


def test_heartbeat_carries_versions_devices_backlog_and_clock(hq, store):
    commit_sale(store, DEVICE, 1).result()

    def health():
        return {
            "model_version": "m-7",
            "execution_provider": "CPUExecutionProvider",
            "devices": {"scale": "ok", "printer": "paper low"},
            "secret": "not for headquarters",
        }

    worker = SyncWorker(
        fast_config(hq.url), store.path, store.images.root, DEVICE, heartbeat_source=health
    ).open()
    try:
        worker.send_heartbeat()
        assert abs(worker.status().clock_offset_s) < 1
    finally:
        worker.close()
    (device,) = hq.db.devices()
    beat = device["last_heartbeat"]
    assert beat["device_id"] == DEVICE and beat["backlog"] == 1
    assert beat["model_version"] == "m-7" and beat["devices"]["printer"] == "paper low"
    assert "secret" not in beat and abs(beat["clock"] - time.time()) < 5


def test_a_new_catalog_is_stored_and_offered_for_between_sales(hq, store):
    switch = CatalogSwitch()
    worker = SyncWorker(
        fast_config(hq.url), store.path, store.images.root, DEVICE, catalog_switch=switch
    ).open()
    try:
        assert worker.check_catalog() is None  # nothing published yet
        body = DEMO_CATALOG.read_bytes()
        version = json.loads(body)["version"]
        hq.db.publish_catalog(STORE, version, body)
        update = worker.check_catalog()
        assert update is not None and update.version == version
        assert len(update.catalog) > 10
        assert worker.check_catalog() is None  # 304: not fetched again
        assert switch.take() is update and switch.take() is None
        assert worker.status().catalog_version == version
    finally:
        worker.close()
    rows = store.query("SELECT version, sha256, body, activated_at FROM catalog_versions")
    assert rows == [
        {
            "version": version,
            "sha256": update.sha256,
            "body": body.decode(),
            "activated_at": None,  # the checkout activates it when it switches
        }
    ]
    # After a restart the kiosk asks with the stored version's ETag.
    again = worker_for(hq.url, store)
    try:
        assert again.check_catalog() is None
    finally:
        again.close()


def test_an_invalid_catalog_is_rejected_with_a_clear_log(hq, store, caplog):
    doc = json.loads(DEMO_CATALOG.read_bytes())
    doc["version"] = "broken-1"
    doc["products"][0]["price"] = -5
    hq.db.publish_catalog(STORE, "broken-1", json.dumps(doc).encode())
    switch = CatalogSwitch()
    worker = SyncWorker(
        fast_config(hq.url), store.path, store.images.root, DEVICE, catalog_switch=switch
    ).open()
    try:
        with caplog.at_level(logging.ERROR, logger="kiosk.sync"):
            assert worker.check_catalog() is None
        assert switch.take() is None
        why = worker.status().catalog_error
        assert "broken-1" in why and "products.0.price" in why and "kept the current" in why
        assert any("products.0.price" in r.getMessage() for r in caplog.records)
        assert worker.check_catalog() is None  # the same bad document is not fetched again
    finally:
        worker.close()
    assert store.query("SELECT COUNT(*) AS n FROM catalog_versions")[0]["n"] == 0


def test_https_with_a_store_ca(hq, store, tmp_path):
    ca, cert, key = make_test_ca(tmp_path)
    images = HqImageStore(tmp_path / "tls-images")
    commit_sale(store, DEVICE, 1).result()
    with ServerThread(
        create_app(hq.db, images), ssl_certfile=str(cert), ssl_keyfile=str(key)
    ) as server:
        assert server.url.startswith("https://")
        untrusting = worker_for(server.url, store)
        try:
            assert not untrusting.drain(timeout=0.3)
            assert "TLS" in untrusting.status().last_error
        finally:
            untrusting.close()
        trusting = worker_for(server.url, store, ca_file=ca)
        try:
            assert trusting.drain(timeout=10)
        finally:
            trusting.close()
    assert hq.db.keys("sales") == [f"{DEVICE}-000001"]


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_draining_a_backlog_never_holds_up_a_checkout_commit(hq, store):
    """Every request to headquarters takes 2 s here. Had the worker held the database
    across a request, a checkout's commit would wait those 2 s; it must not wait for
    the network at all. (The bound is half the injected delay, not a speed target:
    commit speed is `kiosk bench store`'s job.)"""
    futures = [commit_sale(store, DEVICE, seq) for seq in range(1, 201)]
    for f in futures:
        f.result()
    slow = FaultProxy(hq.server.port, latency_s=2.0).start()
    slow.script(*[Fault.LATENCY] * 50)
    worker = SyncWorker(
        fast_config(slow.url, batch_size=100), store.path, store.images.root, DEVICE
    ).start()
    latencies = []
    try:
        wait_for(lambda: sum(slow.counts.values()) > 0, timeout=10, what="a request under way")
        seq = 200
        while hq.db.count("sales") < 200:  # while the backlog drains, one slow batch at a time
            seq += 1
            started = time.perf_counter()
            commit_sale(store, DEVICE, seq).result()
            latencies.append(time.perf_counter() - started)
            time.sleep(0.05)
    finally:
        worker.stop()
        slow.stop()
    assert len(latencies) >= 10
    assert max(latencies) < 1.0, sorted(latencies)[-5:]
