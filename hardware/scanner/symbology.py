"""One scanned line -> a typed `Scan`. Pure.

Scanners configured to send AIM symbology identifiers prefix the data with `]Cm`
(`]E0` EAN-13/UPC-A, `]E4` EAN-8, `]C0` Code 128, `]Q1` QR...). Without one the
symbology is inferred from the digits and their GS1 check digit, or left UNKNOWN.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Symbology(Enum):
    EAN_13 = "ean13"
    EAN_8 = "ean8"
    UPC_A = "upca"
    CODE_128 = "code128"
    GS1_128 = "gs1_128"
    CODE_39 = "code39"
    CODE_93 = "code93"
    ITF = "itf"
    CODABAR = "codabar"
    QR = "qr"
    DATA_MATRIX = "datamatrix"
    GS1_DATABAR = "gs1_databar"
    PDF417 = "pdf417"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Scan:
    code: str
    symbology: Symbology
    source: str  # which scanner: its URL or device path
    at: float  # time.monotonic() when the terminator arrived


@dataclass(frozen=True, slots=True)
class UnreadableScan:
    raw: bytes
    reason: str


_AIM = {
    "A": Symbology.CODE_39,
    "C": Symbology.CODE_128,
    "E": Symbology.EAN_13,
    "F": Symbology.CODABAR,
    "G": Symbology.CODE_93,
    "I": Symbology.ITF,
    "L": Symbology.PDF417,
    "Q": Symbology.QR,
    "d": Symbology.DATA_MATRIX,
    "e": Symbology.GS1_DATABAR,
}
GS = "\x1d"  # FNC1 separator in GS1 data


def gs1_check_digit_ok(digits: str) -> bool:
    if not digits.isdigit() or not digits.isascii() or len(digits) < 2:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _infer(code: str) -> Symbology:
    if code.isascii() and code.isdigit() and gs1_check_digit_ok(code):
        return {13: Symbology.EAN_13, 8: Symbology.EAN_8, 12: Symbology.UPC_A}.get(
            len(code), Symbology.UNKNOWN
        )
    return Symbology.UNKNOWN


def parse_scan(line: bytes, source: str = "", at: float = 0.0) -> Scan | UnreadableScan:
    """One scanned line without its terminator."""
    if any(not (0x20 <= b < 0x7F or b == 0x1D) for b in line):
        return UnreadableScan(line, "non-printable bytes: noise or a wrong baud rate")
    text = line.decode("ascii").strip(" ")
    symbology = None
    if text.startswith("]") and len(text) >= 3:
        symbology = _AIM.get(text[1], Symbology.UNKNOWN)
        modifier, text = text[2], text[3:]
        if symbology is Symbology.EAN_13 and modifier == "4":
            symbology = Symbology.EAN_8
        elif symbology is Symbology.CODE_128 and modifier == "1":
            symbology = Symbology.GS1_128
        if symbology in (Symbology.EAN_13, Symbology.EAN_8) and not gs1_check_digit_ok(text):
            return UnreadableScan(line, "EAN with a wrong check digit")
    if not text:
        return UnreadableScan(line, "empty scan")
    return Scan(text, symbology or _infer(text), source, at)
