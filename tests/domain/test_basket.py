from decimal import Decimal

import pytest

from kiosk.domain.basket import Basket, BasketError, LineSource


def test_lines_and_totals(catalog):
    cola, chips, apple = (
        catalog.get(s) for s in ("cola-zero-330", "chips-original-70", "apple-fuji")
    )
    b = Basket().add_item(cola, LineSource.BARCODE).add_item(cola, LineSource.BARCODE)
    b = b.add_item(chips, LineSource.MANUAL)
    assert [ln.quantity for ln in b.lines] == [2, 1]  # a second scan adds to the line
    b = b.with_tray({"cola-zero-330": 3}, [(apple, Decimal("412"))], {"cola-zero-330": cola})
    # two colas were scanned, the tray holds three: one more as a vision line
    assert b.counts() == {"cola-zero-330": 3, "chips-original-70": 1, "apple-fuji": 1}
    assert b.total == 3 * cola.price + chips.price + 527


def test_void_and_quantity_changes(catalog):
    cola = catalog.get("cola-zero-330")
    b = Basket().add_item(cola, LineSource.BARCODE)
    b = b.set_quantity(1, 4)
    assert b.total == 4 * cola.price
    with pytest.raises(BasketError, match="reason"):
        b.void(1, "  ")
    b = b.void(1, "shopper changed mind")
    assert b.total == 0 and b.empty and b.lines[0].void_reason == "shopper changed mind"
    with pytest.raises(BasketError, match="already voided"):
        b.void(1, "again")
    with pytest.raises(BasketError, match=r"quantity must be 1\.\.99"):
        Basket().add_item(cola, LineSource.BARCODE).set_quantity(1, 0)


def test_tray_lines_cannot_be_edited_by_hand(catalog):
    cola = catalog.get("cola-zero-330")
    b = Basket().with_tray({"cola-zero-330": 2}, [], {"cola-zero-330": cola})
    with pytest.raises(BasketError, match="tray decides"):
        b.set_quantity(1, 5)


def test_weighed_goods_need_a_weight_and_items_do_not(catalog):
    apple, cola = catalog.get("apple-fuji"), catalog.get("cola-zero-330")
    with pytest.raises(BasketError, match="sold by weight"):
        Basket().add_item(apple, LineSource.MANUAL)
    with pytest.raises(BasketError, match="sold per item"):
        Basket().with_tray({}, [(cola, Decimal("300"))], {})
    with pytest.raises(BasketError, match="positive weight"):
        Basket().with_tray({}, [(apple, Decimal("0"))], {})


def test_age_approval_survives_a_new_tray_decision(catalog):
    beer = catalog.get("beer-seabreeze-500")
    b = Basket().with_tray({beer.sku: 1}, [], {beer.sku: beer})
    assert b.needs_age_check
    b = b.approve_age("S001")
    assert not b.needs_age_check
    b = b.with_tray({beer.sku: 2}, [], {beer.sku: beer})
    assert not b.needs_age_check and b.counts() == {beer.sku: 2}
