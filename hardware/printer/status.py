"""Reading the printer's real-time status bytes (DLE EOT n). Pure and strict: a byte
whose fixed bits are wrong is not a status, so its flags are unknown, never "OK"."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# Every DLE EOT reply has bit 1 and bit 4 set, bits 0 and 7 clear.
_FIXED_MASK, _FIXED_VALUE = 0x93, 0x12


class PaperState(Enum):
    OK = "ok"
    NEAR_END = "near_end"  # still prints; staff should change the roll soon
    OUT = "out"
    UNKNOWN = "unknown"


class PrinterState(Enum):
    READY = "ready"
    NOT_READY = "not_ready"  # answered: paper out, cover open, error
    UNKNOWN = "unknown"  # no or invalid answer
    DISCONNECTED = "disconnected"  # port cannot be opened


def valid(byte: int | None) -> bool:
    return byte is not None and byte & _FIXED_MASK == _FIXED_VALUE


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    state: PrinterState
    paper: PaperState = PaperState.UNKNOWN
    cover_open: bool | None = None
    error: bool | None = None
    detail: str = ""

    @property
    def can_print(self) -> bool:
        return self.state is PrinterState.READY


def paper_state(byte: int | None) -> PaperState:
    """DLE EOT 4: bits 5,6 paper end; bits 2,3 paper near end."""
    if not valid(byte):
        return PaperState.UNKNOWN
    if byte & 0x60:
        return PaperState.OUT
    if byte & 0x0C:
        return PaperState.NEAR_END
    return PaperState.OK


def from_replies(offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """Combine DLE EOT 2 (offline cause) and DLE EOT 4 (paper sensor) replies."""
    paper_now = paper_state(paper)
    if not valid(offline_cause):
        what = "no reply" if offline_cause is None else f"invalid reply 0x{offline_cause:02x}"
        return PrinterStatus(PrinterState.UNKNOWN, paper_now, detail=f"offline cause: {what}")
    cover_open = bool(offline_cause & 0x04)
    error = bool(offline_cause & 0x40)
    paper_stop = bool(offline_cause & 0x20)
    if paper_stop:
        paper_now = PaperState.OUT
    problems = [
        name
        for name, on in (
            ("cover open", cover_open),
            ("printer error", error),
            ("paper out", paper_now is PaperState.OUT),
        )
        if on
    ]
    if problems:
        return PrinterStatus(
            PrinterState.NOT_READY, paper_now, cover_open, error, ", ".join(problems)
        )
    if paper_now is PaperState.UNKNOWN:
        return PrinterStatus(
            PrinterState.UNKNOWN, paper_now, cover_open, error, "paper sensor: no valid reply"
        )
    # ready says it all; the paper's state is in `paper` (staff read "ready, paper ok")
    return PrinterStatus(PrinterState.READY, paper_now, cover_open, error)
