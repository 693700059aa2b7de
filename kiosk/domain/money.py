"""Money is an int of minor units (fen for CNY). Never a float.

Rounding rule for goods sold by weight: the exact price (weight x unit price per kg)
is rounded half up to the nearest fen, as Chinese retail does (四舍五入). The weight
is the scale's exact decimal reading, so no binary float ever touches the amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CURRENCY = "CNY"
MINOR_PER_MAJOR = 100


class MoneyError(ValueError):
    """An amount that cannot be money: a float, a negative price, an absurd weight."""


def require_minor(amount: object, what: str = "amount") -> int:
    # bool is an int subclass; True yuan would be a bug, not a price.
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise MoneyError(f"{what} must be an integer number of fen, got {amount!r}")
    return amount


def price_by_weight(price_per_kg: int, grams: Decimal | int) -> int:
    """The price of `grams` of goods sold at `price_per_kg` fen per kilogram.

    >>> price_by_weight(1280, Decimal("412"))   # 0.412 kg x 12.80 = 5.2736 -> 5.27
    527
    >>> price_by_weight(990, Decimal("505"))    # 4.9995 -> 5.00 (half up)
    500
    """
    require_minor(price_per_kg, "price per kg")
    if isinstance(grams, float):
        raise MoneyError("weight must be an exact Decimal or int of grams, not a float")
    grams = Decimal(grams)
    if not grams.is_finite() or grams < 0:
        raise MoneyError(f"weight must be a non-negative number of grams, got {grams}")
    exact = Decimal(price_per_kg) * grams / Decimal(1000)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_money(amount: int, symbol: str = "¥") -> str:
    """`1234` -> `¥12.34`; negative amounts keep their sign in front."""
    require_minor(amount)
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), MINOR_PER_MAJOR)
    return f"{sign}{symbol}{major}.{minor:02d}"
