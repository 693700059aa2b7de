"""The receipt desk: a paid sale becomes a printed receipt or a QR e-receipt.

The checkout service hands over each paid sale (`ready`, on the checkout worker);
the shopper then chooses. Printing goes to the receipt printer when one is wired
in, and always to `receipts/<sale>.txt` under the data directory, so the demo and
the tests can read what a shopper would get.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import segno

from hardware.printer.receipt import Payment, Receipt, ReceiptLine, StoreHeader
from kiosk.domain.checkout import CompletedSale
from kiosk.receipt_text import CHINA, render_receipt_text

log = logging.getLogger(__name__)

E_RECEIPT_URL = "https://receipt.example.com/r/{sale_id}"
METHODS = {"qr": ("扫码支付", "QR code"), "card": ("银行卡", "Bank card")}


def printed_receipt(sale: CompletedSale, store: str, url: str = E_RECEIPT_URL) -> Receipt:
    """The sale as the printer driver's receipt (voided lines are not printed)."""
    zh, _, en = store.partition(" ")
    lines = tuple(
        ReceiptLine(
            name_zh=ln.name_zh,
            name_en=ln.name_en,
            unit_price_fen=ln.unit_price,
            total_fen=ln.total,
            quantity=None if ln.weight_g is not None else ln.quantity,
            weight_g=ln.weight_g,
        )
        for ln in sale.lines
        if not ln.voided
    )
    method = METHODS.get(sale.payment.method, (sale.payment.method, sale.payment.method))
    return Receipt(
        store=StoreHeader(name_zh=zh or store, name_en=en or store),
        lines=lines,
        total_fen=sale.total,
        payment=Payment(method[0], method[1], sale.payment.amount),
        sale_id=sale.sale_id,
        issued_at=datetime.fromtimestamp(sale.paid_at, UTC).astimezone(CHINA).replace(tzinfo=None),
        qr_payload=url.format(sale_id=sale.sale_id),
    )


class ReceiptDesk:
    def __init__(
        self,
        directory: Path,
        *,
        store_name: str,
        device_id: str,
        printer: Callable[[CompletedSale, str], str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.store_name = store_name
        self.device_id = device_id
        self.printer = printer
        self._lock = threading.Lock()
        self._last: CompletedSale | None = None
        self.listeners: list[Callable[[CompletedSale, str], None]] = []

    def ready(self, sale: CompletedSale) -> None:
        text = render_receipt_text(sale, store_name=self.store_name, device_id=self.device_id)
        with self._lock:
            self._last = sale
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / f"{sale.sale_id}.txt").write_text(text + "\n", encoding="utf-8")
        for cb in self.listeners:
            cb(sale, text)

    def print(self, sale_id: str) -> str:
        """'' when printed; otherwise why not, for the screen to offer the e-receipt."""
        sale = self._sale(sale_id)
        if sale is None:
            return "no such sale"
        if self.printer is None:
            return "no receipt printer"
        text = render_receipt_text(sale, store_name=self.store_name, device_id=self.device_id)
        try:
            return self.printer(sale, text)
        except Exception as err:  # a printer must never lose the shopper's receipt
            log.exception("printing %s failed", sale_id)
            return f"printer error: {err}"

    def qr_code(self, sale_id: str) -> Path | None:
        """A PNG of the e-receipt link, written next to the text receipt."""
        if self._sale(sale_id) is None:
            return None
        path = self.directory / f"{sale_id}-qr.png"
        qr = segno.make(E_RECEIPT_URL.format(sale_id=sale_id), error="m")
        qr.save(str(path), scale=10, border=2, dark="#1d2329")
        return path

    def _sale(self, sale_id: str) -> CompletedSale | None:
        with self._lock:
            sale = self._last
        return sale if sale is not None and sale.sale_id == sale_id else None
