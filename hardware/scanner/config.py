"""Scanner configuration, one model per kind, chosen by `type`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SerialScannerConfig(_Strict):
    type: Literal["serial"] = "serial"
    url: str = Field(description="pyserial URL, e.g. /dev/serial/by-id/usb-...-if00")
    baudrate: int = Field(9600, gt=0)
    backoff_initial_s: float = Field(0.5, gt=0)
    backoff_max_s: float = Field(5.0, gt=0)


class EvdevScannerConfig(_Strict):
    type: Literal["evdev"] = "evdev"
    device: str = Field(description="/dev/input/by-id/usb-...-event-kbd")
    grab: bool = Field(True, description="Read exclusively: keys never reach the UI.")


ScannerConfig = Annotated[SerialScannerConfig | EvdevScannerConfig, Field(discriminator="type")]
