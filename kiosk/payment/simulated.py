"""A payment terminal simulator for the demo and tests: approves after a delay.

It keeps its own ledger of attempts (like a real acquirer would), so `query` after
a kiosk restart reports the truth, and refunds are visible to tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.config import SimulatedPaymentConfig
from kiosk.domain.checkout import PaymentApproved, PaymentDeclined
from kiosk.payment.provider import OnResult


@dataclass
class _Attempt:
    amount: int
    method: str
    state: str = "pending"  # pending | approved | declined | cancelled
    reference: str = ""


class SimulatedPayments:
    def __init__(
        self, config: SimulatedPaymentConfig, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self.ledger: dict[str, _Attempt] = {}
        self.refunds: list[tuple[str, int, str]] = []
        self._timers: list[threading.Timer] = []
        self._closed = False

    def start(self, attempt_id: str, amount: int, method: str, on_result: OnResult) -> None:
        with self._lock:
            self.ledger[attempt_id] = _Attempt(amount, method)
        self._later(self.config.approve_after_s, self._finish, attempt_id, on_result)

    def _later(self, delay: float, fn: Callable[..., None], *args: object) -> None:
        with self._lock:
            if self._closed:
                return
            timer = threading.Timer(delay, fn, args)
            timer.daemon = True
            self._timers = [t for t in self._timers if t.is_alive()]
            self._timers.append(timer)
        timer.start()

    def _finish(self, attempt_id: str, on_result: OnResult) -> None:
        with self._lock:
            attempt = self.ledger[attempt_id]
            if attempt.state != "pending":
                return
            if attempt.amount in self.config.decline_amounts:
                attempt.state = "declined"
            else:
                attempt.state = "approved"
                attempt.reference = f"SIM-{attempt_id}"
        on_result(self._result(attempt_id, attempt))

    def _result(self, attempt_id: str, a: _Attempt) -> PaymentApproved | PaymentDeclined:
        if a.state == "approved":
            return PaymentApproved(self._clock(), attempt_id, a.amount, a.reference)
        return PaymentDeclined(self._clock(), attempt_id, a.state)

    def cancel(self, attempt_id: str) -> None:
        with self._lock:
            attempt = self.ledger.get(attempt_id)
            if attempt and attempt.state == "pending":
                attempt.state = "cancelled"

    def query(self, attempt_id: str, on_result: OnResult) -> None:
        with self._lock:
            attempt = self.ledger.get(attempt_id) or _Attempt(0, "", state="unknown")
        if attempt.state == "pending":
            return  # the result will come when the customer finishes
        self._later(0, on_result, self._result(attempt_id, attempt))

    def refund(self, attempt_id: str, amount: int, reference: str) -> None:
        with self._lock:
            self.refunds.append((attempt_id, amount, reference))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            timers, self._timers = self._timers, []
        for t in timers:
            t.cancel()
