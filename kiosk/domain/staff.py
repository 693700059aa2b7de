"""Staff login: PIN hashing and lockout, as pure functions (time is passed in).

A PIN is short, so it is only as strong as the lockout around it: after
`max_failures` wrong PINs the account locks for `lock_s`, doubling with every
further lockout up to `max_lock_s`. A successful login clears the count.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from enum import StrEnum

PBKDF2_ROUNDS = 60_000  # ~30 ms on a terminal's CPU: cheap for staff, slow for guessing


def hash_pin(pin: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), PBKDF2_ROUNDS).hex()


def pin_matches(pin: str, salt: str, pin_hash: str) -> bool:
    return hmac.compare_digest(hash_pin(pin, salt), pin_hash)


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int = 3
    lock_s: float = 60.0
    max_lock_s: float = 15 * 60.0


@dataclass(frozen=True, slots=True)
class StaffMember:
    staff_id: str
    name: str
    role: str  # "staff" or "supervisor"
    pin_hash: str
    pin_salt: str
    badge: str | None = None
    failed_attempts: int = 0
    locked_until: float = 0.0
    active: bool = True


class LoginStatus(StrEnum):
    OK = "ok"
    WRONG_PIN = "wrong_pin"
    LOCKED = "locked"  # locked before this attempt: the PIN was not even checked
    LOCKED_NOW = "locked_now"  # this wrong PIN locked the account
    UNKNOWN = "unknown"  # no such staff id, or inactive
    BAD_INPUT = "bad_input"


@dataclass(frozen=True, slots=True)
class LoginResult:
    status: LoginStatus
    member: StaffMember | None  # the record as it must be stored after this attempt
    locked_until: float = 0.0
    attempts_left: int = 0

    @property
    def ok(self) -> bool:
        return self.status is LoginStatus.OK


def valid_pin(pin: str) -> bool:
    return pin.isdigit() and 4 <= len(pin) <= 8


def attempt_login(
    member: StaffMember | None, pin: str, now: float, policy: LockoutPolicy = LockoutPolicy()
) -> LoginResult:
    """One PIN attempt against one staff record."""
    if member is None or not member.active:
        return LoginResult(LoginStatus.UNKNOWN, member)
    if now < member.locked_until:
        return LoginResult(LoginStatus.LOCKED, member, member.locked_until)
    if not valid_pin(pin):
        return LoginResult(LoginStatus.BAD_INPUT, member, attempts_left=_left(member, policy))
    if pin_matches(pin, member.pin_salt, member.pin_hash):
        return LoginResult(LoginStatus.OK, replace(member, failed_attempts=0, locked_until=0.0))
    failures = member.failed_attempts + 1
    if failures % policy.max_failures == 0:
        lockouts = failures // policy.max_failures
        lock = min(policy.lock_s * 2 ** (lockouts - 1), policy.max_lock_s)
        locked = replace(member, failed_attempts=failures, locked_until=now + lock)
        return LoginResult(LoginStatus.LOCKED_NOW, locked, now + lock)
    after = replace(member, failed_attempts=failures)
    return LoginResult(LoginStatus.WRONG_PIN, after, attempts_left=_left(after, policy))


def _left(member: StaffMember, policy: LockoutPolicy) -> int:
    return policy.max_failures - member.failed_attempts % policy.max_failures
