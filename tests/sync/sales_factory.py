"""Paid sales and hard cases committed through the real SalesStore, for sync tests."""

from __future__ import annotations

import hashlib
from concurrent.futures import Future
from decimal import Decimal

from kiosk.domain.basket import BasketLine, LineSource
from kiosk.domain.checkout import Checkout, CompletedSale, PaymentRecord
from kiosk.store import SalesStore

SKUS = [
    ("cola-classic-330", "晨光可乐 经典 330毫升", "Morning Cola Classic 330ml", 350),
    ("water-550", "清泉 饮用水 550毫升", "Clear Spring Water 550ml", 200),
    ("chips-original-70", "脆香 薯片 原味 70克", "Crispy Chips Original 70g", 650),
    ("banana", "香蕉", "Banana", 899),
    ("gum-mint", "口香糖 薄荷", "Mint Gum", 500),
]


def sale(device_id: str, seq: int, lines: int = 5, at: float = 1_790_000_000.0) -> CompletedSale:
    basket = []
    for i in range(lines):
        sku, zh, en, price = SKUS[(seq + i) % len(SKUS)]
        weighed = sku == "banana"
        weight = Decimal("412.5") if weighed else None
        quantity = 1 if weighed else 1 + (seq + i) % 3
        total = price * 4125 // 10000 if weighed else price * quantity
        basket.append(
            BasketLine(
                line_id=i + 1,
                sku=sku,
                name_zh=zh,
                name_en=en,
                source=LineSource.WEIGHED if weighed else LineSource.VISION,
                quantity=quantity,
                unit_price=price,
                weight_g=weight,
                total=total,
            )
        )
    total = sum(ln.total for ln in basket)
    sale_id = f"{device_id}-{seq:06d}"
    return CompletedSale(
        sale_id=sale_id,
        lines=tuple(basket),
        total=total,
        payment=PaymentRecord(f"pay-{sale_id}", "sim", total, f"ref-{seq}", at + 30),
        started_at=at,
        paid_at=at + 30,
        hard_case=False,
    )


def commit_sale(store: SalesStore, device_id: str, seq: int, lines: int = 5) -> Future[None]:
    checkout = Checkout(device_id=device_id, sale_seq=seq)
    return store.commit_sale(
        sale(device_id, seq, lines), checkout, catalog_version="test-1", model_version="m-1"
    )


def image_bytes(n: int, size: int = 20_000) -> bytes:
    """Deterministic, distinct, incompressible-looking bytes standing in for a JPEG."""
    out = bytearray()
    block = f"image-{n}".encode()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def add_hard_case(store: SalesStore, device_id: str, n: int) -> Future[str | None]:
    meta = {"verdict": "ask", "detections": [{"sku": "cola-classic-330", "score": 0.51}], "n": n}
    return store.add_hard_case(f"{device_id}-hc-{n:04d}", None, meta, image_bytes(n))
