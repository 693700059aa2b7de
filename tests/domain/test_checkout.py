"""The checkout flow as shoppers and staff live it."""

from decimal import Decimal

import pytest

from kiosk.domain.checkout import (
    AssistReason,
    CallStaff,
    CancelPayment,
    Checkout,
    Checkouts,
    DeviceFault,
    DeviceRecovered,
    FileHardCase,
    HelpRequested,
    ItemScanned,
    LineVoided,
    PaymentApproved,
    PaymentCancelled,
    PaymentDeclined,
    PayRequested,
    Phase,
    PrintReceipt,
    QueryPayment,
    ReceiptDone,
    RecordAbandoned,
    RecordSale,
    RefundPayment,
    Rejected,
    StaffAction,
    StaffResolved,
    StartPayment,
    Tick,
    TrayEmptied,
    TrayMoving,
    TrayOutcome,
    TraySettled,
    Verdict,
    recover,
)


@pytest.fixture()
def m(catalog):
    return Checkouts(catalog)


def run(m, c, *events):
    effects = []
    for e in events:
        t = m.step(c, e)
        c = t.checkout
        effects += t.effects
    return c, effects


def settled(counts, verdict=Verdict.CONFIRMED, weighed=(), message=""):
    return TraySettled(10, TrayOutcome(verdict, counts, weighed, message))


def test_plain_checkout_from_idle_to_receipt_and_back(m):
    c, fx = run(m, Checkout(device_id="k"), TrayMoving(1), settled({"cola-zero-330": 2}))
    assert c.phase is Phase.REVIEW and c.total == 700 and c.sale_id == "k-00000001"
    c, fx = run(m, c, PayRequested(2, "qr"))
    assert fx == [StartPayment("k-00000001-p1", 700, "qr")] and c.phase is Phase.PAYING
    c, fx = run(m, c, PaymentApproved(3, "k-00000001-p1", 700, "R1"))
    assert c.phase is Phase.RECEIPT
    assert isinstance(fx[0], RecordSale) and fx[0].sale.total == 700
    assert fx[1] == PrintReceipt("k-00000001")
    c, fx = run(m, c, ReceiptDone(4))
    assert c.phase is Phase.RECEIPT  # items still on the tray: wait for them to go
    c, fx = run(m, c, TrayEmptied(5))
    assert c.phase is Phase.IDLE and c.basket.empty
    c, _ = run(m, c, TrayMoving(6))
    assert c.sale_id == "k-00000002"


def test_moving_items_during_payment_cancels_it_and_a_late_approval_is_refunded(m):
    c, _ = run(m, Checkout(), TrayMoving(1), settled({"cola-zero-330": 1}), PayRequested(2, "qr"))
    attempt = c.payment.attempt_id
    c, fx = run(m, c, TrayMoving(3))
    assert c.phase is Phase.PLACING and fx == [CancelPayment(attempt)]
    c, fx = run(m, c, PaymentApproved(4, attempt, 350, "LATE"))
    assert fx == [RefundPayment(attempt, 350, "LATE", "approval for no open payment")]
    assert c.phase is Phase.PLACING


def test_a_repeated_approval_is_not_charged_or_recorded_twice(m):
    c, _ = run(m, Checkout(), TrayMoving(1), settled({"cola-zero-330": 1}), PayRequested(2, "qr"))
    ok = PaymentApproved(3, c.payment.attempt_id, 350, "R")
    c, fx1 = run(m, c, ok)
    c, fx2 = run(m, c, ok)
    assert sum(isinstance(e, RecordSale) for e in fx1 + fx2) == 1
    assert not any(isinstance(e, RefundPayment) for e in fx2)


def test_wrong_amount_is_refunded_and_staff_called(m):
    c, _ = run(m, Checkout(), TrayMoving(1), settled({"cola-zero-330": 1}), PayRequested(2, "qr"))
    c, fx = run(m, c, PaymentApproved(3, c.payment.attempt_id, 1, "R"))
    assert isinstance(fx[0], RefundPayment) and c.phase is Phase.ASSIST
    assert c.assist_reason is AssistReason.PAYMENT_PROBLEM


def test_declined_payment_returns_to_review(m):
    c, _ = run(m, Checkout(), TrayMoving(1), settled({"cola-zero-330": 1}), PayRequested(2, "qr"))
    c, _ = run(m, c, PaymentDeclined(3, c.payment.attempt_id, "insufficient funds"))
    assert c.phase is Phase.REVIEW and c.payment is None
    c, fx = run(m, c, PayRequested(4, "card"))
    assert fx[0].attempt_id.endswith("-p2")


