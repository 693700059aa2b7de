"""`Receipt` -> ESC/POS bytes. Pure: the same receipt always gives the same bytes."""

from __future__ import annotations

from . import escpos
from .layout import kilograms, spread, width, wrap, yuan
from .receipt import Receipt, ReceiptLine


def _line_body(line: ReceiptLine, columns: int) -> list[str]:
    names = wrap(f"{line.name_zh} {line.name_en}".strip(), columns)
    if line.weight_g is not None:
        detail = f"  {kilograms(line.weight_g)} kg x {yuan(line.unit_price_fen)}/kg"
    else:
        detail = f"  {line.quantity} x {yuan(line.unit_price_fen)}"
    return names + spread(detail, yuan(line.total_fen), columns)


def render_receipt(
    receipt: Receipt, *, columns: int = 48, qr_module_size: int = 6, cut: bool = True
) -> bytes:
    """The whole job: initialise, Chinese mode, header, lines, totals, QR, cut."""
    rule = "-" * columns
    out = bytearray()
    out += escpos.initialize() + escpos.chinese_mode(True)

    store = receipt.store
    out += escpos.align("center") + escpos.bold(True) + escpos.size(2, 2)
    # Double width halves the columns; a long shop name wraps instead of running off.
    for part in wrap(store.name_zh, columns // 2):
        out += escpos.text(part)
    out += escpos.size(1, 1) + escpos.bold(False)
    for extra in (store.name_en, store.address, store.phone):
        for part in wrap(extra, columns) if extra else []:
            out += escpos.text(part)
    if store.tax_id:
        out += escpos.text(f"税号 Tax ID: {store.tax_id}")
    out += escpos.align("left")

    out += escpos.text(rule)
    out += escpos.text(f"单号 Sale: {receipt.sale_id}")
    out += escpos.text(f"时间 Time: {receipt.issued_at:%Y-%m-%d %H:%M:%S}")
    out += escpos.text(rule)
    for text in spread("商品 Item", "金额 Amount", columns):
        out += escpos.text(text)
    for line in receipt.lines:
        for text in _line_body(line, columns):
            out += escpos.text(text)
    out += escpos.text(rule)

    count = sum(line.quantity or 1 for line in receipt.lines)
    for text in spread(f"小计 Subtotal ({count})", yuan(receipt.subtotal_fen), columns):
        out += escpos.text(text)
    if receipt.discount_fen:
        for text in spread("优惠 Discount", yuan(-receipt.discount_fen), columns):
            out += escpos.text(text)
    out += escpos.bold(True) + escpos.size(1, 2)
    for text in spread("合计 Total", yuan(receipt.total_fen), columns):
        out += escpos.text(text)
    out += escpos.size(1, 1) + escpos.bold(False)
    pay = receipt.payment
    for text in spread(f"{pay.method_zh} {pay.method_en}", yuan(pay.amount_fen), columns):
        out += escpos.text(text)
    if pay.change_fen:
        for text in spread("找零 Change", yuan(pay.change_fen), columns):
            out += escpos.text(text)
    out += escpos.text(rule)

    out += escpos.align("center")
    if receipt.qr_payload:
        out += escpos.text("扫码查看电子小票 Scan for your e-receipt")
        out += escpos.qr_code(receipt.qr_payload, qr_module_size)
        out += escpos.text("")
    for text in receipt.footer:
        if width(text) <= columns:
            out += escpos.text(text)
        else:
            for part in wrap(text, columns):
                out += escpos.text(part)
    out += escpos.align("left")
    out += escpos.feed(3)
    if cut:
        out += escpos.cut(partial=True)
    return bytes(out)
