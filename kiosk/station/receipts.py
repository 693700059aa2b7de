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
from pathlib import Path

import segno

from kiosk.domain.checkout import CompletedSale
from kiosk.receipt_text import render_receipt_text

log = logging.getLogger(__name__)

E_RECEIPT_URL = "https://receipt.example.com/r/{sale_id}"


class ReceiptDesk:
    def __init__(
        self,
        directory: Path,
        *,
        store_name: str,
        device_id: str,
        printer: Callable[[CompletedSale, str], None] | None = None,
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

    def print(self, sale_id: str) -> bool:
        sale = self._sale(sale_id)
        if sale is None:
            return False
        if self.printer is None:
            log.info("no receipt printer: receipt %s kept as text only", sale_id)
            return True
        text = render_receipt_text(sale, store_name=self.store_name, device_id=self.device_id)
        self.printer(sale, text)
        return True

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
