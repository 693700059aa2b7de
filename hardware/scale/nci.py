"""NCI / ECR scanner-scale protocol (Weigh-Tronix SCP-01), 9600 7E1 by default.

    W<CR> -> <LF>xxxx.xxuu<CR><LF>hh<CR><ETX>   weight, unit, status bytes
             <LF>hh<CR><ETX>                    no weight (motion, over capacity...)
    S<CR> -> <LF>hh<CR><ETX>                    status
    Z<CR> -> <LF>hh<CR><ETX>                    zeroed, status
    other -> <LF>?<CR><ETX>

Status bytes all carry 0b0011xxxx, so they are printable; bit 6 of the second and later
bytes says "another byte follows". A byte without the fixed bits is line noise and the
frame is refused: that is the only integrity check this protocol has.
"""

from __future__ import annotations

from .frames import (
    Ack,
    Fault,
    FaultKind,
    Motion,
    Parsed,
    Unreadable,
    Weight,
    decimal_or_none,
    to_grams,
)
from .framing import Framer

NAME = "nci"
WEIGH = "W"
STATUS = "S"
ZERO = "Z"
TARE = "T"

LF, CR, ETX = b"\n", b"\r", b"\x03"

# Byte 1
MOTION, AT_ZERO, RAM_ERROR, EEPROM_ERROR = 0x01, 0x02, 0x04, 0x08
# Byte 2
UNDER_CAPACITY, OVER_CAPACITY, ROM_ERROR, BAD_CALIBRATION = 0x01, 0x02, 0x04, 0x08
# Byte 3 (optional)
NET_WEIGHT, INITIAL_ZERO_ERROR = 0x04, 0x08
FIXED_BITS, MORE_FOLLOWS = 0x30, 0x40


def encode(command: str) -> bytes:
    return command.encode("ascii") + CR


def framer() -> Framer:
    # No start byte: LF opens the frame but also opens its status line.
    return Framer(ETX, max_len=64)


def status_bytes(
    *,
    motion: bool = False,
    at_zero: bool = False,
    under: bool = False,
    over: bool = False,
    device_error: bool = False,
    initial_zero_error: bool = False,
) -> bytes:
    """Encode a status field (used by the simulator, and by tests as the reference)."""
    b1 = FIXED_BITS | (MOTION if motion else 0) | (AT_ZERO if at_zero else 0)
    b1 |= RAM_ERROR if device_error else 0
    b2 = FIXED_BITS | (UNDER_CAPACITY if under else 0) | (OVER_CAPACITY if over else 0)
    if not initial_zero_error:
        return bytes([b1, b2])
    return bytes([b1, b2 | MORE_FOLLOWS, FIXED_BITS | INITIAL_ZERO_ERROR])


def _decode_status(field: bytes) -> list[int] | None:
    if len(field) < 2 or len(field) > 4:
        return None
    for i, byte in enumerate(field):
        if byte & 0xB0 != FIXED_BITS:  # bits 4,5 set, bit 7 (parity, stripped) clear
            return None
        last = i == len(field) - 1
        if i == 0 and byte & MORE_FOLLOWS:
            return None
        if i >= 1 and bool(byte & MORE_FOLLOWS) == last:
            return None  # the continuation bits and the length disagree
    return list(field)


def _weight_field(field: bytes) -> tuple[str, str] | None:
    if any(not 0x20 <= b < 0x7F for b in field):
        return None
    text = field.decode("ascii").replace("_", " ").strip()
    unit_start = len(text.rstrip("abcdefghijklmnopqrstuvwxyz"))
    number, unit = text[:unit_start].strip(), text[unit_start:]
    if not unit or not number:
        return None
    return number, unit


def parse_reply(frame: bytes, sent: str | None = None) -> Parsed:
    """One NCI frame, ETX removed. `sent` is the command it answers (`W`, `S`, `Z`)."""
    if not (frame.startswith(LF) and frame.endswith(CR)) or len(frame) < 3:
        return Unreadable(frame, "frame must be <LF>...<CR><ETX>")
    parts = frame[1:-1].split(CR + LF)
    if parts == [b"?"]:
        return Fault(FaultKind.COMMAND_REJECTED, "the scale did not recognise the command")
    if len(parts) == 1:
        weight_field, status_field = None, parts[0]
    elif len(parts) == 2:
        weight_field, status_field = parts
    else:
        return Unreadable(frame, "too many lines")
    status = _decode_status(status_field)
    if status is None:
        return Unreadable(frame, "bad status bytes")
    b1, b2 = status[0], status[1]
    b3 = status[2] if len(status) > 2 else FIXED_BITS
    if b1 & (RAM_ERROR | EEPROM_ERROR) or b2 & (ROM_ERROR | BAD_CALIBRATION):
        return Fault(
            FaultKind.DEVICE_ERROR, f"scale reports a hardware fault (status {status_field!r})"
        )
    if b2 & OVER_CAPACITY:
        return Fault(FaultKind.OVERLOAD, "over capacity")
    if b2 & UNDER_CAPACITY:
        return Fault(FaultKind.UNDERLOAD, "under capacity")
    if b3 & INITIAL_ZERO_ERROR:
        return Fault(FaultKind.NOT_ZEROED, "power-up zero outside the capture range")
    if weight_field is not None:
        parsed = _weight_field(weight_field)
        if parsed is None:
            return Unreadable(frame, "bad weight field")
        number = decimal_or_none(parsed[0])
        if number is None:
            return Unreadable(frame, "bad weight number")
        grams = to_grams(number, parsed[1])
        if grams is None:
            return Fault(
                FaultKind.DEVICE_ERROR, f"scale is set to {parsed[1]!r}: set it to kg or g"
            )
        return Weight(grams, stable=not b1 & MOTION)
    if b1 & MOTION:
        return Motion()
    if sent in {ZERO, TARE, STATUS}:
        return Ack(sent)
    return Fault(FaultKind.BUSY, "status without a weight and without a reason")


def answers(parsed: Parsed, command: str) -> bool:
    # Strict request/reply with no command names in the replies: any readable frame.
    return not isinstance(parsed, Unreadable)
