"""Toledo 8217 (scanner-scale) protocol, 9600 7E1 by default.

    W -> <STX>wwwww<CR>       stable weight; no decimal point: `implied_decimals` apply
         <STX>?s<CR>          status byte s instead of a weight
    Z -> <STX>?s<CR>

The status byte has framing bits 5 and 6 that some firmware sets and some clears (the
printable `?` + '`' is common); only bits 0-4 mean anything, so they are masked before
reading the flags.
"""

from __future__ import annotations

from decimal import Decimal

from .frames import Ack, Fault, FaultKind, Motion, Parsed, Unreadable, Weight, decimal_or_none
from .framing import Framer

NAME = "toledo8217"
WEIGH = "W"
ZERO = "Z"
STX, CR = b"\x02", b"\r"

MOTION, OVER_CAPACITY, UNDER_ZERO, OUTSIDE_ZERO_CAPTURE, CENTER_OF_ZERO = 1, 2, 4, 8, 16
FLAG_MASK = 0x1F
ALWAYS_SET = 0x60


def encode(command: str) -> bytes:
    return command.encode("ascii")


def framer() -> Framer:
    return Framer(CR, start=STX, max_len=16)


def status_frame(flags: int) -> bytes:
    return STX + b"?" + bytes([ALWAYS_SET | flags]) + CR


class Toledo8217:
    """Parser for one configuration: the unit and implied decimals of the weight digits."""

    name = NAME

    def __init__(self, unit: str = "kg", implied_decimals: int = 3):
        if unit not in {"kg", "g"}:
            raise ValueError("unit must be kg or g")
        self.unit = unit
        self.implied_decimals = implied_decimals
        self._scale = Decimal(1000) if unit == "kg" else Decimal(1)

    def encode_weight(self, grams: Decimal) -> bytes:
        """The frame a scale sends for `grams` (simulator and tests)."""
        value = grams / self._scale
        digits = int((value * (Decimal(10) ** self.implied_decimals)).to_integral_value())
        return STX + f"{digits:05d}".encode() + CR

    def parse_reply(self, frame: bytes, sent: str | None = None) -> Parsed:
        if not frame.startswith(STX) or len(frame) < 2:
            return Unreadable(frame, "frame must be <STX>...<CR>")
        body = frame[1:]
        if body[:1] == b"?":
            if len(body) != 2 or body[1] >= 0x80:
                return Unreadable(frame, "status frame must be ? and one 7-bit byte")
            flags = body[1] & FLAG_MASK
            if flags & OVER_CAPACITY:
                return Fault(FaultKind.OVERLOAD, "over capacity")
            if flags & UNDER_ZERO:
                return Fault(FaultKind.UNDERLOAD, "under zero")
            if flags & OUTSIDE_ZERO_CAPTURE:
                return Fault(FaultKind.NOT_ZEROED, "outside the zero capture range")
            if flags & MOTION:
                return Motion()
            if sent == ZERO:
                return Ack(ZERO)
            return Fault(FaultKind.BUSY, "status without a weight and without a reason")
        if any(not (0x30 <= b <= 0x39 or b == 0x2E) for b in body) or not 4 <= len(body) <= 7:
            return Unreadable(frame, "weight must be 4 to 7 digits")
        number = decimal_or_none(body.decode("ascii"))
        if number is None:
            return Unreadable(frame, "bad weight number")
        if b"." not in body:
            number = number.scaleb(-self.implied_decimals)
        return Weight(number * self._scale, stable=True)

    @staticmethod
    def answers(parsed: Parsed, command: str) -> bool:
        return not isinstance(parsed, Unreadable)
