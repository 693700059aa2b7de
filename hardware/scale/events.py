"""What the scale driver reports to the kiosk, through its `on_event` callback."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..connection import ConnectionState
from .frames import FaultKind

__all__ = [
    "CommandOutcome",
    "ConnectionChanged",
    "ConnectionState",
    "ScaleEvent",
    "ScaleFaulted",
    "ScaleIdentity",
    "ScaleMotion",
    "WeightReading",
]


@dataclass(frozen=True, slots=True)
class ScaleIdentity:
    protocol: str
    url: str
    model: str = ""
    serial_number: str = ""

    def describe(self) -> str:
        parts = [self.model or f"{self.protocol} scale"]
        if self.serial_number:
            parts.append(f"SN {self.serial_number}")
        parts.append(f"on {self.url}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class WeightReading:
    """A weight in exact grams. `stable` is what the kiosk should trust: the scale said
    stable *and* the app-side window agreed; `device_stable` is the scale's own claim."""

    grams: Decimal
    stable: bool
    device_stable: bool
    at: float  # time.monotonic() when the frame was read


@dataclass(frozen=True, slots=True)
class ScaleMotion:
    """The scale reports motion without a weight (NCI, Toledo 8217)."""

    at: float


@dataclass(frozen=True, slots=True)
class ScaleFaulted:
    """Reported once when a fault starts (not on every poll while it lasts)."""

    kind: FaultKind
    detail: str
    at: float


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    state: ConnectionState
    detail: str
    at: float
    identity: ScaleIdentity | None = None


ScaleEvent = WeightReading | ScaleMotion | ScaleFaulted | ConnectionChanged


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """Result of zero / tare / clear tare, after the scale's reply was checked."""

    command: str
    ok: bool
    detail: str
    tare_g: Decimal | None = None
