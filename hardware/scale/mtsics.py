"""Mettler Toledo MT-SICS, level 0/1 subset: S, SI, SIR, Z, T, TAC, @, I2, I4.

Replies are CR LF terminated ASCII lines such as `S S     100.00 g`. Devices pad the
columns differently (and emulators more so), so lines are split on whitespace, never
cut by column. Some devices echo the command before answering; some answer `SI` with
`S S`/`S D` and some with `SI S`: both are accepted.
"""

from __future__ import annotations

from decimal import Decimal

from .frames import (
    Ack,
    Echo,
    Fault,
    FaultKind,
    Identity,
    Parsed,
    Unreadable,
    Weight,
    decimal_or_none,
    to_grams,
)
from .framing import Framer

NAME = "mtsics"
TERMINATOR = b"\r\n"

WEIGH_STABLE = "S"  # waits for stability, may answer `S I` after the device timeout
WEIGH_NOW = "SI"  # immediate, stable or dynamic
WEIGH_STREAM = "SIR"  # SI repeated until the next command
ZERO = "Z"
TARE = "T"
CLEAR_TARE = "TAC"
RESET = "@"  # also stops an SIR stream left running by a previous session
MODEL = "I2"
SERIAL_NUMBER = "I4"

_WEIGHT_HEADS = {"S", "SI", "SIR"}
_REJECTIONS = {
    "ES": "syntax error: the scale does not know this command",
    "ET": "transmission error: parity or line too long",
    "EL": "logical error: parameter not allowed",
}
_STATUS_FAULTS = {
    "I": (FaultKind.BUSY, "busy: command not executable now"),
    "+": (FaultKind.OVERLOAD, "overload"),
    "-": (FaultKind.UNDERLOAD, "underload"),
    "L": (FaultKind.COMMAND_REJECTED, "command understood but not executable"),
}


def encode(command: str) -> bytes:
    return command.encode("ascii") + TERMINATOR


def framer() -> Framer:
    # Cut at LF only: some emulators end lines with a bare LF; the CR is stripped later.
    return Framer(b"\n", max_len=160)


def _printable(line: bytes) -> str | None:
    if line.endswith(b"\r"):
        line = line[:-1]
    if any(not (0x20 <= b < 0x7F or b == 0x09) for b in line):
        return None
    return line.decode("ascii")


def parse_reply(line: bytes, sent: str | None = None) -> Parsed:
    """One MT-SICS reply line (without LF). `sent` is the command it may echo."""
    text = _printable(line)
    if text is None:
        return Unreadable(line, "non-printable bytes: noise or wrong baud rate")
    tokens = text.split()
    if not tokens:
        return Unreadable(line, "empty line")
    if sent is not None and tokens == sent.split():
        return Echo(sent)
    head = tokens[0]
    if len(tokens) == 1 and head in _REJECTIONS:
        return Fault(FaultKind.COMMAND_REJECTED, _REJECTIONS[head])
    if len(tokens) < 2:
        return Unreadable(line, "no status")
    status = tokens[1]
    if head in _WEIGHT_HEADS:
        return _weight_reply(line, tokens)
    if head == ZERO and len(tokens) == 2:
        if status == "A":
            return Ack(ZERO)
        if status in {"+", "-"}:
            return Fault(
                FaultKind.COMMAND_REJECTED, f"zero refused: outside zero range ({status})", ZERO
            )
        return _status_fault(line, ZERO, status)
    if head == TARE:
        if status == "S" and len(tokens) == 4:
            grams = _grams(tokens[2], tokens[3])
            if grams is None:
                return Unreadable(line, "bad tare value or unit")
            return Ack(TARE, grams)
        if len(tokens) == 2:
            return _status_fault(line, TARE, status)
        return Unreadable(line, "bad tare reply")
    if head == CLEAR_TARE and len(tokens) == 2:
        return Ack(CLEAR_TARE) if status == "A" else _status_fault(line, CLEAR_TARE, status)
    if head in {"I1", "I2", "I3", "I4"}:
        if status == "A":
            value = _quoted(text)
            if value is None:
                return Unreadable(line, "identification without a quoted value")
            return Identity(head, value)
        if len(tokens) == 2:
            return _status_fault(line, head, status)
    return Unreadable(line, f"not an MT-SICS reply: {head!r}")


def _weight_reply(line: bytes, tokens: list[str]) -> Parsed:
    status = tokens[1]
    if len(tokens) == 2:
        return _status_fault(line, "S", status)
    if len(tokens) != 4 or status not in {"S", "D"}:
        return Unreadable(line, "weight reply of the wrong shape")
    grams = _grams(tokens[2], tokens[3])
    if grams is None:
        return Unreadable(line, "bad weight value or unit")
    return Weight(grams, stable=status == "S")


def _status_fault(line: bytes, command: str, status: str) -> Parsed:
    if status in _STATUS_FAULTS:
        kind, detail = _STATUS_FAULTS[status]
        return Fault(kind, detail, command)
    return Unreadable(line, f"unknown status {status!r}")


def _grams(value: str, unit: str) -> Decimal | None:
    number = decimal_or_none(value)
    return None if number is None else to_grams(number, unit)


def _quoted(text: str) -> str | None:
    first, last = text.find('"'), text.rfind('"')
    if first < 0 or last <= first:
        return None
    # I2 may carry one string ("PB3002 3100.0 g") or several ("PB3002" "3100.0 g").
    return " ".join(part for part in text[first + 1 : last].split('"') if part.strip()).strip()


def answers(parsed: Parsed, command: str) -> bool:
    """Whether `parsed` is the reply to `command` (and not a stale stream line)."""
    if isinstance(parsed, Weight):
        return command in _WEIGHT_HEADS
    if isinstance(parsed, Fault):
        expected = "S" if command in _WEIGHT_HEADS else command
        if command == RESET:
            expected = SERIAL_NUMBER
        return parsed.command in {"", expected}
    if isinstance(parsed, Ack):
        return parsed.command == command
    if isinstance(parsed, Identity):
        return parsed.field == (SERIAL_NUMBER if command == RESET else command)
    return False
