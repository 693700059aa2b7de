"""Fixed-width text layout for a receipt: CJK characters take two columns."""

from __future__ import annotations

import unicodedata
from decimal import Decimal


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals, by integer arithmetic."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def kilograms(grams: Decimal) -> str:
    return f"{(grams / 1000).quantize(Decimal('0.001'))}"


def wrap(text: str, columns: int) -> list[str]:
    """Break at the column limit, never inside a double-width character."""
    lines, current = [], ""
    for char in text:
        if width(current + char) > columns:
            lines.append(current.rstrip())
            current = char.lstrip()
        else:
            current += char
    if current or not lines:
        lines.append(current.rstrip())
    return lines


def spread(left: str, right: str, columns: int) -> list[str]:
    """`left` and `right` on one line, right-aligned; on two when they do not fit."""
    gap = columns - width(left) - width(right)
    if gap >= 1:
        return [left + " " * gap + right]
    return [*wrap(left, columns), " " * max(0, columns - width(right)) + right]
