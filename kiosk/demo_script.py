"""The scripted shoppers of the headless demo, run through the real domain and store.

Each story is a list of events as the devices and the screen would send them; the
checkout service makes them durable exactly as in the product. Until the touch UI
lands this is what `kiosk demo` shows; afterwards it drives the UI headless.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from kiosk.catalog_file import load_catalog
from kiosk.checkout_service import CheckoutService
from kiosk.config import KioskConfig, SimulatedPaymentConfig
from kiosk.domain.checkout import (
    Checkout,
    Checkouts,
    CompletedSale,
    Event,
    ItemScanned,
    PayRequested,
    Phase,
    Policy,
    ReceiptDone,
    StaffAction,
    StaffResolved,
    TrayEmptied,
    TrayMoving,
    TrayOutcome,
    TraySettled,
    Verdict,
)
from kiosk.domain.money import format_money
from kiosk.payment.simulated import SimulatedPayments
from kiosk.receipt_text import render_receipt_text
from kiosk.store import SalesStore


@dataclass(frozen=True)
class Story:
    title: str
    events: tuple[Callable[[Checkout], Event | None], ...]


def _settle(counts: dict[str, int], weighed: tuple[tuple[str, str], ...] = ()) -> Callable:
    outcome = TrayOutcome(Verdict.CONFIRMED, counts, tuple((sku, Decimal(g)) for sku, g in weighed))
    return lambda c: TraySettled(time.time(), outcome)


def _pay(method: str) -> Callable:
    return lambda c: PayRequested(time.time(), method)


STORIES = (
    Story(
        "A plain basket: two colas and a bag of chips, paid by QR code",
        (
            lambda c: TrayMoving(time.time()),
            _settle({"cola-classic-330": 2, "chips-original-70": 1}),
            _pay("qr"),
        ),
    ),
    Story(
        "Loose produce by weight: 412 g of Fuji apples and a scanned toothpaste",
        (
            lambda c: TrayMoving(time.time()),
            lambda c: ItemScanned(time.time(), "toothpaste-120"),
            _settle({"toothpaste-120": 1}, (("apple-fuji", "412"),)),
            _pay("card"),
        ),
    ),
    Story(
        "An age-restricted item: beer needs a staff member's approval",
        (
            lambda c: TrayMoving(time.time()),
            _settle({"beer-seabreeze-500": 2, "peanuts-200": 1}),
            lambda c: StaffResolved(time.time(), "S001", StaffAction.APPROVE_AGE),
            _pay("qr"),
        ),
    ),
    Story(
        "A shopper changes their mind and takes everything back",
        (
            lambda c: TrayMoving(time.time()),
            _settle({"energy-drink-250": 1}),
            lambda c: TrayEmptied(time.time()),
        ),
    ),
)


def run_demo(config: KioskConfig, out: Callable[[str], None] = print) -> int:
    data_dir = config.store.data_dir / "demo"
    shutil.rmtree(data_dir, ignore_errors=True)
    catalog = load_catalog(config.catalog.path)
    store = SalesStore(data_dir / "kiosk.sqlite", images_dir=data_dir / "images").start()
    payments = SimulatedPayments(SimulatedPaymentConfig(approve_after_s=0.05))
    receipts: list[CompletedSale] = []
    paid = threading.Event()

    def on_receipt(sale: CompletedSale) -> None:
        receipts.append(sale)
        paid.set()

    machine = Checkouts(catalog, Policy(config.checkout.max_shopper_attempts))
    service = CheckoutService(
        machine,
        store,
        payments,
        device_id=config.device.id,
        model_version=lambda: "demo-script",
        print_receipt=on_receipt,
    )
    service.start()
    try:
        for n, story in enumerate(STORIES, 1):
            out(f"\n=== Shopper {n}: {story.title}")
            paid.clear()
            for make in story.events:
                event = make(service.checkout)
                t = service.handle(event)
                note = "; ".join(f"{type(e).__name__}" for e in t.effects)
                out(f"  {type(event).__name__:<15} -> {t.checkout.phase.value:<10} {note}")
            if service.checkout.phase is Phase.PAYING:
                if not paid.wait(10):
                    out("  the payment did not complete")
                    return 1
                out(f"  {'PaymentApproved':<15} -> {service.checkout.phase.value}")
                out("")
                out(
                    render_receipt_text(
                        receipts[-1], store_name="演示便利店 Demo Store", device_id=config.device.id
                    )
                )
                service.handle(TrayEmptied(time.time()))
                service.handle(ReceiptDone(time.time()))
        out("\n=== Stored in " + str(store.path))
        for row in reversed(store.recent_sales()):
            out(f"  {row['id']}  {row['status']:<9} {format_money(row['total']):>9}")
        out(f"  outbox rows waiting for headquarters: {store.outbox_backlog()}")
    finally:
        payments.close()
        store.close()
    return 0


def demo_data_dir(config: KioskConfig) -> Path:
    return config.store.data_dir / "demo"
