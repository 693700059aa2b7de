"""ESC/POS commands used by the kiosk, as bytes. Each function is one command."""

from __future__ import annotations

ESC, GS, FS, DLE, EOT = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04"
LF = b"\n"

TEXT_ENCODING = "gb18030"


def initialize() -> bytes:
    return ESC + b"@"


def chinese_mode(on: bool) -> bytes:
    """FS & / FS . : two-byte GB characters on. Printers sold in China start in it, but
    one left in single-byte mode by another program would print mojibake."""
    return FS + (b"&" if on else b".")


def align(where: str) -> bytes:
    return ESC + b"a" + bytes([{"left": 0, "center": 1, "right": 2}[where]])


def bold(on: bool) -> bytes:
    return ESC + b"E" + bytes([1 if on else 0])


def size(width: int = 1, height: int = 1) -> bytes:
    """GS ! : character magnification, 1..8 each way."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError("magnification is 1..8")
    return GS + b"!" + bytes([(width - 1) << 4 | (height - 1)])


def text(line: str) -> bytes:
    """One line of text, GB18030 encoded, ending with LF."""
    return line.encode(TEXT_ENCODING) + LF


def feed(lines: int) -> bytes:
    return ESC + b"d" + bytes([lines])


def cut(partial: bool = True, feed_dots: int = 0) -> bytes:
    """GS V 65/66 n: feed to the cutter (plus n dots) and cut."""
    return GS + b"V" + bytes([66 if partial else 65, feed_dots])


def _qr_function(fn: int, payload: bytes) -> bytes:
    body = b"1" + bytes([fn]) + payload  # cn = 49 ('1'): the QR code symbol
    return GS + b"(k" + len(body).to_bytes(2, "little") + body


def qr_code(data: str, module_size: int = 6, error_correction: str = "M") -> bytes:
    """GS ( k: model 2, module size, error correction, store the data, print it."""
    encoded = data.encode("utf-8")
    if len(encoded) > 7089 or not 1 <= module_size <= 16:
        raise ValueError("QR data too long or module size out of 1..16")
    level = {"L": 48, "M": 49, "Q": 50, "H": 51}[error_correction]
    return (
        _qr_function(65, b"2\x00")  # fn 165: model 2
        + _qr_function(67, bytes([module_size]))  # fn 167: module size in dots
        + _qr_function(69, bytes([level]))  # fn 169: error correction
        + _qr_function(80, b"0" + encoded)  # fn 180: store
        + _qr_function(81, b"0")  # fn 181: print
    )


# Real-time status requests (DLE EOT n): answered with one byte even mid-job.
STATUS_PRINTER = DLE + EOT + b"\x01"
STATUS_OFFLINE_CAUSE = DLE + EOT + b"\x02"
STATUS_ERROR_CAUSE = DLE + EOT + b"\x03"
STATUS_PAPER = DLE + EOT + b"\x04"
