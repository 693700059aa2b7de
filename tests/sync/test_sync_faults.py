"""Exactly once through a hostile network: the real worker, the real service, the fault proxy."""

from __future__ import annotations

import contextlib
import json
import sqlite3

import pytest
from fault_proxy import ALL_FAULTS, Fault
from sales_factory import add_hard_case, commit_sale
from sync_helpers import DEVICE, fast_config, wait_for

from hq.db import canonical_json
from kiosk.sync import SyncWorker


def outbox_rows(db_path) -> list[tuple[str, str, str, float | None]]:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        sql = "SELECT kind, ref, payload, sent_at FROM outbox ORDER BY seq"
        return conn.execute(sql).fetchall()


def assert_exactly_once(hq, store, sales: int, cases: int) -> None:
    rows = outbox_rows(store.path)
    assert all(sent_at is not None for *_, sent_at in rows), "outbox not empty"
    sale_rows = {ref: payload for kind, ref, payload, _ in rows if kind == "sale"}
    case_rows = {ref: payload for kind, ref, payload, _ in rows if kind == "hard_case"}
    assert len(sale_rows) == sales and len(case_rows) == cases
    assert hq.db.keys("sales") == sorted(sale_rows)
    assert hq.db.keys("hard_cases") == sorted(case_rows)
    for ref, payload in sale_rows.items():
        stored = hq.db.record("sales", ref)
        assert canonical_json(stored["body"]) == canonical_json(json.loads(payload))
    for ref, payload in case_rows.items():
        body = json.loads(payload)
        assert hq.db.record("hard_cases", ref)["body"] == body
        sha = body["image_sha256"]
        assert hq.images.read(sha) == store.images.path(sha).read_bytes()


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_2000_sales_and_50_hard_cases_arrive_exactly_once_through_every_fault(hq, proxy, store):
    proxy.script(*ALL_FAULTS)  # each kind at least once, then at random
    proxy.set_fault_rate(0.3)
    worker = SyncWorker(fast_config(proxy.url), store.path, store.images.root, DEVICE).start()
    try:
        # Checkouts go on while the worker syncs, as in a shop.
        futures = []
        for seq in range(1, 2001):
            futures.append(commit_sale(store, DEVICE, seq))
            if seq % 40 == 0:
                futures.append(add_hard_case(store, DEVICE, seq // 40))
        for f in futures:
            f.result(timeout=60)
        worker.nudge()
        wait_for(
            lambda: worker.status().backlog == 0 and hq.db.count("sales") == 2000,
            timeout=120,
            what=f"the outbox to drain (status {worker.status()}, faults {dict(proxy.counts)})",
        )
    finally:
        worker.stop()
    assert all(proxy.counts[f] >= 1 for f in ALL_FAULTS), proxy.counts
    assert sum(proxy.counts[f] for f in ALL_FAULTS) >= 20
    assert worker.status().refused == 0
    assert_exactly_once(hq, store, sales=2000, cases=50)


@pytest.mark.parametrize(
    "fault", [Fault.STALL, Fault.RESET_RESPONSE, Fault.TRUNCATE, Fault.HTTP_500]
)
def test_a_batch_stored_but_not_acknowledged_is_resent_and_answered_as_duplicate(
    hq, proxy, store, fault
):
    for seq in range(1, 11):
        commit_sale(store, DEVICE, seq).result()
    worker = SyncWorker(fast_config(proxy.url), store.path, store.images.root, DEVICE).open()
    try:
        proxy.script(fault)
        assert worker.drain(timeout=20)
    finally:
        worker.close()
    # The first try reached headquarters; only its answer was lost.
    assert hq.db.count("sales") == 10
    status = worker.status()
    assert status.failures == 0 and status.last_error is not None
    assert status.sent == 10 and status.refused == 0
    assert_exactly_once(hq, store, sales=10, cases=0)
