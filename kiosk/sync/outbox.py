"""The sync worker's own view of the store's `outbox` table, on its own connection.

The store's writer thread owns sales; this connection only reads pending rows and
marks them sent or refused, each in a tiny transaction, so a checkout's commit
waits at most for one UPDATE. A row is never deleted here: `sent_at` records that
headquarters acknowledged it, and a row whose mark was lost in a crash is simply
sent again (headquarters answers "already stored").

Refused rows (a final per-record verdict: 409 different body, 422 invalid) keep
`sent_at` NULL and get `refused_at` with the reason in `last_error`: they stay
visible as unsent for staff, and the worker stops retrying them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kiosk.store.database import outbox_backlog


@dataclass(frozen=True, slots=True)
class OutboxRow:
    seq: int
    kind: str
    ref: str
    payload: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int  # not yet acknowledged, will be retried
    refused: int  # refused for good by headquarters (or unreadable here): for staff


class Outbox:
    def __init__(self, db_path: Path | str, clock: Callable[[], float] = time.time) -> None:
        path = Path(db_path)
        if not path.exists():
            raise FileNotFoundError(f"the sales database {path} does not exist (start the store)")
        self._conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=10.0
        )
        self._conn.execute("PRAGMA busy_timeout = 10000")
        # NORMAL, not FULL, on this connection: losing a "sent" mark to a power cut
        # only means the row is sent again and acknowledged as a duplicate, and it
        # spares an fsync per batch on the disk the checkout commits to.
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._clock = clock

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")

    def pending(self, limit: int) -> list[OutboxRow]:
        rows = self._conn.execute(
            "SELECT seq, kind, ref, payload, attempts FROM outbox"
            " WHERE sent_at IS NULL AND refused_at IS NULL ORDER BY seq LIMIT ?",
            (limit,),
        ).fetchall()
        return [OutboxRow(*r) for r in rows]

    def mark_sent(self, seqs: Iterable[int]) -> None:
        seqs = list(seqs)
        if not seqs:
            return
        now = self._clock()
        with self._write() as conn:
            conn.executemany(
                "UPDATE outbox SET sent_at = ?, last_error = NULL WHERE seq = ?",
                [(now, s) for s in seqs],
            )

    def mark_failed(self, seqs: Iterable[int], error: str) -> None:
        """A try that got no verdict: count it and keep the reason for diagnostics."""
        seqs = list(seqs)
        if not seqs:
            return
        with self._write() as conn:
            conn.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?"
                " WHERE seq = ? AND sent_at IS NULL",
                [(error[:1000], s) for s in seqs],
            )

    def mark_refused(self, refusals: Iterable[tuple[int, str]]) -> None:
        refusals = list(refusals)
        if not refusals:
            return
        now = self._clock()
        with self._write() as conn:
            conn.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, refused_at = ?"
                " WHERE seq = ? AND sent_at IS NULL",
                [(why[:2000], now, seq) for seq, why in refusals],
            )

    def requeue_refused(self) -> int:
        """Give refused rows another chance (after the cause was fixed at headquarters)."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE outbox SET last_error = NULL, refused_at = NULL"
                " WHERE sent_at IS NULL AND refused_at IS NOT NULL"
            )
            return cur.rowcount

    def refused(self, limit: int = 100) -> list[tuple[str, str, str]]:
        """(kind, ref, reason) of refused rows, oldest first: what staff must look at."""
        rows = self._conn.execute(
            "SELECT kind, ref, last_error FROM outbox"
            " WHERE sent_at IS NULL AND refused_at IS NOT NULL ORDER BY seq LIMIT ?",
            (limit,),
        ).fetchall()
        return [(k, r, e or "") for k, r, e in rows]

    def backlog(self) -> Backlog:
        pending, refused = outbox_backlog(self._conn)
        return Backlog(pending=pending, refused=refused)

    # ---- catalog versions (the store's table; same SQL as SalesStore.add_catalog_version) ----

    def latest_catalog_sha256(self) -> str | None:
        row = self._conn.execute(
            "SELECT sha256 FROM catalog_versions ORDER BY received_at DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def add_catalog_version(self, version: str, sha256: str, body: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO catalog_versions (version, sha256, body, received_at)"
                " VALUES (?, ?, ?, ?)",
                (version, sha256, body, self._clock()),
            )
