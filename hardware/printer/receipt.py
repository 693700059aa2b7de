"""A receipt as data. Money is integer fen; nothing here knows about bytes or devices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class StoreHeader:
    name_zh: str
    name_en: str
    address: str = ""
    phone: str = ""
    tax_id: str = ""


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One basket line. Counted items have `quantity`; weighed produce has `weight_g`
    and a `unit_price_fen` per kilogram."""

    name_zh: str
    name_en: str
    unit_price_fen: int
    total_fen: int
    quantity: int | None = 1
    weight_g: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.quantity is None) == (self.weight_g is None):
            raise ValueError("a line has either a quantity or a weight")


@dataclass(frozen=True, slots=True)
class Payment:
    method_zh: str
    method_en: str
    amount_fen: int
    change_fen: int = 0


@dataclass(frozen=True, slots=True)
class Receipt:
    store: StoreHeader
    lines: tuple[ReceiptLine, ...]
    total_fen: int
    payment: Payment
    sale_id: str
    issued_at: datetime  # local time of the sale, passed in: no clock here
    discount_fen: int = 0
    qr_payload: str | None = None  # e-receipt URL
    footer: tuple[str, ...] = field(default=("谢谢惠顾，欢迎再来", "Thank you, see you soon"))

    @property
    def subtotal_fen(self) -> int:
        return sum(line.total_fen for line in self.lines)

    def __post_init__(self) -> None:
        if self.subtotal_fen - self.discount_fen != self.total_fen:
            raise ValueError(
                f"lines add up to {self.subtotal_fen} fen minus {self.discount_fen} discount,"
                f" not the total {self.total_fen}"
            )
