"""`kiosk bench store --json`: durable commit latency of complete sales.

Each sale has 5 lines, a payment, its outbox row and the checkout state, committed
in one transaction under WAL + synchronous=FULL, exactly as at a real checkout.
Latency is from handing the sale to the store to the commit having returned.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from kiosk.catalog_file import load_catalog
from kiosk.domain.basket import Basket, LineSource
from kiosk.domain.checkout import Checkout, CompletedSale, PaymentRecord, Phase
from kiosk.store import SalesStore


def make_sale(catalog, n: int, device_id: str = "bench") -> tuple[CompletedSale, Checkout]:
    products = [p for p in catalog if not p.sold_by_weight]
    basket = Basket()
    for k in range(5):
        basket = basket.add_item(products[(n * 5 + k) % len(products)], LineSource.BARCODE)
    sale_id = f"{device_id}-{n:08d}"
    now = time.time()
    sale = CompletedSale(
        sale_id=sale_id,
        lines=basket.lines,
        total=basket.total,
        payment=PaymentRecord(f"{sale_id}-p1", "qr", basket.total, f"REF{n}", now),
        started_at=now - 20,
        paid_at=now,
        hard_case=False,
    )
    checkout = Checkout(device_id=device_id, phase=Phase.RECEIPT, sale_seq=n, paid=sale)
    return sale, checkout


def percentile(sorted_values: list[float], q: float) -> float:
    idx = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[idx]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk bench store")
    parser.add_argument("--sales", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="where the database goes")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    catalog = load_catalog()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        store = SalesStore(Path(tmp) / "bench.sqlite").start()
        try:
            # Warm up: first commits create pages and the WAL file.
            for n in range(1, 21):
                store.commit_sale(
                    *make_sale(catalog, n), catalog_version="b", model_version="b"
                ).result()
            prepared = [make_sale(catalog, n) for n in range(21, 21 + args.sales)]
            times = []
            t_all = time.perf_counter()
            for sale, checkout in prepared:
                t0 = time.perf_counter()
                store.commit_sale(sale, checkout, catalog_version="b", model_version="b").result()
                times.append((time.perf_counter() - t0) * 1000)
            elapsed = time.perf_counter() - t_all
            mode = store.query("PRAGMA journal_mode")[0]
        finally:
            store.close()
    times.sort()
    result = {
        "commit_ms_p50": round(statistics.median(times), 3),
        "commit_ms_p99": round(percentile(times, 0.99), 3),
        "commit_ms_max": round(times[-1], 3),
        "sales_per_s": round(len(times) / elapsed, 1),
        "sales": len(times),
        "lines_per_sale": 5,
        "journal_mode": next(iter(mode.values())),
        "synchronous": "FULL",
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0
