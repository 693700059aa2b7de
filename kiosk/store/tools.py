"""`kiosk db check` and `kiosk db export`: for staff, support and accounting."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import sqlite_utils

from kiosk.store.database import StoreError, check_health, connect, outbox_backlog
from kiosk.store.migrations import LATEST


def check_database(path: Path) -> int:
    if not path.exists():
        print(f"{path}: no such database", file=sys.stderr)
        return 1
    conn = connect(path, readonly=True)
    try:
        check_health(conn, path, full=True)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        db = sqlite_utils.Database(conn)
        counts = {
            t: db[t].count
            for t in ("sales", "sale_lines", "payments", "hard_cases", "outbox", "audit_log")
            if db[t].exists()
        }
        backlog, refused = outbox_backlog(conn)
    except StoreError as err:
        print(f"FAIL: {err}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    print(
        json.dumps(
            {
                "database": str(path),
                "integrity": "ok",
                "schema_version": version,
                "schema_latest": LATEST,
                "rows": counts,
                "outbox_backlog": backlog,
                "outbox_refused": refused,
            }
        )
    )
    return 0


def export_sales(path: Path, out: Path | None) -> int:
    """One JSON object per sale (lines and payments inside), oldest first."""
    if not path.exists():
        print(f"{path}: no such database", file=sys.stderr)
        return 1
    conn = connect(path, readonly=True)
    db = sqlite_utils.Database(conn)
    n = 0
    with contextlib.ExitStack() as stack:
        stream = stack.enter_context(open(out, "w", encoding="utf-8")) if out else sys.stdout
        stack.callback(conn.close)
        for sale in db["sales"].rows_where(order_by="completed_at, id"):
            sale["lines"] = list(
                db["sale_lines"].rows_where("sale_id = ?", [sale["id"]], order_by="line_id")
            )
            sale["payments"] = list(db["payments"].rows_where("sale_id = ?", [sale["id"]]))
            stream.write(json.dumps(sale, ensure_ascii=False) + "\n")
            n += 1
    if out:
        print(f"exported {n} sales to {out}", file=sys.stderr)
    return 0
