"""Scale configuration: one pydantic model per protocol, chosen by the `type` key.

Defaults are the factory settings of each family, so a config usually names only the
`type` and the `url`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleTiming(_Strict):
    poll_interval_s: float = Field(0.05, gt=0, description="Pause between weight requests.")
    reply_timeout_s: float = Field(
        0.5, gt=0, description="Wait this long for the reply to one command."
    )
    silence_timeout_s: float = Field(
        2.0,
        gt=0,
        description="No readable frame for this long: close the port and reconnect.",
    )
    backoff_initial_s: float = Field(0.2, gt=0, description="First wait before reopening.")
    backoff_max_s: float = Field(5.0, gt=0, description="Cap of the doubling reopen wait.")


class StabilityConfig(_Strict):
    """The app-side check: some scales call "stable" while the load still rocks."""

    span_s: float = Field(0.3, ge=0, description="Readings must agree over this long.")
    tolerance_g: Decimal = Field(
        Decimal(2), ge=0, description="Largest spread (max - min) allowed within the span."
    )


class _SerialScale(_Strict):
    url: str = Field(
        description="pyserial URL: /dev/serial/by-id/..., /dev/ttyUSB0, socket://host:port"
    )
    baudrate: int = Field(9600, gt=0)
    bytesize: Literal[7, 8] = 7
    parity: Literal["N", "E", "O"] = "E"
    stopbits: Literal[1, 2] = 1
    timing: ScaleTiming = ScaleTiming()
    stability: StabilityConfig = StabilityConfig()

    @property
    def line_settings(self) -> str:
        return f"{self.baudrate} {self.bytesize}{self.parity}{self.stopbits}"


class MtSicsConfig(_SerialScale):
    type: Literal["mtsics"] = "mtsics"
    bytesize: Literal[7, 8] = 8  # MT-SICS factory default is 9600 8N1
    parity: Literal["N", "E", "O"] = "N"
    stream: bool = Field(
        False, description="Use SIR streaming instead of polling with SI (lower latency)."
    )


class NciConfig(_SerialScale):
    type: Literal["nci"] = "nci"


class Toledo8217Config(_SerialScale):
    type: Literal["toledo8217"] = "toledo8217"
    unit: Literal["kg", "g"] = Field("kg", description="Unit the scale is set to.")
    implied_decimals: int = Field(
        3, ge=0, le=4, description="Decimals implied in the weight digits (kg: 3 = grams)."
    )


ScaleConfig = Annotated[MtSicsConfig | NciConfig | Toledo8217Config, Field(discriminator="type")]
