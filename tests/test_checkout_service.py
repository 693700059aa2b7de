"""The checkout service against the real store and the simulated payment terminal."""

import threading

import pytest

from kiosk.checkout_service import CheckoutService
from kiosk.config import SimulatedPaymentConfig
from kiosk.domain.checkout import (
    Checkouts,
    PayRequested,
    Phase,
    TrayMoving,
    TrayOutcome,
    TraySettled,
    Verdict,
)
from kiosk.payment.simulated import SimulatedPayments
from kiosk.store import SalesStore


def wait_for(predicate, timeout=5.0):
    done = threading.Event()
    deadline = threading.Timer(timeout, done.set)
    deadline.start()
    try:
        while not done.is_set():
            if predicate():
                return True
            done.wait(0.01)
        return predicate()
    finally:
        deadline.cancel()


@pytest.fixture()
def world(tmp_path, catalog):
    stores, terminals = [], []

    def boot(approve_after_s=0.0, terminal=None):
        store = SalesStore(tmp_path / "k.sqlite").start()
        terminal = terminal or SimulatedPayments(
            SimulatedPaymentConfig(approve_after_s=approve_after_s)
        )
        printed = []
        service = CheckoutService(
            Checkouts(catalog), store, terminal, device_id="k1", print_receipt=printed.append
        )
        service.start()
        stores.append(store)
        terminals.append(terminal)
        return service, store, terminal, printed

    yield boot
    for t in terminals:
        t.close()
    for s in stores:
        s.close()


def shop(service):
    service.handle(TrayMoving(1))
    service.handle(TraySettled(2, TrayOutcome(Verdict.CONFIRMED, {"cola-zero-330": 2})))
    service.handle(PayRequested(3, "qr"))


def test_a_paid_sale_is_committed_before_its_receipt_prints(world):
    service, store, _, _ = world()
    committed_when_printed = []
    service._print_receipt = lambda sale: committed_when_printed.append(
        store.sale(sale.sale_id) is not None
    )
    shop(service)
    # The payment result arrives on the terminal's thread, which makes the sale
    # durable, publishes the RECEIPT phase and only then prints: wait for the print
    # itself, or the check can run in between and find nothing printed yet.
    assert wait_for(lambda: committed_when_printed)
    assert committed_when_printed == [True]
    assert service.checkout.phase is Phase.RECEIPT
    sale_id = f"k1-{store.instance_id}-00000001"
    assert store.sale(sale_id)["total"] == 700


def test_power_cut_during_payment_then_restart_records_the_sale_once(world):
    service, store, terminal, _ = world(approve_after_s=0.3)
    shop(service)
    assert service.checkout.phase is Phase.PAYING
    sale_id = service.checkout.sale_id
    # The kiosk dies here; the terminal keeps going and charges the customer.
    store.close()
    assert wait_for(lambda: terminal.ledger[f"{sale_id}-p1"].state == "approved")
    service2, store2, _, printed = world(terminal=terminal)
    # the print comes after the RECEIPT phase on the terminal's thread: wait for it
    assert wait_for(lambda: printed)
    assert service2.checkout.phase is Phase.RECEIPT
    assert [s.sale_id for s in printed] == [sale_id]
    assert store2.query("SELECT COUNT(*) AS n FROM payments")[0]["n"] == 1
    assert terminal.refunds == []


def test_sale_numbers_continue_after_a_restart(world):
    service, store, terminal, _ = world()
    shop(service)
    assert wait_for(lambda: service.checkout.phase is Phase.RECEIPT)
    store.close()
    service2, _, _, _ = world(terminal=terminal)
    assert service2.checkout.sale_seq == 1 and service2.checkout.phase is Phase.RECEIPT


def test_a_reset_database_never_reuses_a_sale_id(world, tmp_path):
    service, store, terminal, _ = world()
    shop(service)
    assert wait_for(lambda: service.checkout.phase is Phase.RECEIPT)
    first, instance = service.checkout.paid.sale_id, store.instance_id
    assert first.startswith(f"k1-{instance}-")
    store.close()
    # The database is moved aside (corrupt, say) and the kiosk starts afresh.
    (tmp_path / "k.sqlite").rename(tmp_path / "k.sqlite.broken")
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"k.sqlite{suffix}").unlink(missing_ok=True)
    service2, store2, _, _ = world(terminal=terminal)
    shop(service2)
    assert service2.checkout.sale_seq == 1  # numbering starts again...
    assert service2.checkout.sale_id != first  # ...but the id is new
    assert store2.instance_id != instance
