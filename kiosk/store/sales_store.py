"""The sales store: one writer thread owns the write connection; reads use their own.

Every write is a job run inside one transaction on the writer thread and answered
through a Future, so callers on any thread (never the GUI thread's event loop, which
only posts and gets called back) see either the whole write or a clear error. A
sale, its lines, its payment, its outbox row and the checkout state it leaves behind
commit together: after a crash either all of it is there or none.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from kiosk.domain.basket import BasketLine
from kiosk.domain.checkout import Checkout, CompletedSale
from kiosk.domain.checkout_codec import (
    checkout_from_dict,
    checkout_to_dict,
    line_to_dict,
    payment_to_dict,
)
from kiosk.store.database import (
    StoreError,
    StoreFullError,
    _is_full,
    check_health,
    connect,
    open_for_writing,
    outbox_backlog,
)
from kiosk.store.images import ImageStore

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], T]


def _line_rows(sale_id: str, lines: Iterable[BasketLine]) -> list[tuple]:
    return [
        (
            sale_id,
            ln.line_id,
            ln.sku,
            ln.name_zh,
            ln.name_en,
            ln.source.value,
            ln.quantity,
            ln.unit_price,
            None if ln.weight_g is None else str(ln.weight_g),
            ln.total,
            int(ln.age_restricted),
            ln.approved_by,
            int(ln.voided),
            ln.void_reason,
        )
        for ln in lines
    ]


class SalesStore:
    def __init__(
        self,
        path: Path | str,
        *,
        images_dir: Path | str | None = None,
        max_db_bytes: int | None = None,
        currency: str = "CNY",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.images = ImageStore(Path(images_dir) if images_dir else self.path.parent / "images")
        self.currency = currency
        self._max_db_bytes = max_db_bytes
        self._clock = clock
        self._jobs: queue.Queue[tuple[Job[Any], Future[Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    # ---- life cycle ----

    def start(self) -> SalesStore:
        """Open, check and migrate on the caller's thread so errors surface at start."""
        conn = open_for_writing(self.path, self._max_db_bytes)
        self._thread = threading.Thread(
            target=self._run, args=(conn,), name="store-writer", daemon=True
        )
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout)
            self._thread = None
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    def __enter__(self) -> SalesStore:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, conn: sqlite3.Connection) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                fn, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    result = fn(conn)
                    conn.execute("COMMIT")
                except BaseException as err:  # every failure goes back to the caller
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    future.set_exception(self._explain(err))
                else:
                    future.set_result(result)
        finally:
            conn.close()

    def _explain(self, err: BaseException) -> BaseException:
        if isinstance(err, sqlite3.Error) and _is_full(err):
            return StoreFullError(
                f"the sales database is full ({self.path}): this write was refused and "
                "nothing stored before it was harmed; free disk space, then retry"
            )
        if isinstance(err, sqlite3.Error):
            return StoreError(f"database write failed: {err}")
        return err

    def submit(self, fn: Job[T]) -> Future[T]:
        """Run `fn(conn)` in one transaction on the writer thread."""
        if self._thread is None:
            raise StoreError("the store is not started")
        future: Future[T] = Future()
        self._jobs.put((fn, future))
        return future

    # ---- writes ----

    def commit_sale(
        self,
        sale: CompletedSale,
        checkout: Checkout,
        *,
        catalog_version: str,
        model_version: str,
    ) -> Future[None]:
        """The paid sale with its lines, payment, outbox row and the checkout after it."""
        p = sale.payment
        payment_row = (p.attempt_id, sale.sale_id, p.method, p.amount, p.reference, p.at)
        return self._record_sale(
            checkout,
            sale_id=sale.sale_id,
            status="paid",
            started_at=sale.started_at,
            completed_at=sale.paid_at,
            lines=sale.lines,
            catalog_version=catalog_version,
            model_version=model_version,
            hard_case=sale.hard_case,
            extra={"hard_case": sale.hard_case, "payment": payment_to_dict(p)},
            payment_row=payment_row,
        )

    def record_abandoned(
        self,
        sale_id: str,
        lines: tuple[BasketLine, ...],
        why: str,
        checkout: Checkout,
        *,
        started_at: float,
        catalog_version: str,
        model_version: str,
    ) -> Future[None]:
        """A basket that left without paying: kept for loss prevention and review."""
        return self._record_sale(
            checkout,
            sale_id=sale_id,
            status="abandoned",
            started_at=started_at,
            completed_at=self._clock(),
            lines=lines,
            catalog_version=catalog_version,
            model_version=model_version,
            note=why,
            extra={"note": why},
        )

    def _record_sale(
        self,
        checkout: Checkout,
        *,
        sale_id: str,
        status: str,
        started_at: float,
        completed_at: float,
        lines: tuple[BasketLine, ...],
        catalog_version: str,
        model_version: str,
        extra: dict[str, Any],
        hard_case: bool = False,
        note: str = "",
        payment_row: tuple | None = None,
    ) -> Future[None]:
        """One sale (paid or abandoned): its row, lines, payment if any, outbox row and
        the checkout state after it, in one transaction. The outbox payload is the
        record headquarters receives."""
        now = self._clock()
        total = sum(ln.total for ln in lines if ln.active)
        row = (
            sale_id,
            checkout.device_id,
            checkout.sale_seq,  # the session's number: a new one starts at the next event
            status,
            started_at,
            completed_at,
            total,
            self.currency,
            catalog_version,
            model_version,
            int(hard_case),
            note,
        )
        payload = {
            "kind": "sale",
            "id": sale_id,
            "device_id": checkout.device_id,
            "status": status,
            "started_at": started_at,
            "completed_at": completed_at,
            "total": total,
            "currency": self.currency,
            "catalog_version": catalog_version,
            "model_version": model_version,
            "lines": [line_to_dict(x) for x in lines],
            **extra,
        }
        state = json.dumps(checkout_to_dict(checkout))
        line_rows = _line_rows(sale_id, lines)

        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO sales (id, device_id, seq, status, started_at, completed_at, total,"
                " currency, catalog_version, model_version, hard_case, note)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            conn.executemany(
                "INSERT INTO sale_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                line_rows,
            )
            if payment_row is not None:
                conn.execute("INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?)", payment_row)
            _outbox(conn, "sale", sale_id, payload, now)
            _save_state(conn, state, now)

        return self.submit(job)

    def save_checkout(self, checkout: Checkout) -> Future[None]:
        state = json.dumps(checkout_to_dict(checkout))
        now = self._clock()
        return self.submit(lambda conn: _save_state(conn, state, now))

    def record_refund(self, attempt_id: str, amount: int, reference: str, why: str) -> Future[None]:
        now = self._clock()
        payload = {
            "kind": "refund",
            "attempt_id": attempt_id,
            "amount": amount,
            "reference": reference,
            "why": why,
            "at": now,
        }

        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR IGNORE INTO refunds (attempt_id, amount, reference, why, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (attempt_id, amount, reference, why, now),
            )
            _outbox(conn, "refund", attempt_id, payload, now)

        return self.submit(job)

    def add_hard_case(
        self, case_id: str, sale_id: str | None, meta: dict[str, Any], image: bytes | None
    ) -> Future[str | None]:
        """The image file is made durable before the row that names it is committed."""
        digest = self.images.put(image) if image is not None else None
        now = self._clock()
        body = json.dumps(meta, ensure_ascii=False, sort_keys=True)
        payload = {
            "kind": "hard_case",
            "id": case_id,
            "sale_id": sale_id,
            "image_sha256": digest,
            "created_at": now,
            "meta": meta,
        }

        def job(conn: sqlite3.Connection) -> str | None:
            conn.execute(
                "INSERT INTO hard_cases VALUES (?, ?, ?, ?, ?)",
                (case_id, sale_id, now, digest, body),
            )
            _outbox(conn, "hard_case", case_id, payload, now)
            return digest

        return self.submit(job)

    def audit(self, staff_id: str | None, action: str, detail: dict[str, Any]) -> Future[None]:
        now = self._clock()
        body = json.dumps(detail, ensure_ascii=False, sort_keys=True)
        return self.submit(
            lambda conn: (
                conn.execute(
                    "INSERT INTO audit_log (at, staff_id, action, detail) VALUES (?, ?, ?, ?)",
                    (now, staff_id, action, body),
                )
                and None
            )
        )

    def add_catalog_version(self, version: str, sha256: str, body: str) -> Future[None]:
        now = self._clock()
        return self.submit(
            lambda conn: (
                conn.execute(
                    "INSERT OR IGNORE INTO catalog_versions (version, sha256, body, received_at)"
                    " VALUES (?, ?, ?, ?)",
                    (version, sha256, body, now),
                )
                and None
            )
        )

    def activate_catalog(self, version: str) -> Future[None]:
        now = self._clock()

        def job(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "UPDATE catalog_versions SET activated_at = ? WHERE version = ?", (now, version)
            )
            if cur.rowcount != 1:
                raise StoreError(f"no catalog version {version!r} stored")

        return self.submit(job)

    # ---- reads (each thread its own connection; WAL lets them run beside the writer) ----

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, readonly=True)
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self._reader().execute(sql, params).fetchall()]

    def load_checkout(self) -> Checkout | None:
        rows = self.query("SELECT body FROM checkout_state WHERE id = 1")
        return checkout_from_dict(json.loads(rows[0]["body"])) if rows else None

    @property
    def instance_id(self) -> str:
        """This database's own id, made once at creation (6 hex digits)."""
        return self.query("SELECT value FROM meta WHERE key = 'instance'")[0]["value"]

    def last_sale_seq(self, device_id: str) -> int:
        rows = self.query("SELECT MAX(seq) AS s FROM sales WHERE device_id = ?", (device_id,))
        return rows[0]["s"] or 0

    def sale(self, sale_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM sales WHERE id = ?", (sale_id,))
        if not rows:
            return None
        sale = rows[0]
        sale["lines"] = self.query(
            "SELECT * FROM sale_lines WHERE sale_id = ? ORDER BY line_id", (sale_id,)
        )
        sale["payments"] = self.query("SELECT * FROM payments WHERE sale_id = ?", (sale_id,))
        return sale

    def recent_sales(self, limit: int = 50) -> list[dict[str, Any]]:
        return self.query(
            "SELECT id, status, total, completed_at, hard_case FROM sales"
            " ORDER BY completed_at DESC LIMIT ?",
            (limit,),
        )

    def payment_recorded(self, attempt_id: str) -> bool:
        rows = self.query("SELECT 1 FROM payments WHERE attempt_id = ?", (attempt_id,))
        return bool(rows)

    def outbox_backlog(self) -> int:
        """Rows still to send (refused ones wait for staff, not for the network)."""
        return outbox_backlog(self._reader())[0]

    def check(self, full: bool = True) -> None:
        check_health(self._reader(), self.path, full=full)


def _outbox(conn: sqlite3.Connection, kind: str, ref: str, payload: dict, now: float) -> None:
    conn.execute(
        "INSERT INTO outbox (kind, ref, payload, created_at) VALUES (?, ?, ?, ?)",
        (kind, ref, json.dumps(payload, ensure_ascii=False, sort_keys=True), now),
    )


def _save_state(conn: sqlite3.Connection, body: str, now: float) -> None:
    conn.execute(
        "INSERT INTO checkout_state (id, body, updated_at) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        (body, now),
    )
