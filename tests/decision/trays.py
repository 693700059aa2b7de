"""Hand-made trays for the decision tests: boxes laid out at 2 px per mm."""

from __future__ import annotations

from decimal import Decimal

from kiosk.domain.catalog import Catalog
from kiosk.domain.tray_view import Candidate, SeenItem, TrayView

PX = 2.0


def box_for(catalog: Catalog, sku: str, x: float, y: float) -> tuple[float, float, float, float]:
    w, length, _ = catalog.get(sku).size_mm
    return (x, y, x + w * PX, y + length * PX)


def seen(
    catalog: Catalog,
    sku: str,
    x: float = 0.0,
    y: float = 0.0,
    score: float = 0.92,
    alts: tuple[tuple[str, float], ...] = (),
    votes: int = 5,
) -> SeenItem:
    cands = (Candidate(sku, score), *(Candidate(s, v) for s, v in alts))
    return SeenItem(box_for(catalog, sku, x, y), cands, votes)


def tray(*items: SeenItem) -> TrayView:
    return TrayView(tuple(items), (1200, 800), 5, 0.0, "test")


def row(catalog: Catalog, skus: list[str], score: float = 0.92) -> TrayView:
    """Items side by side, not touching, each confidently seen."""
    items = []
    x = 10.0
    for sku in skus:
        items.append(seen(catalog, sku, x, 10.0, score))
        x += catalog.get(sku).size_mm[0] * PX + 20
    return tray(*items)


def nominal(catalog: Catalog, skus: list[str], extra: float = 0.0) -> Decimal:
    return Decimal(repr(sum(catalog.get(s).weight_g for s in skus) + extra))
