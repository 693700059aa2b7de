"""What the checkout needs from a payment provider.

Results come back as domain events through `on_result`, from the provider's own
thread: the checkout service serialises them with everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from kiosk.domain.checkout import PaymentApproved, PaymentDeclined

PaymentResult = PaymentApproved | PaymentDeclined
OnResult = Callable[[PaymentResult], None]


class PaymentProvider(Protocol):
    def start(self, attempt_id: str, amount: int, method: str, on_result: OnResult) -> None:
        """Begin collecting `amount` fen; exactly one result follows, or none if cancelled."""

    def cancel(self, attempt_id: str) -> None:
        """Best effort: an approval may still arrive (the checkout refunds it)."""

    def query(self, attempt_id: str, on_result: OnResult) -> None:
        """After a restart: report what became of an attempt (declined if unknown)."""

    def refund(self, attempt_id: str, amount: int, reference: str) -> None: ...

    def close(self) -> None: ...
