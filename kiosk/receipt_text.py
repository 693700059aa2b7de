"""A paid sale as the plain text a shopper reads on the receipt (bilingual).

The printer driver turns the same content into ESC/POS; this text form is what the
demo prints to the terminal and what tests compare against.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone

from kiosk.domain.checkout import CompletedSale
from kiosk.domain.money import format_money

WIDTH = 42  # columns of a 80 mm receipt in the standard font
CHINA = timezone(timedelta(hours=8))


def display_width(text: str) -> int:
    """CJK characters take two columns on a receipt and in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row(left: str, right: str) -> str:
    gap = max(1, WIDTH - display_width(left) - display_width(right))
    return left + " " * gap + right


def render_receipt_text(
    sale: CompletedSale, *, store_name: str, device_id: str, tz: timezone = CHINA
) -> str:
    paid = datetime.fromtimestamp(sale.payment.at, UTC).astimezone(tz)
    out = [
        store_name.center(WIDTH - (display_width(store_name) - len(store_name))).rstrip(),
        "-" * WIDTH,
        f"单号 Sale: {sale.sale_id}",
        f"时间 Time: {paid:%Y-%m-%d %H:%M:%S}",
        "-" * WIDTH,
    ]
    for line in sale.lines:
        if not line.active:
            continue
        out.append(line.name_zh)
        if line.weight_g is not None:
            detail = f"  {line.weight_g} g x {format_money(line.unit_price)}/kg"
        else:
            detail = f"  {line.quantity} x {format_money(line.unit_price)}"
        out.append(_row(detail, format_money(line.total)))
    items = sum(ln.quantity for ln in sale.lines if ln.active)
    out += [
        "-" * WIDTH,
        _row(f"合计 Total ({items})", format_money(sale.total)),
        _row(f"支付 Paid ({sale.payment.method})", format_money(sale.payment.amount)),
        f"凭证 Ref: {sale.payment.reference}",
        "-" * WIDTH,
        "谢谢惠顾 Thank you!",
        f"{device_id}",
    ]
    return "\n".join(out)
