"""The shopper's basket: immutable lines, exact totals.

Lines come from four sources. Vision and weighed lines describe what lies on the
tray and are replaced wholesale by each new tray decision; barcode and manual
lines are what the shopper asserted and stay until voided.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from kiosk.domain.catalog import Product
from kiosk.domain.money import MoneyError, price_by_weight

MAX_QUANTITY = 99


class BasketError(ValueError):
    """A change the basket refuses: unknown line, bad quantity, wrong kind of line."""


class LineSource(StrEnum):
    VISION = "vision"
    BARCODE = "barcode"
    MANUAL = "manual"
    WEIGHED = "weighed"


TRAY_SOURCES = frozenset({LineSource.VISION, LineSource.WEIGHED})


@dataclass(frozen=True, slots=True)
class BasketLine:
    line_id: int
    sku: str
    name_zh: str
    name_en: str
    source: LineSource
    quantity: int
    unit_price: int  # fen per item, or fen per kg for weighed lines
    weight_g: Decimal | None  # the weighed amount, for goods sold by weight
    total: int
    age_restricted: bool = False
    approved_by: str | None = None  # staff id who checked the shopper's age
    voided: bool = False
    void_reason: str | None = None

    @property
    def active(self) -> bool:
        return not self.voided

    @property
    def needs_age_check(self) -> bool:
        return self.active and self.age_restricted and self.approved_by is None


def _item_line(line_id: int, product: Product, source: LineSource, quantity: int) -> BasketLine:
    if product.sold_by_weight:
        raise BasketError(f"{product.sku} is sold by weight; it needs a weighed line")
    _check_quantity(quantity)
    return BasketLine(
        line_id=line_id,
        sku=product.sku,
        name_zh=product.name_zh,
        name_en=product.name_en,
        source=source,
        quantity=quantity,
        unit_price=product.price,
        weight_g=None,
        total=product.price * quantity,
        age_restricted=product.age_restricted,
    )


def _weighed_line(line_id: int, product: Product, grams: Decimal) -> BasketLine:
    if not product.sold_by_weight:
        raise BasketError(f"{product.sku} is sold per item, not by weight")
    try:
        total = price_by_weight(product.price, grams)
    except MoneyError as err:
        raise BasketError(str(err)) from None
    if grams <= 0:
        raise BasketError(f"a weighed line needs a positive weight, got {grams} g")
    return BasketLine(
        line_id=line_id,
        sku=product.sku,
        name_zh=product.name_zh,
        name_en=product.name_en,
        source=LineSource.WEIGHED,
        quantity=1,
        unit_price=product.price,
        weight_g=Decimal(grams),
        total=total,
        age_restricted=product.age_restricted,
    )


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise BasketError(f"quantity must be a whole number, got {quantity!r}")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise BasketError(f"quantity must be 1..{MAX_QUANTITY}, got {quantity}")


@dataclass(frozen=True, slots=True)
class Basket:
    lines: tuple[BasketLine, ...] = ()
    next_line_id: int = 1

    @property
    def active_lines(self) -> tuple[BasketLine, ...]:
        return tuple(line for line in self.lines if line.active)

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines if line.active)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines if line.active)

    @property
    def empty(self) -> bool:
        return not self.active_lines

    @property
    def needs_age_check(self) -> bool:
        return any(line.needs_age_check for line in self.lines)

    def counts(self, sources: Iterable[LineSource] | None = None) -> Counter[str]:
        """SKU -> items, over active lines (of the given sources)."""
        wanted = set(sources) if sources is not None else None
        counts: Counter[str] = Counter()
        for line in self.active_lines:
            if wanted is None or line.source in wanted:
                counts[line.sku] += line.quantity
        return counts

    def line(self, line_id: int) -> BasketLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise BasketError(f"no line {line_id} in the basket")

    def _append(self, line: BasketLine) -> Basket:
        return Basket((*self.lines, line), self.next_line_id + 1)

    def add_item(self, product: Product, source: LineSource, quantity: int = 1) -> Basket:
        """A barcode scan or a manual pick adds to an existing line of the same kind."""
        if source in TRAY_SOURCES:
            raise BasketError("tray lines come from with_tray(), not add_item()")
        for line in self.lines:
            if line.active and line.sku == product.sku and line.source is source:
                return self.set_quantity(line.line_id, line.quantity + quantity)
        return self._append(_item_line(self.next_line_id, product, source, quantity))

    def set_quantity(self, line_id: int, quantity: int) -> Basket:
        line = self.line(line_id)
        if not line.active:
            raise BasketError(f"line {line_id} is voided")
        if line.source in TRAY_SOURCES:
            raise BasketError("the tray decides the quantity of recognised items")
        _check_quantity(quantity)
        changed = replace(line, quantity=quantity, total=line.unit_price * quantity)
        return self._replace_line(changed)

    def void(self, line_id: int, reason: str) -> Basket:
        if not reason.strip():
            raise BasketError("a void needs a reason")
        line = self.line(line_id)
        if not line.active:
            raise BasketError(f"line {line_id} is already voided")
        return self._replace_line(replace(line, voided=True, void_reason=reason.strip()))

    def approve_age(self, staff_id: str) -> Basket:
        lines = tuple(
            replace(line, approved_by=staff_id) if line.needs_age_check else line
            for line in self.lines
        )
        return Basket(lines, self.next_line_id)

    def with_tray(
        self,
        tray_counts: dict[str, int],
        weighed: Iterable[tuple[Product, Decimal]],
        products: dict[str, Product],
    ) -> Basket:
        """Replace the tray lines with a new tray decision.

        `tray_counts` is everything counted on the tray (SKU -> items). Items the
        shopper already scanned or picked are on the tray too, so only the rest
        becomes vision lines. Age approvals survive when the same SKU stays.
        """
        approved = {
            line.sku: line.approved_by
            for line in self.lines
            if line.source in TRAY_SOURCES and line.approved_by
        }
        kept = tuple(line for line in self.lines if line.source not in TRAY_SOURCES or line.voided)
        asserted = self.counts((LineSource.BARCODE, LineSource.MANUAL))
        basket = Basket(kept, self.next_line_id)
        for sku, count in sorted(tray_counts.items()):
            extra = count - asserted.get(sku, 0)
            if extra > 0:
                line = _item_line(basket.next_line_id, products[sku], LineSource.VISION, extra)
                basket = basket._append(replace(line, approved_by=approved.get(sku)))
        for product, grams in weighed:
            line = _weighed_line(basket.next_line_id, product, grams)
            basket = basket._append(replace(line, approved_by=approved.get(product.sku)))
        return basket

    def _replace_line(self, changed: BasketLine) -> Basket:
        lines = tuple(changed if ln.line_id == changed.line_id else ln for ln in self.lines)
        return Basket(lines, self.next_line_id)
