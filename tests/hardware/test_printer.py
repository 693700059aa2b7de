"""Receipts as exact bytes, read back by the printer simulator over a pty, and the
status checks that decide whether to print at all."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import cv2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.printer.config import EscPosPrinterConfig
from hardware.printer.driver import EscPosPrinter
from hardware.printer.layout import spread, width, wrap, yuan
from hardware.printer.receipt import Payment, Receipt, ReceiptLine, StoreHeader
from hardware.printer.render import render_receipt
from hardware.printer.status import PaperState, PrinterState, from_replies, valid
from hardware.sim.printer import PrinterSimulator
from hardware.sim.printer_decode import EscPosDecoder, decode
from hardware.sim.printer_image import render_image

SMALL = Receipt(
    store=StoreHeader("小店", "Shop"),
    lines=(
        ReceiptLine("可乐", "Cola", unit_price_fen=350, total_fen=700, quantity=2),
        ReceiptLine(
            "苹果",
            "Apple",
            unit_price_fen=1280,
            total_fen=655,
            quantity=None,
            weight_g=Decimal(512),
        ),
    ),
    total_fen=1355,
    payment=Payment("微信", "WeChat", 1355),
    sale_id="S-1",
    issued_at=datetime(2026, 11, 25, 10, 30, 0),
    qr_payload="https://r.example/S-1",
    footer=("谢谢",),
)


def gb(text: str) -> bytes:
    return text.encode("gb18030") + b"\n"


def test_small_receipt_exact_bytes():
    rule = gb("-" * 32)
    expected = (
        b"\x1b@" + b"\x1c&"  # initialise, Chinese mode
        + b"\x1ba\x01" + b"\x1bE\x01" + b"\x1d!\x11" + gb("小店") + b"\x1d!\x00" + b"\x1bE\x00"
        + gb("Shop") + b"\x1ba\x00"
        + rule + gb("单号 Sale: S-1") + gb("时间 Time: 2026-11-25 10:30:00") + rule
        + gb("商品 Item" + " " * 12 + "金额 Amount")
        + gb("可乐 Cola") + gb("  2 x 3.50" + " " * 18 + "7.00")
        + gb("苹果 Apple") + gb("  0.512 kg x 12.80/kg" + " " * 7 + "6.55")
        + rule
        + gb("小计 Subtotal (3)" + " " * 10 + "13.55")
        + b"\x1bE\x01" + b"\x1d!\x01" + gb("合计 Total" + " " * 17 + "13.55")
        + b"\x1d!\x00" + b"\x1bE\x00"
        + gb("微信 WeChat" + " " * 16 + "13.55")
        + rule
        + b"\x1ba\x01" + gb("扫码查看电子小票 Scan for your e-receipt")
        + b"\x1d(k\x04\x001A2\x00"  # QR model 2
        + b"\x1d(k\x03\x001C\x06"  # module 6 dots
        + b"\x1d(k\x03\x001E1"  # error correction M
        + b"\x1d(k\x18\x001P0https://r.example/S-1"  # store 21 bytes
        + b"\x1d(k\x03\x001Q0"  # print
        + b"\n" + gb("谢谢") + b"\x1ba\x00" + b"\x1bd\x03" + b"\x1dVB\x00"
    )  # fmt: skip
    assert render_receipt(SMALL, columns=32) == expected


def test_rendering_is_deterministic_and_decodes_to_what_a_shopper_reads():
    job = render_receipt(SMALL)
    assert job == render_receipt(SMALL)
    (printed,) = decode(job)
    assert printed.cut and printed.qr_codes == ["https://r.example/S-1"] and not printed.unknown
    text = printed.text
    for expected in (
        "小店",
        "可乐 Cola",
        "苹果 Apple",
        "0.512 kg x 12.80/kg",
        "合计 Total",
        "13.55",
    ):
        assert expected in text
    total = next(line for line in printed.lines if line.text.startswith("合计"))
    assert total.bold and total.height == 2
    assert all(width(line.text) <= 48 for line in printed.lines)


def test_receipt_totals_must_add_up():
    with pytest.raises(ValueError, match="add up"):
        Receipt(SMALL.store, SMALL.lines, 1000, SMALL.payment, "x", SMALL.issued_at)
    with pytest.raises(ValueError):
        ReceiptLine("a", "a", 1, 1, quantity=None)


def test_money_and_layout_helpers():
    assert [yuan(v) for v in (0, 5, 100, 123456, -250)] == [
        "0.00",
        "0.05",
        "1.00",
        "1234.56",
        "-2.50",
    ]
    assert width("可乐 Cola") == 9
    assert wrap("可乐可乐可乐", 5) == ["可乐", "可乐", "可乐"]
    assert spread("商品名称很长很长很长", "12.00", 20) == [
        "商品名称很长很长很长",
        "               12.00",
    ]


@given(st.text(max_size=60), st.integers(4, 48))
def test_wrap_never_exceeds_the_paper(text, columns):
    for line in wrap(text, columns):
        assert width(line) <= columns


@given(st.binary(max_size=200))
def test_decoder_reads_any_bytes_without_raising(data):
    decoder = EscPosDecoder()
    for i in range(0, len(data), 7):
        decoder.feed(data[i : i + 7])


@given(st.one_of(st.none(), st.integers(0, 255)), st.one_of(st.none(), st.integers(0, 255)))
def test_status_is_ready_only_on_two_valid_ok_bytes(offline, paper):
    status = from_replies(offline, paper)
    if status.state is PrinterState.READY:
        assert valid(offline) and valid(paper)
        assert not offline & 0x64 and not paper & 0x60
    if not valid(offline):
        assert status.state is PrinterState.UNKNOWN


# -- over a pty ----------------------------------------------------------------------


@pytest.fixture
def printer_sim(tmp_path):
    with PrinterSimulator(link=tmp_path / "usb-printer") as sim:
        yield sim


def make_printer(sim: PrinterSimulator, **options) -> EscPosPrinter:
    return EscPosPrinter(EscPosPrinterConfig(url=sim.path, status_timeout_s=0.2, **options))


def test_prints_and_the_simulator_reads_it_back(printer_sim):
    outcome = make_printer(printer_sim).print_receipt(SMALL)
    assert outcome.printed, outcome.detail
    (printed,) = printer_sim.wait_for_receipts(1, 5.0)
    assert "合计 Total" in printed.text and printed.qr_codes == [SMALL.qr_payload]
    image = render_image(printed)
    assert image.shape[1] == 576
    payload, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert payload == SMALL.qr_payload


@pytest.mark.parametrize(
    ("switch", "value", "words"),
    [("paper", "out", "paper out"), ("cover_open", True, "cover open"), ("error", True, "error")],
)
def test_not_ready_printer_prints_nothing(printer_sim, switch, value, words):
    setattr(printer_sim, switch, value)
    outcome = make_printer(printer_sim).print_receipt(SMALL)
    assert not outcome.printed and words in outcome.detail
    assert outcome.status.state is PrinterState.NOT_READY
    assert not printer_sim.decoder.current.lines and not printer_sim.receipts


def test_paper_near_end_still_prints_and_says_so(printer_sim):
    printer_sim.paper = "near_end"
    outcome = make_printer(printer_sim).print_receipt(SMALL)
    assert outcome.printed and outcome.status.paper is PaperState.NEAR_END


@pytest.mark.parametrize("fault", ["invalid_status", "silent_status"])
def test_unreadable_status_counts_as_unknown_not_ok(printer_sim, fault):
    setattr(printer_sim, fault, True)
    outcome = make_printer(printer_sim).print_receipt(SMALL)
    assert not outcome.printed and outcome.status.state is PrinterState.UNKNOWN
    # An installer can allow printing on printers that never answer status requests.
    allowed = make_printer(printer_sim, print_when_status_unknown=True).print_receipt(SMALL)
    assert allowed.printed
    assert printer_sim.wait_for_receipts(1, 5.0)


def test_paper_running_out_mid_job_is_reported(printer_sim):
    printer_sim.paper_runs_out_after = 5
    outcome = make_printer(printer_sim).print_receipt(SMALL)
    assert not outcome.printed and "interrupted" in outcome.detail


def test_missing_printer(tmp_path):
    printer = EscPosPrinter(EscPosPrinterConfig(url=str(tmp_path / "none")))
    assert printer.status().state is PrinterState.DISCONNECTED
    assert not printer.print_receipt(SMALL).printed
