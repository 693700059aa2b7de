"""Staff accounts on the sales database: PIN login with lockout, badges, the audit log.

The rules are `kiosk.domain.staff`'s; this only loads and stores the records (the
`staff` table) and writes every attempt and action to the append-only audit log.
Calls block on the store's writer (a few ms) and on PIN hashing (~30 ms): call them
from a worker, never from the GUI thread.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from kiosk.domain.staff import (
    LockoutPolicy,
    LoginResult,
    LoginStatus,
    StaffMember,
    attempt_login,
    hash_pin,
)
from kiosk.store import SalesStore


def _member(row: dict[str, Any]) -> StaffMember:
    return StaffMember(
        staff_id=row["id"],
        name=row["name"],
        role=row["role"],
        pin_hash=row["pin_hash"],
        pin_salt=row["pin_salt"],
        badge=row["badge"],
        failed_attempts=row["failed_attempts"],
        locked_until=row["locked_until"],
        active=bool(row["active"]),
    )


class StaffDesk:
    def __init__(
        self,
        store: SalesStore,
        policy: LockoutPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.policy = policy or LockoutPolicy()
        self._clock = clock

    def enrol(
        self, staff_id: str, name: str, pin: str, role: str = "staff", badge: str | None = None
    ) -> None:
        """Add a staff member (or leave an existing one untouched)."""
        salt = secrets.token_hex(8)
        row = (staff_id, name, role, hash_pin(pin, salt), salt, badge)
        self.store.submit(
            lambda conn: (
                conn.execute(
                    "INSERT OR IGNORE INTO staff (id, name, role, pin_hash, pin_salt, badge)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    row,
                )
                and None
            )
        ).result()

    def find(self, staff_id: str) -> StaffMember | None:
        rows = self.store.query("SELECT * FROM staff WHERE id = ?", (staff_id.strip(),))
        return _member(rows[0]) if rows else None

    def by_badge(self, badge: str) -> StaffMember | None:
        rows = self.store.query("SELECT * FROM staff WHERE badge = ?", (badge.strip(),))
        return _member(rows[0]) if rows else None

    def login(self, staff_id: str, pin: str) -> LoginResult:
        member = self.find(staff_id)
        result = attempt_login(member, pin, self._clock(), self.policy)
        if result.member is not None and result.status is not LoginStatus.LOCKED:
            self._save_counters(result.member)
        detail: dict[str, Any] = {"result": result.status.value}
        if result.locked_until:
            detail["locked_until"] = round(result.locked_until, 3)
        # Unknown ids are logged too: someone trying numbers is worth seeing.
        self.audit(staff_id.strip() or None, "login", detail)
        return result

    def _save_counters(self, m: StaffMember) -> None:
        args = (m.failed_attempts, m.locked_until, m.staff_id)

        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE staff SET failed_attempts = ?, locked_until = ? WHERE id = ?", args
            )

        self.store.submit(job).result()

    def audit(self, staff_id: str | None, action: str, detail: dict[str, Any]) -> None:
        self.store.audit(staff_id, action, detail).result()

    def recent_audit(self, limit: int = 50) -> list[dict[str, Any]]:
        return self.store.query(
            "SELECT seq, at, staff_id, action, detail FROM audit_log ORDER BY seq DESC LIMIT ?",
            (limit,),
        )
