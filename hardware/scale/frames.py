"""What a scale protocol parser makes of one frame: typed, never a bare string.

Parsers are pure (bytes in, one of these out) and never raise; anything they cannot
read exactly becomes `Unreadable`, so a garbled or partial frame can never turn into a
weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class FaultKind(Enum):
    OVERLOAD = "overload"  # above capacity: the weight shown is meaningless
    UNDERLOAD = "underload"  # below zero range (platform lifted, zero drifted)
    NOT_ZEROED = "not_zeroed"  # power-up zero outside the capture range: staff must zero
    BUSY = "busy"  # the scale cannot answer now (MT-SICS `I`); transient
    DEVICE_ERROR = "device_error"  # RAM/ROM/EEPROM/calibration fault reported by the scale
    COMMAND_REJECTED = "command_rejected"  # ES/ET/EL, `<cmd> L`, NCI `?`
    NO_REPLY = "no_reply"  # nothing readable within the reply timeout


@dataclass(frozen=True, slots=True)
class Weight:
    """A weight the scale sent, in grams, exactly as printed (no float on the way)."""

    grams: Decimal
    stable: bool  # the scale's own claim; the app-side window decides for the kiosk


@dataclass(frozen=True, slots=True)
class Motion:
    """The scale says the load is moving and sends no weight (NCI status-only reply)."""


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    detail: str
    command: str = ""  # the command this answers, "" when the reply does not say


@dataclass(frozen=True, slots=True)
class Ack:
    """A command (zero, tare, clear tare) was carried out. `grams` is the tare taken."""

    command: str
    grams: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """One identification field (`I2` model and capacity, `I4` serial number)."""

    field: str
    value: str


@dataclass(frozen=True, slots=True)
class Echo:
    """The device echoed our own command back (some MT-SICS emulators do)."""

    command: str


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A frame that does not match the protocol exactly. Kept for diagnostics only."""

    raw: bytes
    reason: str


Parsed = Weight | Motion | Fault | Ack | Identity | Echo | Unreadable


def decimal_or_none(token: str) -> Decimal | None:
    """A plain decimal number as devices print it (`-12.50`, `+0.0`, `1234`), else None.

    Stricter than `Decimal()`: no exponents, NaN, Infinity, underscores or spaces,
    because a noisy line must not be read as a number by accident.
    """
    if not token or len(token) > 16:
        return None
    body = token[1:] if token[0] in "+-" else token
    if not body or body.count(".") > 1 or body in {"."}:
        return None
    if not all(c in "0123456789." for c in body):
        return None
    if body.startswith(".") or body.endswith("."):
        return None
    return Decimal(token)


_UNIT_IN_GRAMS = {"g": Decimal(1), "kg": Decimal(1000), "mg": Decimal("0.001")}


def to_grams(value: Decimal, unit: str) -> Decimal | None:
    """Exact conversion for metric units; None for units a grocery kiosk does not take."""
    factor = _UNIT_IN_GRAMS.get(unit)
    return None if factor is None else value * factor
