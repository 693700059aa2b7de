"""The one interface the transport needs from a scale protocol, and the three plugins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from . import mtsics, nci, toledo8217
from .config import MtSicsConfig, NciConfig, ScaleConfig, Toledo8217Config
from .frames import Parsed
from .framing import Framer


class ScaleProtocol(Protocol):
    name: str
    weigh: str  # polled weight request
    stream: str | None  # sent once to start streaming instead of polling
    zero: str | None
    tare: str | None
    clear_tare: str | None
    identify: tuple[str, ...]  # sent in order at connect; the first also resets the device

    def framer(self) -> Framer: ...

    def encode(self, command: str) -> bytes: ...

    def parse_reply(self, frame: bytes, sent: str | None = None) -> Parsed: ...

    def answers(self, parsed: Parsed, command: str) -> bool: ...


@dataclass(frozen=True)
class MtSics:
    stream_mode: bool = False
    name: str = mtsics.NAME
    weigh: str = mtsics.WEIGH_NOW
    zero: str | None = mtsics.ZERO
    tare: str | None = mtsics.TARE
    clear_tare: str | None = mtsics.CLEAR_TARE
    identify: tuple[str, ...] = (mtsics.RESET, mtsics.MODEL, mtsics.SERIAL_NUMBER)

    @property
    def stream(self) -> str | None:
        return mtsics.WEIGH_STREAM if self.stream_mode else None

    def framer(self) -> Framer:
        return mtsics.framer()

    def encode(self, command: str) -> bytes:
        return mtsics.encode(command)

    def parse_reply(self, frame: bytes, sent: str | None = None) -> Parsed:
        return mtsics.parse_reply(frame, sent)

    def answers(self, parsed: Parsed, command: str) -> bool:
        return mtsics.answers(parsed, command)


@dataclass(frozen=True)
class Nci:
    name: str = nci.NAME
    weigh: str = nci.WEIGH
    stream: str | None = None
    zero: str | None = nci.ZERO
    tare: str | None = nci.TARE
    clear_tare: str | None = None
    identify: tuple[str, ...] = (nci.STATUS,)

    def framer(self) -> Framer:
        return nci.framer()

    def encode(self, command: str) -> bytes:
        return nci.encode(command)

    def parse_reply(self, frame: bytes, sent: str | None = None) -> Parsed:
        return nci.parse_reply(frame, sent)

    def answers(self, parsed: Parsed, command: str) -> bool:
        return nci.answers(parsed, command)


class Toledo8217Protocol(toledo8217.Toledo8217):
    weigh = toledo8217.WEIGH
    stream = None
    zero = toledo8217.ZERO
    tare = None
    clear_tare = None
    identify = (toledo8217.WEIGH,)  # no identification command: a readable reply will do

    def framer(self) -> Framer:
        return toledo8217.framer()

    def encode(self, command: str) -> bytes:
        return toledo8217.encode(command)


def protocol_for(config: ScaleConfig) -> ScaleProtocol:
    if isinstance(config, MtSicsConfig):
        return MtSics(stream_mode=config.stream)
    if isinstance(config, NciConfig):
        return Nci()
    if isinstance(config, Toledo8217Config):
        return Toledo8217Protocol(config.unit, config.implied_decimals)
    raise TypeError(f"no scale protocol for {type(config).__name__}")
