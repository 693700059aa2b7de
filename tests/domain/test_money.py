from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.money import MoneyError, format_money, price_by_weight


@pytest.mark.parametrize(
    ("per_kg", "grams", "fen"),
    [
        (1280, Decimal("412"), 527),  # 5.2736 -> 5.27
        (990, Decimal("505"), 500),  # 4.9995 -> 5.00: half up, not to even
        (1000, Decimal("0.5"), 1),  # 0.5 fen rounds up
        (1000, Decimal("0.4"), 0),
        (690, Decimal("1234.5"), 852),  # 8.51805
        (390, Decimal("0"), 0),
    ],
)
def test_price_by_weight_rounds_half_up_to_the_fen(per_kg, grams, fen):
    assert price_by_weight(per_kg, grams) == fen


def test_price_by_weight_refuses_floats_and_negative_weights():
    with pytest.raises(MoneyError, match="float"):
        price_by_weight(1280, 412.0)
    with pytest.raises(MoneyError, match="non-negative"):
        price_by_weight(1280, Decimal("-1"))
    with pytest.raises(MoneyError, match="integer number of fen"):
        price_by_weight(12.8, Decimal("100"))


@given(st.integers(1, 10**6), st.integers(0, 10**6))
def test_price_by_weight_is_within_half_a_fen_of_the_exact_price(per_kg, mg):
    grams = Decimal(mg) / 1000
    exact = Decimal(per_kg) * grams / 1000
    assert abs(price_by_weight(per_kg, grams) - exact) <= Decimal("0.5")


def test_format_money():
    assert format_money(1234) == "¥12.34"
    assert format_money(5) == "¥0.05"
    assert format_money(-150) == "-¥1.50"
