"""Loose produce: vision names it, the scale weighs it, the price follows the weight.

When packaged items share the tray, their nominal weights are subtracted first and
the rest is the produce. Two different loose produce at once cannot be split by one
scale, so the shopper weighs them one at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kiosk.domain.catalog import Catalog
from kiosk.domain.decision.weight_model import WeightModel
from kiosk.domain.money import price_by_weight


@dataclass(frozen=True, slots=True)
class TraySplit:
    packaged: Mapping[str, int]  # SKU -> items, sold each
    loose: Mapping[str, int]  # SKU -> pieces seen, sold by weight


def split_tray(counts: Mapping[str, int], catalog: Catalog) -> TraySplit:
    packaged: dict[str, int] = {}
    loose: dict[str, int] = {}
    for sku, n in sorted(counts.items()):
        if n <= 0:
            continue
        if sku in catalog and catalog.get(sku).sold_by_weight:
            loose[sku] = n
        else:
            packaged[sku] = n
    return TraySplit(packaged, loose)


def loose_weight(measured_g: Decimal, packaged: Mapping[str, int], weights: WeightModel) -> Decimal:
    """The produce's weight: the reading minus the packaged items' nominal weights.

    Whole grams, half up: the subtraction carries the packages' spread (a few grams),
    so finer digits would be false precision on the receipt.
    """
    packaged_g = sum(
        (Decimal(repr(weights.item(sku).mean_g)) * n for sku, n in packaged.items()),  # type: ignore[union-attr]
        Decimal(0),
    )
    return (Decimal(measured_g) - packaged_g).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def loose_price(catalog: Catalog, sku: str, grams: Decimal) -> int:
    """Fen for `grams` of `sku`, by the money rounding rule (half up to the fen)."""
    return price_by_weight(catalog.get(sku).price, grams)