def test_age_restricted_items_need_staff_before_payment(m):
    c, fx = run(m, Checkout(), TrayMoving(1), settled({"beer-seabreeze-330": 1}))
    assert c.phase is Phase.ASSIST and c.assist_reason is AssistReason.AGE_CHECK
    assert CallStaff(AssistReason.AGE_CHECK, "age-restricted item") in fx
    c, fx = run(m, c, StaffResolved(2, "S1", StaffAction.APPROVE_AGE))
    assert c.phase is Phase.REVIEW and c.basket.active_lines[0].approved_by == "S1"
    assert c.can_pay


def test_ask_the_shopper_then_staff_after_repeated_failures(m):
    ask = settled({"cola-zero-330": 1}, Verdict.ASK, message="Cola Zero or Classic?")
    c, _ = run(m, Checkout(), TrayMoving(1), ask)
    assert c.phase is Phase.REVIEW and c.problem == "Cola Zero or Classic?" and not c.can_pay
    c, fx = run(m, c, PayRequested(2, "qr"))
    assert fx == [Rejected("PayRequested", "Cola Zero or Classic?")]
    c, _ = run(m, c, TrayMoving(3), ask)
    assert c.phase is Phase.REVIEW
    c, fx = run(m, c, TrayMoving(4), ask)
    assert c.phase is Phase.ASSIST and c.assist_reason is AssistReason.UNRESOLVED
    c, _ = run(m, c, StaffResolved(5, "S1", StaffAction.OVERRIDE))
    assert c.phase is Phase.ASSIST  # an override without a reason is refused
    c, _ = run(m, c, StaffResolved(5, "S1", StaffAction.OVERRIDE, "checked by hand"))
    assert c.phase is Phase.REVIEW and c.can_pay and c.hard_case


def test_clearing_the_tray_abandons_the_basket(m):
    c, fx = run(m, Checkout(), TrayMoving(1), settled({"cola-zero-330": 1}), TrayEmptied(2))
    assert c.phase is Phase.IDLE
    assert [type(e) for e in fx] == [RecordAbandoned]


def test_scanned_items_survive_an_empty_tray(m, catalog):
    c, _ = run(m, Checkout(), ItemScanned(1, "cola-zero-330"), TrayEmptied(2))
    assert c.phase is Phase.REVIEW and c.total == catalog.get("cola-zero-330").price


def test_unknown_or_weighed_items_cannot_be_scanned(m):
    c, fx = run(m, Checkout(), ItemScanned(1, "nope"))
    assert c.phase is Phase.IDLE and "unknown SKU" in fx[0].why
    c, fx = run(m, c, ItemScanned(1, "apple-fuji"))
    assert "sold by weight" in fx[0].why


def test_produce_is_priced_by_weight(m):
    c, _ = run(m, Checkout(), TrayMoving(1), settled({}, weighed=(("banana", Decimal("1234")),)))
    assert c.total == 851  # 1.234 kg x 6.90 = 8.5146


def test_a_device_fault_stops_the_kiosk_and_recovery_resumes(m):
    c, _ = run(m, Checkout(), TrayMoving(1), settled({"cola-zero-330": 1}))
    c, _ = run(m, c, DeviceFault(2, "scale", "unplugged"), DeviceFault(2, "camera", "black"))
    assert c.phase is Phase.OUT_OF_SERVICE
    c, fx = run(m, c, PayRequested(3, "qr"))
    assert "scale: unplugged" in fx[0].why
    c, _ = run(m, c, DeviceRecovered(4, "scale"))
    assert c.phase is Phase.OUT_OF_SERVICE  # the camera is still out
    c, _ = run(m, c, DeviceRecovered(5, "camera"))
    assert c.phase is Phase.PLACING and c.total == 350  # re-check the tray, basket kept


def test_a_fault_never_interrupts_a_payment(m):
    c, _ = run(m, Checkout(), TrayMoving(1), settled({"cola-zero-330": 1}), PayRequested(2, "qr"))
    c, _ = run(m, c, DeviceFault(3, "camera", "frozen"))
    assert c.phase is Phase.PAYING
    c, fx = run(m, c, PaymentApproved(4, c.payment.attempt_id, 350, "R"))
    assert c.phase is Phase.RECEIPT and any(isinstance(e, RecordSale) for e in fx)


def test_restart_during_payment_asks_the_provider_and_records_once(m):
    c, _ = run(m, Checkout(), TrayMoving(1), settled({"cola-zero-330": 1}), PayRequested(2, "qr"))
    attempt = c.payment.attempt_id
    t = recover(c, 100)
    assert t.checkout.phase is Phase.ASSIST
    assert t.checkout.assist_reason is AssistReason.PAYMENT_UNCERTAIN
    assert QueryPayment(attempt) in t.effects
    c, fx = run(m, t.checkout, StaffResolved(101, "S1", StaffAction.CANCEL_SALE))
    assert fx[0].why == "the payment's outcome is not known yet"
    c, fx = run(m, c, PaymentApproved(102, attempt, 350, "R"))
    assert c.phase is Phase.RECEIPT and sum(isinstance(e, RecordSale) for e in fx) == 1


