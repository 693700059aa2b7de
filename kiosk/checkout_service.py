"""Runs the checkout state machine against the real world.

Every event, from whichever thread (vision, scale, scanner, payment, UI), goes
through `handle`, one at a time. Each transition is made durable first and acted on
second: the sale is committed before the receipt prints, the payment attempt is
saved before the terminal is asked to charge, so a crash at any point can be
resumed by `recover` without paying twice or losing a paid sale.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from kiosk.domain.checkout import (
    CallStaff,
    CancelPayment,
    Checkout,
    Checkouts,
    CompletedSale,
    Effect,
    Event,
    PrintReceipt,
    QueryPayment,
    RecordAbandoned,
    RecordSale,
    RefundPayment,
    Rejected,
    StartPayment,
    Transition,
    recover,
)
from kiosk.payment.provider import PaymentProvider
from kiosk.store import SalesStore, StoreError

log = logging.getLogger(__name__)

Listener = Callable[[Checkout, tuple[Effect, ...]], None]


class CheckoutService:
    def __init__(
        self,
        machine: Checkouts,
        store: SalesStore,
        payments: PaymentProvider,
        *,
        device_id: str,
        model_version: Callable[[], str] = lambda: "",
        clock: Callable[[], float] = time.time,
        print_receipt: Callable[[CompletedSale], None] | None = None,
        call_staff: Callable[[CallStaff], None] | None = None,
    ) -> None:
        self.machine = machine
        self.store = store
        self.payments = payments
        self.device_id = device_id
        self._model_version = model_version
        self._clock = clock
        self._print_receipt = print_receipt
        self._call_staff = call_staff
        self._listeners: list[Listener] = []
        # Re-entrant: a provider may answer from inside start() on this thread.
        self._lock = threading.RLock()
        self.checkout = Checkout(device_id=device_id)

    def subscribe(self, listener: Listener) -> None:
        """`listener(checkout, effects)` after each durable transition, on the caller's thread."""
        self._listeners.append(listener)

    def start(self) -> Transition:
        """Resume what the last run left behind."""
        with self._lock:
            saved = self.store.load_checkout()
            # The sale counter must move forward even if the state row is older than
            # the sales table (never reuse a sale id that headquarters may have seen).
            last_seq = self.store.last_sale_seq(self.device_id)
            base = saved if saved is not None else Checkout(device_id=self.device_id)
            base = replace(
                base,
                device_id=self.device_id,
                sale_prefix=f"{self.device_id}-{self.store.instance_id}",
                sale_seq=max(base.sale_seq, last_seq),
            )
            t = recover(base, self._clock())
            self.store.save_checkout(t.checkout).result()
            self.checkout = t.checkout
            self._act(t)
            return t

    def handle(self, event: Event) -> Transition:
        with self._lock:
            before = self.checkout
            t = self._persist(before, self.machine.step(before, event))
            self.checkout = t.checkout
            self._act(t)
            return t

    def _from_provider(self, event: Event) -> None:
        """A payment result on the provider's thread. If it cannot be made durable the
        checkout stays as it was (the attempt pending), and the next restart asks the
        provider again, so the charge is not lost; we only log here."""
        try:
            self.handle(event)
        except StoreError:
            log.exception("could not store the payment result %s", event)

    def _persist(self, before: Checkout, t: Transition) -> Transition:
        catalog_version = self.machine.catalog.version
        # The state machine remembers only its last few payments; the store
        # remembers all. A very late repeat of a recorded payment is not refunded.
        kept = tuple(
            e
            for e in t.effects
            if not (isinstance(e, RefundPayment) and self.store.payment_recorded(e.attempt_id))
        )
        if kept != t.effects:
            log.warning("ignored a repeated approval of a payment already recorded")
            t = Transition(t.checkout, kept)
        wrote_state = False
        for effect in t.effects:
            if isinstance(effect, RecordSale):
                self.store.commit_sale(
                    effect.sale,
                    t.checkout,
                    catalog_version=catalog_version,
                    model_version=self._model_version(),
                ).result()
                wrote_state = True
            elif isinstance(effect, RecordAbandoned):
                self.store.record_abandoned(
                    effect.sale_id,
                    effect.lines,
                    effect.why,
                    t.checkout,
                    started_at=before.started_at or self._clock(),
                    catalog_version=catalog_version,
                    model_version=self._model_version(),
                ).result()
                wrote_state = True
            elif isinstance(effect, RefundPayment):
                self.store.record_refund(
                    effect.attempt_id, effect.amount, effect.reference, effect.why
                ).result()
        if not wrote_state and t.checkout != before:
            self.store.save_checkout(t.checkout).result()
        return t

    def _act(self, t: Transition) -> None:
        for effect in t.effects:
            match effect:
                case StartPayment():
                    self.payments.start(
                        effect.attempt_id, effect.amount, effect.method, self._from_provider
                    )
                case CancelPayment():
                    self.payments.cancel(effect.attempt_id)
                case QueryPayment():
                    self.payments.query(effect.attempt_id, self._from_provider)
                case RefundPayment():
                    self.payments.refund(effect.attempt_id, effect.amount, effect.reference)
                case PrintReceipt() if self._print_receipt and t.checkout.paid is not None:
                    self._print_receipt(t.checkout.paid)
                case CallStaff() if self._call_staff:
                    self._call_staff(effect)
                case Rejected():
                    log.info("%s rejected: %s", effect.event, effect.why)
                case _:
                    pass
        for listener in self._listeners:
            listener(t.checkout, t.effects)
