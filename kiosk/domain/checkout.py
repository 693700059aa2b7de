"""The checkout state machine: typed events in, new state and effects out.

    Idle -> Placing (tray not yet stable) -> Review -> Paying -> Receipt -> Idle
                           Assist (staff needed, with a reason)
                           OutOfService (a device fault), resumes where it was

`step(checkout, event)` is total: every event in every phase has a defined outcome,
at worst `Rejected` with the reason, so the UI can always say why nothing happened.
Time arrives inside events (`at`, seconds since the epoch); nothing here reads a
clock. Money rules:
- a payment starts only from Review, once per attempt, for the basket's total;
- an approval is accepted only for the current attempt and the exact amount, and
  then the sale is recorded once; any other approval is refunded, except a repeated
  notification of a payment already recorded, which is ignored;
- after a restart a payment in flight is queried, never assumed (see `recover`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from kiosk.domain.basket import TRAY_SOURCES, Basket, BasketError, BasketLine, LineSource
from kiosk.domain.catalog import Catalog, Product


class Phase(StrEnum):
    IDLE = "idle"
    PLACING = "placing"
    REVIEW = "review"
    ASSIST = "assist"
    PAYING = "paying"
    RECEIPT = "receipt"
    OUT_OF_SERVICE = "out_of_service"


class AssistReason(StrEnum):
    AGE_CHECK = "age_check"
    UNRESOLVED = "unresolved"  # the shopper could not fix a mismatch after N tries
    WEIGHT_MISMATCH = "weight_mismatch"  # the decision engine wants staff
    HELP_REQUESTED = "help_requested"
    PAYMENT_UNCERTAIN = "payment_uncertain"  # restarted while a payment was in flight
    PAYMENT_PROBLEM = "payment_problem"  # the provider charged an unexpected amount
    UNATTENDED = "unattended"  # a basket left on the tray for too long


class Verdict(StrEnum):
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"
    ASK = "ask"
    STAFF = "staff"


class StaffAction(StrEnum):
    APPROVE_AGE = "approve_age"
    OVERRIDE = "override"  # accept the basket as it stands, with a reason
    CANCEL_SALE = "cancel_sale"
    RESUME = "resume"  # back to review, nothing changed


# ---- events -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrayOutcome:
    """What the decision engine concluded for one still tray."""

    verdict: Verdict
    counts: Mapping[str, int] = field(default_factory=dict)  # SKU -> items on the tray
    weighed: tuple[tuple[str, Decimal], ...] = ()  # loose produce: (SKU, grams)
    message: str = ""  # for ASK/STAFF: what to tell the shopper or staff
    hard_case: bool = False  # worth sending to headquarters for review


@dataclass(frozen=True, slots=True)
class TrayMoving:
    at: float


@dataclass(frozen=True, slots=True)
class TraySettled:
    at: float
    outcome: TrayOutcome


@dataclass(frozen=True, slots=True)
class TrayEmptied:
    at: float


@dataclass(frozen=True, slots=True)
class ItemScanned:
    at: float
    sku: str


@dataclass(frozen=True, slots=True)
class ItemPicked:
    at: float
    sku: str


@dataclass(frozen=True, slots=True)
class QuantityChanged:
    at: float
    line_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class LineVoided:
    at: float
    line_id: int
    reason: str
    staff_id: str | None = None


@dataclass(frozen=True, slots=True)
class HelpRequested:
    at: float


@dataclass(frozen=True, slots=True)
class StaffResolved:
    at: float
    staff_id: str
    action: StaffAction
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PayRequested:
    at: float
    method: str


@dataclass(frozen=True, slots=True)
class PaymentApproved:
    at: float
    attempt_id: str
    amount: int
    reference: str


@dataclass(frozen=True, slots=True)
class PaymentDeclined:
    at: float
    attempt_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class PaymentCancelled:
    at: float


@dataclass(frozen=True, slots=True)
class ReceiptDone:
    at: float


@dataclass(frozen=True, slots=True)
class DeviceFault:
    at: float
    device: str
    detail: str


@dataclass(frozen=True, slots=True)
class DeviceRecovered:
    at: float
    device: str


@dataclass(frozen=True, slots=True)
class Tick:
    at: float


Event = (
    TrayMoving
    | TraySettled
    | TrayEmptied
    | ItemScanned
    | ItemPicked
    | QuantityChanged
    | LineVoided
    | HelpRequested
    | StaffResolved
    | PayRequested
    | PaymentApproved
    | PaymentDeclined
    | PaymentCancelled
    | ReceiptDone
    | DeviceFault
    | DeviceRecovered
    | Tick
)

# ---- effects ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    attempt_id: str
    method: str
    amount: int
    reference: str
    at: float


@dataclass(frozen=True, slots=True)
class CompletedSale:
    sale_id: str
    lines: tuple[BasketLine, ...]
    total: int
    payment: PaymentRecord
    started_at: float
    paid_at: float
    hard_case: bool


@dataclass(frozen=True, slots=True)
class StartPayment:
    attempt_id: str
    amount: int
    method: str


@dataclass(frozen=True, slots=True)
class CancelPayment:
    attempt_id: str


@dataclass(frozen=True, slots=True)
class QueryPayment:
    attempt_id: str


@dataclass(frozen=True, slots=True)
class RefundPayment:
    attempt_id: str
    amount: int
    reference: str
    why: str


@dataclass(frozen=True, slots=True)
class RecordSale:
    sale: CompletedSale


@dataclass(frozen=True, slots=True)
class RecordAbandoned:
    sale_id: str
    lines: tuple[BasketLine, ...]
    why: str


@dataclass(frozen=True, slots=True)
class PrintReceipt:
    sale_id: str


@dataclass(frozen=True, slots=True)
class CallStaff:
    reason: AssistReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FileHardCase:
    """Staff changed a tray the kiosk had simply confirmed (overrode it, voided one of
    its lines, cancelled the sale): the kiosk's view of that tray goes to headquarters'
    review as a hard case too. A confirmed basket a person had to fix is the case most
    worth reviewing: the camera and the scale agreed, and were wrong."""

    sale_id: str
    raised_by: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """The event changed nothing; `why` is for the log and, where useful, the screen."""

    event: str
    why: str


Effect = (
    StartPayment
    | CancelPayment
    | QueryPayment
    | RefundPayment
    | RecordSale
    | RecordAbandoned
    | PrintReceipt
    | CallStaff
    | FileHardCase
    | Rejected
)

# ---- state ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Policy:
    max_shopper_attempts: int = 2  # "ask the shopper" rounds before calling staff
    unattended_after_s: float = 300.0
    recent_payments_kept: int = 8


@dataclass(frozen=True, slots=True)
class PendingPayment:
    attempt_id: str
    amount: int
    method: str
    started_at: float


@dataclass(frozen=True, slots=True)
class Checkout:
    device_id: str = "kiosk"
    # Sale ids are `sale_prefix-sale_seq`, readable on a receipt. The prefix carries the
    # database's own id besides the device's, so a kiosk whose database was reset
    # never reuses a sale id that headquarters already holds for another sale.
    sale_prefix: str = ""
    phase: Phase = Phase.IDLE
    sale_seq: int = 0
    sale_id: str | None = None
    started_at: float | None = None
    last_activity: float = 0.0
    basket: Basket = field(default_factory=Basket)
    problem: str = ""  # the open "ask the shopper" request, shown on screen
    shopper_attempts: int = 0
    assist_reason: AssistReason | None = None
    payment: PendingPayment | None = None
    payment_attempts: int = 0
    paid: CompletedSale | None = None
    receipt_done: bool = False
    tray_empty: bool = True
    faults: tuple[tuple[str, str], ...] = ()  # (device, detail)
    resume_phase: Phase | None = None  # where to go back after OutOfService
    hard_case: bool = False
    recent_payments: tuple[str, ...] = ()  # attempt ids already recorded as sales
    # The latest tray decision was a plain confirmation, so no hard case holds it yet:
    # a staff change to it files one (FileHardCase).
    tray_unfiled: bool = False

    @property
    def total(self) -> int:
        return self.basket.total

    @property
    def can_pay(self) -> bool:
        return (
            self.phase is Phase.REVIEW
            and not self.basket.empty
            and self.basket.total > 0
            and not self.problem
            and not self.basket.needs_age_check
        )


@dataclass(frozen=True, slots=True)
class Transition:
    checkout: Checkout
    effects: tuple[Effect, ...] = ()


def _reject(c: Checkout, event: Event, why: str) -> Transition:
    return Transition(c, (Rejected(type(event).__name__, why),))


def _new_session(c: Checkout, at: float) -> Checkout:
    seq = c.sale_seq + 1
    return replace(
        c,
        sale_seq=seq,
        sale_id=f"{c.sale_prefix or c.device_id}-{seq:08d}",
        started_at=at,
        basket=Basket(),
        problem="",
        shopper_attempts=0,
        assist_reason=None,
        payment=None,
        payment_attempts=0,
        paid=None,
        receipt_done=False,
        hard_case=False,
        tray_unfiled=False,
    )


def _to_idle(c: Checkout, at: float) -> Checkout:
    return replace(
        c,
        phase=Phase.IDLE,
        sale_id=None,
        started_at=None,
        last_activity=at,
        basket=Basket(),
        problem="",
        shopper_attempts=0,
        assist_reason=None,
        payment=None,
        payment_attempts=0,
        paid=None,
        receipt_done=False,
        hard_case=False,
        tray_unfiled=False,
    )


def _abandon(c: Checkout, at: float, why: str) -> Transition:
    effects: tuple[Effect, ...] = ()
    if c.sale_id is not None and c.basket.lines:
        effects = (RecordAbandoned(c.sale_id, c.basket.lines, why),)
    return Transition(replace(_to_idle(c, at), tray_empty=c.tray_empty), effects)


def _assist(c: Checkout, reason: AssistReason, detail: str, at: float) -> Transition:
    nc = replace(c, phase=Phase.ASSIST, assist_reason=reason, last_activity=at)
    return Transition(nc, (CallStaff(reason, detail),))


def _after_basket_change(c: Checkout, at: float) -> Transition:
    """Where a session stands once its basket changed outside payment."""
    if c.basket.needs_age_check:
        return _assist(c, AssistReason.AGE_CHECK, "age-restricted item", at)
    return Transition(replace(c, phase=Phase.REVIEW, assist_reason=None, last_activity=at))


def _staff_case(c: Checkout, why: str) -> tuple[Checkout, tuple[Effect, ...]]:
    """File the latest tray decision as a hard case when staff change a tray the kiosk
    had simply confirmed (once per decision: a second change is the same case)."""
    if not c.tray_unfiled or c.sale_id is None:
        return c, ()
    return replace(c, tray_unfiled=False, hard_case=True), (FileHardCase(c.sale_id, why),)


def _cancel_payment(c: Checkout) -> tuple[Checkout, tuple[Effect, ...]]:
    if c.payment is None:
        return c, ()
    return replace(c, payment=None), (CancelPayment(c.payment.attempt_id),)


class Checkouts:
    """The transition function, bound to a catalog and a policy."""

    def __init__(self, catalog: Catalog, policy: Policy | None = None) -> None:
        self.catalog = catalog
        self.policy = policy or Policy()

    # The catalog can change between sales (a price update); never during one.
    def with_catalog(self, catalog: Catalog) -> Checkouts:
        return Checkouts(catalog, self.policy)

    def step(self, c: Checkout, event: Event) -> Transition:
        handler = getattr(self, "_on_" + type(event).__name__, None)
        if handler is None:  # pragma: no cover - every Event type has a handler
            return _reject(c, event, "unknown event")
        if (
            c.payment is not None
            and c.phase is not Phase.PAYING
            and isinstance(event, _BASKET_EVENTS)
        ):
            # After a restart mid-payment the basket is frozen until the terminal says
            # what it charged: the sale must be exactly what was paid for.
            return _reject(c, event, "waiting for the payment terminal's answer")
        if c.phase is Phase.OUT_OF_SERVICE and not isinstance(
            event,
            DeviceFault | DeviceRecovered | PaymentApproved | TrayEmptied | StaffResolved,
        ):
            return _reject(c, event, "out of service: " + _fault_text(c))
        return handler(c, event)

    # ---- the tray ----

    def _on_TrayMoving(self, c: Checkout, e: TrayMoving) -> Transition:
        c = replace(c, tray_empty=False)
        if c.phase is Phase.IDLE:
            return Transition(
                replace(_new_session(c, e.at), phase=Phase.PLACING, last_activity=e.at)
            )
        if c.phase is Phase.REVIEW:
            return Transition(replace(c, phase=Phase.PLACING, problem="", last_activity=e.at))
        if c.phase is Phase.PAYING:
            # Something changed on the tray mid-payment: the amount may be wrong now.
            c, effects = _cancel_payment(c)
            return Transition(replace(c, phase=Phase.PLACING, last_activity=e.at), effects)
        # Placing: still moving. Assist: staff are on it. Receipt: shopper packing up.
        return Transition(replace(c, last_activity=e.at))

    def _on_TraySettled(self, c: Checkout, e: TraySettled) -> Transition:
        o = e.outcome
        c = replace(c, tray_empty=not o.counts and not o.weighed)
        if c.phase in (Phase.RECEIPT, Phase.PAYING):
            # Receipt: items being packed. Paying: a settle without a prior move
            # means nothing changed; a change always arrives as TrayMoving first.
            return Transition(c)
        if c.phase is Phase.IDLE:
            if c.tray_empty:
                return Transition(c)
            c = _new_session(c, e.at)
        try:
            products = {sku: self.catalog.get(sku) for sku in o.counts}
            weighed = [(self.catalog.get(sku), grams) for sku, grams in o.weighed]
            basket = c.basket.with_tray(dict(o.counts), weighed, products)
        except (KeyError, BasketError) as err:
            return _assist(c, AssistReason.WEIGHT_MISMATCH, f"bad tray outcome: {err}", e.at)
        c = replace(
            c,
            basket=basket,
            hard_case=c.hard_case or o.hard_case,
            tray_unfiled=not o.hard_case and not c.tray_empty,
            last_activity=e.at,
        )
        if c.phase is Phase.ASSIST:
            return Transition(c)  # staff decide; they see the new basket
        if o.verdict in (Verdict.CONFIRMED, Verdict.CORRECTED):
            c = replace(c, problem="", shopper_attempts=0)
            if c.basket.empty and c.tray_empty:
                return _abandon(c, e.at, "tray cleared before payment")
            return _after_basket_change(c, e.at)
        if o.verdict is Verdict.ASK:
            attempts = c.shopper_attempts + 1
            c = replace(c, problem=o.message or "please check the items", shopper_attempts=attempts)
            if attempts > self.policy.max_shopper_attempts:
                return _assist(c, AssistReason.UNRESOLVED, o.message, e.at)
            return Transition(replace(c, phase=Phase.REVIEW))
        return _assist(c, AssistReason.WEIGHT_MISMATCH, o.message, e.at)

    def _on_TrayEmptied(self, c: Checkout, e: TrayEmptied) -> Transition:
        c = replace(c, tray_empty=True)
        if c.phase is Phase.RECEIPT:
            if c.receipt_done:
                return Transition(_to_idle(c, e.at))
            return Transition(c)
        if c.phase in (Phase.PLACING, Phase.REVIEW):
            if c.basket.counts((LineSource.BARCODE, LineSource.MANUAL)):
                # Scanned items are still the shopper's; the tray being empty
                # means they are in a hand or a bag. Review, not abandon.
                c = replace(c, basket=c.basket.with_tray({}, (), {}))
                return Transition(replace(c, phase=Phase.REVIEW, last_activity=e.at))
            return _abandon(c, e.at, "tray cleared before payment")
        if c.phase is Phase.PAYING:
            c, effects = _cancel_payment(c)
            return Transition(replace(c, phase=Phase.PLACING, last_activity=e.at), effects)
        return Transition(c)

    # ---- shopper input ----

    def _add(self, c: Checkout, e: ItemScanned | ItemPicked, source: LineSource) -> Transition:
        if c.phase in (Phase.RECEIPT,):
            return _reject(c, e, "the sale is finished; start a new one after the tray is empty")
        if e.sku not in self.catalog:
            return _reject(c, e, f"unknown SKU {e.sku!r}")
        product: Product = self.catalog.get(e.sku)
        if product.sold_by_weight:
            return _reject(c, e, f"{product.name_en} is sold by weight: put it on the tray")
        effects: tuple[Effect, ...] = ()
        if c.phase is Phase.IDLE:
            c = _new_session(c, e.at)
        if c.phase is Phase.PAYING:
            c, effects = _cancel_payment(c)
        c = replace(c, basket=c.basket.add_item(product, source), last_activity=e.at)
        if c.phase is Phase.ASSIST:
            return Transition(c, effects)
        t = _after_basket_change(c, e.at)
        return Transition(t.checkout, effects + t.effects)

    def _on_ItemScanned(self, c: Checkout, e: ItemScanned) -> Transition:
        return self._add(c, e, LineSource.BARCODE)

    def _on_ItemPicked(self, c: Checkout, e: ItemPicked) -> Transition:
        return self._add(c, e, LineSource.MANUAL)

    def _edit(self, c: Checkout, e: QuantityChanged | LineVoided) -> Transition:
        if c.phase not in (Phase.PLACING, Phase.REVIEW, Phase.ASSIST):
            return _reject(c, e, f"the basket cannot change while {c.phase.value}")
        try:
            if isinstance(e, QuantityChanged):
                basket = c.basket.set_quantity(e.line_id, e.quantity)
            else:
                basket = c.basket.void(e.line_id, e.reason)
        except BasketError as err:
            return _reject(c, e, str(err))
        effects: tuple[Effect, ...] = ()
        if isinstance(e, LineVoided) and e.staff_id:
            line = next(ln for ln in c.basket.lines if ln.line_id == e.line_id)  # voided above
            if line.source in TRAY_SOURCES:
                why = f"staff {e.staff_id} voided {line.sku}: {e.reason}".rstrip(": ")
                c, effects = _staff_case(c, why)
        c = replace(c, basket=basket, last_activity=e.at)
        if c.phase is Phase.REVIEW:
            t = _after_basket_change(c, e.at)
            return Transition(t.checkout, effects + t.effects)
        return Transition(c, effects)

    def _on_QuantityChanged(self, c: Checkout, e: QuantityChanged) -> Transition:
        return self._edit(c, e)

    def _on_LineVoided(self, c: Checkout, e: LineVoided) -> Transition:
        return self._edit(c, e)

    def _on_HelpRequested(self, c: Checkout, e: HelpRequested) -> Transition:
        if c.phase in (Phase.ASSIST, Phase.RECEIPT):
            return Transition(c, (CallStaff(c.assist_reason or AssistReason.HELP_REQUESTED),))
        effects: tuple[Effect, ...] = ()
        if c.phase is Phase.IDLE:
            c = _new_session(c, e.at)
        if c.phase is Phase.PAYING:
            c, effects = _cancel_payment(c)
        t = _assist(c, AssistReason.HELP_REQUESTED, "", e.at)
        return Transition(t.checkout, effects + t.effects)

    # ---- staff ----

    def _on_StaffResolved(self, c: Checkout, e: StaffResolved) -> Transition:
        if c.phase is Phase.OUT_OF_SERVICE:
            return _reject(c, e, "fix the device first: " + _fault_text(c))
        if c.phase in (Phase.IDLE, Phase.RECEIPT):
            return _reject(c, e, f"nothing to resolve while {c.phase.value}")
        if c.phase is Phase.PAYING:
            return _reject(c, e, "a payment is in progress; cancel it first")
        if c.payment is not None:  # Assist after a restart with a payment in flight
            return _reject(c, e, "the payment's outcome is not known yet")
        if e.action is StaffAction.CANCEL_SALE:
            why = f"staff {e.staff_id} cancelled the sale: {e.reason}".rstrip(": ")
            c, filed = _staff_case(c, why)
            t = _abandon(c, e.at, f"cancelled by staff {e.staff_id}: {e.reason}".strip(": "))
            return Transition(t.checkout, filed + t.effects)
        c, filed = replace(c, last_activity=e.at), ()
        if e.action is StaffAction.APPROVE_AGE:
            c = replace(c, basket=c.basket.approve_age(e.staff_id))
        elif e.action is StaffAction.OVERRIDE:
            if not e.reason.strip():
                return _reject(c, e, "an override needs a reason")
            c, filed = _staff_case(c, f"staff {e.staff_id} overrode: {e.reason.strip()}")
            c = replace(c, problem="", shopper_attempts=0, hard_case=True)
        if c.basket.needs_age_check:
            c = replace(c, phase=Phase.ASSIST, assist_reason=AssistReason.AGE_CHECK)
            return Transition(c, filed)
        return Transition(replace(c, phase=Phase.REVIEW, assist_reason=None), filed)

    # ---- payment ----

    def _on_PayRequested(self, c: Checkout, e: PayRequested) -> Transition:
        if c.phase is not Phase.REVIEW:
            return _reject(c, e, f"cannot pay while {c.phase.value}")
        if not c.can_pay:
            why = (
                c.problem
                or ("staff must check the shopper's age" if c.basket.needs_age_check else "")
                or "the basket is empty"
            )
            return _reject(c, e, why)
        n = c.payment_attempts + 1
        attempt = PendingPayment(f"{c.sale_id}-p{n}", c.basket.total, e.method, e.at)
        nc = replace(c, phase=Phase.PAYING, payment=attempt, payment_attempts=n, last_activity=e.at)
        return Transition(nc, (StartPayment(attempt.attempt_id, attempt.amount, e.method),))

    def _on_PaymentApproved(self, c: Checkout, e: PaymentApproved) -> Transition:
        if e.attempt_id in c.recent_payments:
            return _reject(c, e, "repeated notice of a payment already recorded")
        pending = c.payment
        if pending is None or pending.attempt_id != e.attempt_id:
            refund = RefundPayment(
                e.attempt_id, e.amount, e.reference, "approval for no open payment"
            )
            return Transition(c, (refund,))
        if e.amount != pending.amount or c.basket.total != pending.amount:
            refund = RefundPayment(e.attempt_id, e.amount, e.reference, "approved amount differs")
            c = replace(c, payment=None)
            t = _assist(
                c, AssistReason.PAYMENT_PROBLEM, f"charged {e.amount}, due {pending.amount}", e.at
            )
            return Transition(t.checkout, (refund, *t.effects))
        assert c.sale_id is not None and c.started_at is not None
        sale = CompletedSale(
            sale_id=c.sale_id,
            lines=c.basket.lines,
            total=c.basket.total,
            payment=PaymentRecord(e.attempt_id, pending.method, e.amount, e.reference, e.at),
            started_at=c.started_at,
            paid_at=e.at,
            hard_case=c.hard_case,
        )
        recent = (*c.recent_payments, e.attempt_id)[-self.policy.recent_payments_kept :]
        # A fault that arrived mid-payment is honoured once the shopper is served.
        nc = replace(
            c,
            phase=Phase.RECEIPT,
            payment=None,
            paid=sale,
            receipt_done=False,
            assist_reason=None,
            recent_payments=recent,
            last_activity=e.at,
        )
        return Transition(nc, (RecordSale(sale), PrintReceipt(sale.sale_id)))

    def _on_PaymentDeclined(self, c: Checkout, e: PaymentDeclined) -> Transition:
        if c.payment is None or c.payment.attempt_id != e.attempt_id:
            return _reject(c, e, "decline for no open payment")
        c = replace(c, payment=None, problem="", last_activity=e.at)
        return Transition(replace(c, phase=Phase.REVIEW, assist_reason=None))

    def _on_PaymentCancelled(self, c: Checkout, e: PaymentCancelled) -> Transition:
        if c.phase is not Phase.PAYING:
            return _reject(c, e, "no payment to cancel")
        c, effects = _cancel_payment(c)
        return Transition(replace(c, phase=Phase.REVIEW, last_activity=e.at), effects)

    def _on_ReceiptDone(self, c: Checkout, e: ReceiptDone) -> Transition:
        if c.phase is not Phase.RECEIPT:
            return _reject(c, e, "no receipt being shown")
        if c.tray_empty:
            return Transition(_to_idle(c, e.at))
        return Transition(replace(c, receipt_done=True, last_activity=e.at))

    # ---- devices and time ----

    def _on_DeviceFault(self, c: Checkout, e: DeviceFault) -> Transition:
        faults = (*tuple(f for f in c.faults if f[0] != e.device), (e.device, e.detail))
        c = replace(c, faults=faults)
        if c.phase in (Phase.PAYING, Phase.RECEIPT, Phase.OUT_OF_SERVICE):
            # Never interrupt a shopper who is paying; the fault is honoured later.
            return Transition(c)
        if c.phase is Phase.ASSIST and c.payment is not None:
            return Transition(c)
        nc = replace(c, phase=Phase.OUT_OF_SERVICE, resume_phase=c.phase, last_activity=e.at)
        return Transition(nc)

    def _on_DeviceRecovered(self, c: Checkout, e: DeviceRecovered) -> Transition:
        faults = tuple(f for f in c.faults if f[0] != e.device)
        c = replace(c, faults=faults)
        if c.phase is not Phase.OUT_OF_SERVICE or faults:
            return Transition(c)
        back = c.resume_phase or Phase.IDLE
        if back in (Phase.REVIEW, Phase.PLACING):
            back = Phase.PLACING  # the tray may have changed while we were blind
        return Transition(replace(c, phase=back, resume_phase=None, last_activity=e.at))

    def _on_Tick(self, c: Checkout, e: Tick) -> Transition:
        if c.phase is Phase.RECEIPT and c.receipt_done and c.faults:
            return Transition(replace(c, phase=Phase.OUT_OF_SERVICE, resume_phase=Phase.IDLE))
        idle_for = e.at - c.last_activity
        if c.phase in (Phase.REVIEW, Phase.PLACING) and idle_for >= self.policy.unattended_after_s:
            if c.tray_empty and not c.basket.counts((LineSource.BARCODE, LineSource.MANUAL)):
                return _abandon(c, e.at, "left unattended")
            return _assist(c, AssistReason.UNATTENDED, f"no activity for {idle_for:.0f} s", e.at)
        return Transition(c)


_BASKET_EVENTS = (TraySettled, ItemScanned, ItemPicked, QuantityChanged, LineVoided)


def _fault_text(c: Checkout) -> str:
    return "; ".join(f"{device}: {detail}" for device, detail in c.faults) or "device fault"


def recover(c: Checkout, at: float) -> Transition:
    """The checkout as it was persisted before a restart, made safe to continue.

    A payment in flight is not assumed failed or approved: we ask the provider
    and staff are called, so the shopper is neither charged twice nor let go
    unpaid. A recorded sale stays on its receipt screen. Device faults are
    forgotten: the devices report afresh after a restart.
    """
    c = replace(c, faults=(), last_activity=at)
    phase = c.resume_phase if c.phase is Phase.OUT_OF_SERVICE else c.phase
    c = replace(c, resume_phase=None)
    if c.payment is not None:
        nc = replace(c, phase=Phase.ASSIST, assist_reason=AssistReason.PAYMENT_UNCERTAIN)
        return Transition(
            nc,
            (
                QueryPayment(c.payment.attempt_id),
                CallStaff(AssistReason.PAYMENT_UNCERTAIN, "restarted during a payment"),
            ),
        )
    if phase is None or phase is Phase.IDLE:
        return Transition(_to_idle(c, at))
    if phase in (Phase.PLACING, Phase.REVIEW):
        return Transition(replace(c, phase=Phase.PLACING, problem=""))
    if phase is Phase.PAYING:  # paying without a pending payment cannot be persisted
        return Transition(replace(c, phase=Phase.PLACING))
    return Transition(replace(c, phase=phase))