def test_restart_resumes_a_basket_and_keeps_a_paid_receipt(m):
    c, _ = run(m, Checkout(), TrayMoving(1), settled({"cola-zero-330": 2}))
    assert recover(c, 50).checkout.phase is Phase.PLACING
    assert recover(c, 50).checkout.total == 700
    c, _ = run(m, c, PayRequested(2, "qr"))
    c, _ = run(m, c, PaymentApproved(3, c.payment.attempt_id, 700, "R"))
    t = recover(c, 60)
    assert t.checkout.phase is Phase.RECEIPT and t.checkout.paid is not None
    assert not any(isinstance(e, RecordSale) for e in t.effects)


def test_unattended_baskets_call_staff(m):
    c, _ = run(m, Checkout(), TrayMoving(1), settled({"cola-zero-330": 1}))
    c, _ = run(m, c, Tick(100))
    assert c.phase is Phase.REVIEW
    c, _ = run(m, c, Tick(10 + 301))
    assert c.phase is Phase.ASSIST and c.assist_reason is AssistReason.UNATTENDED


def test_help_button_cancels_a_payment_and_calls_staff(m):
    c, _ = run(m, Checkout(), TrayMoving(1), settled({"cola-zero-330": 1}), PayRequested(2, "qr"))
    c, fx = run(m, c, HelpRequested(3))
    assert c.phase is Phase.ASSIST and isinstance(fx[0], CancelPayment)
    c, _ = run(m, c, PaymentCancelled(4))
    assert c.phase is Phase.ASSIST


def test_staff_changing_a_confirmed_tray_files_it_as_a_hard_case(m):
    """The camera and the scale agreed, and a person had to fix the basket: the case
    most worth reviewing. Filed once per tray decision, with who did what."""
    c, _ = run(m, Checkout(device_id="k"), TrayMoving(1), settled({"cola-zero-330": 2}))
    assert not c.hard_case
    c, _ = run(m, c, HelpRequested(2))
    line = c.basket.lines[0].line_id
    c, fx = run(m, c, LineVoided(3, line, "shopper had one", staff_id="S1"))
    assert fx == [FileHardCase("k-00000001", "staff S1 voided cola-zero-330: shopper had one")]
    assert c.hard_case
    c, fx = run(m, c, StaffResolved(4, "S1", StaffAction.OVERRIDE, "checked by hand"))
    assert not any(isinstance(e, FileHardCase) for e in fx)  # the same tray: on file

    # a new tray decision; staff cancel the sale: filed under the sale being cancelled
    c, _ = run(m, c, TrayMoving(5), settled({"cola-zero-330": 1}), HelpRequested(6))
    c, fx = run(m, c, StaffResolved(7, "S1", StaffAction.CANCEL_SALE, "left"))
    assert fx[0] == FileHardCase("k-00000001", "staff S1 cancelled the sale: left")
    assert isinstance(fx[1], RecordAbandoned) and c.phase is Phase.IDLE


def test_a_tray_already_a_hard_case_or_a_routine_age_check_files_nothing_more(m):
    ask = settled({"cola-zero-330": 1}, Verdict.ASK, message="Cola Zero or Classic?")
    c, _ = run(m, Checkout(), TrayMoving(1), replace_outcome(ask, hard_case=True))
    c, _ = run(m, c, HelpRequested(2))
    c, fx = run(m, c, StaffResolved(3, "S1", StaffAction.OVERRIDE, "checked by hand"))
    assert not any(isinstance(e, FileHardCase) for e in fx)  # the decision filed it

    c, _ = run(m, Checkout(), TrayMoving(1), settled({"beer-seabreeze-330": 1}))
    assert c.phase is Phase.ASSIST  # age check
    c, fx = run(m, c, StaffResolved(2, "S1", StaffAction.APPROVE_AGE))
    assert fx == [] and not c.hard_case
    # a scanned line voided by staff says nothing about the camera
    c, _ = run(m, Checkout(), ItemScanned(1, "cola-zero-330"), HelpRequested(2))
    c, fx = run(m, c, LineVoided(3, c.basket.lines[0].line_id, "dup", staff_id="S1"))
    assert fx == []


def replace_outcome(e, **changes):
    from dataclasses import replace

    return TraySettled(e.at, replace(e.outcome, **changes))
