"""Staff PIN and lockout rules (pure)."""

from kiosk.domain.staff import (
    LockoutPolicy,
    LoginStatus,
    StaffMember,
    attempt_login,
    hash_pin,
)

POLICY = LockoutPolicy(max_failures=3, lock_s=60, max_lock_s=300)


def member(**kw) -> StaffMember:
    return StaffMember("S001", "Wang", "staff", hash_pin("1234", "salt"), "salt", **kw)


def test_the_right_pin_logs_in_and_clears_the_count():
    r = attempt_login(member(failed_attempts=2), "1234", now=100.0, policy=POLICY)
    assert r.status is LoginStatus.OK and r.member.failed_attempts == 0


def test_three_wrong_pins_lock_and_the_lock_doubles():
    m = member()
    statuses = []
    for _ in range(3):
        r = attempt_login(m, "0000", now=100.0, policy=POLICY)
        statuses.append(r.status)
        m = r.member
    assert statuses == [LoginStatus.WRONG_PIN, LoginStatus.WRONG_PIN, LoginStatus.LOCKED_NOW]
    assert m.locked_until == 160.0
    # locked: even the right PIN is not checked
    assert attempt_login(m, "1234", now=159.0, policy=POLICY).status is LoginStatus.LOCKED
    # after the lock, three more failures lock for twice as long
    for _ in range(3):
        m = attempt_login(m, "9999", now=200.0, policy=POLICY).member
    assert m.locked_until == 200.0 + 120.0


def test_wrong_pin_says_how_many_attempts_are_left():
    r = attempt_login(member(), "0000", now=0.0, policy=POLICY)
    assert r.attempts_left == 2


def test_unknown_inactive_and_malformed():
    assert attempt_login(None, "1234", 0.0).status is LoginStatus.UNKNOWN
    assert attempt_login(member(active=False), "1234", 0.0).status is LoginStatus.UNKNOWN
    assert attempt_login(member(), "12a4", 0.0).status is LoginStatus.BAD_INPUT
