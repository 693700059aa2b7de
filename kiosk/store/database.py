"""Opening the database safely: pragmas, checks, migrations, clear errors.

A corrupt file or one written by a newer kiosk is reported and left exactly as it
is: the sales in it may be the only copy.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.store.migrations import LATEST, MIGRATIONS


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message says why and what to do."""


class CorruptDatabaseError(StoreError):
    pass


class NewerSchemaError(StoreError):
    pass


class StoreFullError(StoreError):
    pass


def _is_full(err: sqlite3.Error) -> bool:
    return getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "full" in str(err)


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with the pragmas every kiosk connection needs."""
    if readonly:
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        # WAL: readers never block the writer. FULL: a commit that returned is on
        # disk even after a power cut, which is what a paid sale needs.
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    return conn


def check_health(conn: sqlite3.Connection, path: Path, full: bool = False) -> None:
    """Raise CorruptDatabaseError or NewerSchemaError; never modifies anything."""
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as err:
        raise CorruptDatabaseError(
            f"{path} is not a readable kiosk database ({err}). It was left untouched; "
            "move it aside for inspection (kiosk db check) and restore the last backup, "
            "or start with an empty database by moving it away."
        ) from None
    problems = [r[0] for r in rows if r[0] != "ok"]
    if problems:
        raise CorruptDatabaseError(
            f"{path} failed its integrity check: {'; '.join(problems[:5])}. It was left "
            "untouched; copy it off the terminal for recovery before anything else."
        )
    if version > LATEST:
        raise NewerSchemaError(
            f"{path} has schema version {version}, newer than this kiosk knows ({LATEST}). "
            "It was written by a newer kiosk version: upgrade the kiosk software, or "
            "restore a backup made by this version. The file was not changed."
        )


def outbox_backlog(conn: sqlite3.Connection) -> tuple[int, int]:
    """(pending, refused) outbox rows not acknowledged by headquarters. Refused rows
    wait for staff, not for the network, so they are counted apart."""
    total, refused = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(refused_at IS NOT NULL), 0) FROM outbox"
        " WHERE sent_at IS NULL"
    ).fetchone()
    return total - refused, refused


def open_for_writing(path: Path, max_db_bytes: int | None = None) -> sqlite3.Connection:
    """The writer's connection: checked, migrated to the latest schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size > 0:
        # Check read-only first: even switching the journal mode writes the header.
        probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            check_health(probe, path)
        finally:
            probe.close()
    try:
        conn = connect(path)
    except sqlite3.DatabaseError as err:
        raise CorruptDatabaseError(f"{path} cannot be opened as a database: {err}") from None
    if max_db_bytes is not None:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {max(1, max_db_bytes // page)}")
    migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number in range(version + 1, LATEST + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return LATEST


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
