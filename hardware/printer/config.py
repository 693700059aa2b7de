"""Receipt printer configuration, chosen by `type`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EscPosPrinterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["escpos"] = "escpos"
    url: str = Field(
        description="pyserial URL: /dev/serial/by-id/... for serial/USB-serial printers,"
        " socket://192.168.1.50:9100 for network printers."
    )
    baudrate: int = Field(19200, gt=0)
    columns: int = Field(48, ge=24, le=64, description="48 for 80 mm paper, 32 for 58 mm.")
    qr_module_size: int = Field(6, ge=1, le=16)
    status_timeout_s: float = Field(0.5, gt=0, description="Wait per status reply.")
    print_when_status_unknown: bool = Field(
        False,
        description="Print even when the status cannot be read (printers without"
        " DLE EOT support). Off: the kiosk offers the e-receipt instead.",
    )


# One plugin so far; a second (a USB printer-class device, a PDF for tests) joins this as a
# discriminated union on `type`, like the scale configs.
PrinterConfig = EscPosPrinterConfig
