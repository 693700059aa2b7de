import json
import sqlite3

import pytest

from kiosk.bench.store import make_sale
from kiosk.domain.checkout import Phase
from kiosk.store import (
    CorruptDatabaseError,
    NewerSchemaError,
    SalesStore,
    StoreError,
    StoreFullError,
)
from kiosk.store.images import ImageCorruptError
from kiosk.store.migrations import LATEST


@pytest.fixture()
def store(tmp_path):
    s = SalesStore(tmp_path / "k.sqlite").start()
    yield s
    s.close()


def commit(store, catalog, n):
    sale, checkout = make_sale(catalog, n)
    store.commit_sale(sale, checkout, catalog_version="c1", model_version="m1").result()
    return sale


def test_a_sale_commits_with_lines_payment_outbox_and_state(store, catalog):
    sale = commit(store, catalog, 1)
    stored = store.sale(sale.sale_id)
    assert stored["status"] == "paid" and stored["total"] == sale.total
    assert [ln["sku"] for ln in stored["lines"]] == [ln.sku for ln in sale.lines]
    assert stored["payments"][0]["amount"] == sale.total
    outbox = store.query("SELECT kind, ref, payload FROM outbox")
    assert [(o["kind"], o["ref"]) for o in outbox] == [("sale", sale.sale_id)]
    payload = json.loads(outbox[0]["payload"])
    assert payload["total"] == sale.total and len(payload["lines"]) == 5
    assert store.load_checkout().phase is Phase.RECEIPT
    assert store.last_sale_seq("bench") == 1


def test_wal_and_full_sync_are_in_force(store):
    assert store.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
    writer_sync = store.submit(lambda c: c.execute("PRAGMA synchronous").fetchone()[0]).result()
    assert writer_sync == 2  # FULL


def test_the_same_sale_twice_is_refused_and_the_first_kept(store, catalog):
    sale = commit(store, catalog, 1)
    with pytest.raises(StoreError, match="UNIQUE"):
        commit(store, catalog, 1)
    assert len(store.sale(sale.sale_id)["lines"]) == 5
    assert store.outbox_backlog() == 1


def test_a_full_database_refuses_the_sale_and_keeps_the_rest(tmp_path, catalog):
    store = SalesStore(tmp_path / "k.sqlite", max_db_bytes=160 * 1024).start()
    try:
        committed = []
        with pytest.raises(StoreFullError, match="database is full"):
            for n in range(1, 10_000):
                committed.append(commit(store, catalog, n))
        assert len(committed) > 10
        # the refused sale left nothing behind; every earlier one is whole
        assert store.query("SELECT COUNT(*) AS n FROM sales")[0]["n"] == len(committed)
        assert store.query("SELECT COUNT(*) AS n FROM sale_lines")[0]["n"] == 5 * len(committed)
        store.check(full=True)
    finally:
        store.close()


def test_a_corrupt_database_is_reported_and_left_untouched(tmp_path):
    path = tmp_path / "k.sqlite"
    path.write_bytes(b"this is not a database, it is a note" * 200)
    before = path.read_bytes()
    with pytest.raises(CorruptDatabaseError, match="left untouched"):
        SalesStore(path).start()
    assert path.read_bytes() == before


def test_a_damaged_page_fails_the_check(tmp_path, catalog):
    path = tmp_path / "k.sqlite"
    with SalesStore(path) as s:
        for n in range(1, 200):
            commit(s, catalog, n)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 12] = b"\xff" * 12  # scribble over a b-tree page header
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptDatabaseError):
        SalesStore(path).start()


def test_a_newer_schema_is_refused_without_changes(tmp_path):
    path = tmp_path / "k.sqlite"
    SalesStore(path).start().close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(NewerSchemaError, match=f"schema version {LATEST + 1}"):
        SalesStore(path).start()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST + 1
    conn.close()


def test_the_audit_log_is_append_only(store):
    store.audit("S001", "approve_age", {"sale": "k-1"}).result()
    with pytest.raises(StoreError, match="append-only"):
        store.submit(lambda c: c.execute("UPDATE audit_log SET action = 'x'")).result()
    with pytest.raises(StoreError, match="append-only"):
        store.submit(lambda c: c.execute("DELETE FROM audit_log")).result()
    assert store.query("SELECT staff_id, action FROM audit_log") == [
        {"staff_id": "S001", "action": "approve_age"}
    ]


def test_hard_case_images_are_named_by_checksum_and_checked_on_read(store):
    digest = store.add_hard_case("hc-1", None, {"why": "look-alike"}, b"\xff\xd8jpeg").result()
    assert store.images.get(digest) == b"\xff\xd8jpeg"
    assert store.query("SELECT kind, ref FROM outbox") == [{"kind": "hard_case", "ref": "hc-1"}]
    store.images.path(digest).write_bytes(b"tampered")
    with pytest.raises(ImageCorruptError, match="does not match"):
        store.images.get(digest)


def test_writes_after_close_are_refused(tmp_path):
    s = SalesStore(tmp_path / "k.sqlite").start()
    s.close()
    with pytest.raises(StoreError, match="not started"):
        s.audit(None, "x", {})


def test_migration_2_moves_refusals_out_of_last_error(tmp_path):
    from kiosk.store.database import _statements
    from kiosk.store.migrations import MIGRATIONS

    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO outbox (kind, ref, payload, created_at, last_error) VALUES"
        " ('sale', 'a', '{}', 1, 'refused: 409 different body'),"
        " ('sale', 'b', '{}', 2, 'timeout'), ('sale', 'c', '{}', 3, NULL)"
    )
    conn.close()
    with SalesStore(path) as store:
        rows = store.query("SELECT ref, refused_at, last_error FROM outbox ORDER BY seq")
        assert rows == [
            {"ref": "a", "refused_at": 1.0, "last_error": "409 different body"},
            {"ref": "b", "refused_at": None, "last_error": "timeout"},
            {"ref": "c", "refused_at": None, "last_error": None},
        ]
        assert store.outbox_backlog() == 2
        assert store.query("PRAGMA user_version")[0]["user_version"] == LATEST
