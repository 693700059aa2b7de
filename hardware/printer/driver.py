"""The ESC/POS printer driver: open, ask paper and cover, print, close.

The port is opened per job: a receipt printer idles most of the day, and a connection
held open across a printer power cycle is the usual cause of "printed nothing".
"""

from __future__ import annotations

import contextlib
import logging
import termios
import threading
import time
from dataclasses import dataclass

import serial

from . import escpos
from .config import EscPosPrinterConfig
from .receipt import Receipt
from .render import render_receipt
from .status import PrinterState, PrinterStatus, from_replies

log = logging.getLogger(__name__)
_PORT_ERRORS = (serial.SerialException, OSError, termios.error)


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    printed: bool
    status: PrinterStatus  # as checked before printing (after, when printed)
    detail: str


class EscPosPrinter:
    def __init__(self, config: EscPosPrinterConfig):
        self.config = config
        self._lock = threading.Lock()  # one job at a time on the wire

    def _open(self) -> serial.SerialBase:
        return serial.serial_for_url(
            self.config.url,
            baudrate=self.config.baudrate,
            timeout=0.02,
            write_timeout=10.0,
            exclusive=True,
        )

    def _ask(self, port: serial.SerialBase, request: bytes) -> int | None:
        """One real-time status byte, or None when nothing came in time."""
        with contextlib.suppress(*_PORT_ERRORS):
            port.reset_input_buffer()
        port.write(request)
        deadline = time.monotonic() + self.config.status_timeout_s
        while time.monotonic() < deadline:
            data = port.read(1)
            if data:
                return data[0]
        return None

    def _status(self, port: serial.SerialBase) -> PrinterStatus:
        return from_replies(
            self._ask(port, escpos.STATUS_OFFLINE_CAUSE), self._ask(port, escpos.STATUS_PAPER)
        )

    def status(self) -> PrinterStatus:
        with self._lock:
            try:
                port = self._open()
            except _PORT_ERRORS as exc:
                return PrinterStatus(PrinterState.DISCONNECTED, detail=str(exc))
            try:
                return self._status(port)
            except _PORT_ERRORS as exc:
                return PrinterStatus(PrinterState.DISCONNECTED, detail=str(exc))
            finally:
                port.close()

    def print_receipt(self, receipt: Receipt) -> PrintOutcome:
        job = render_receipt(
            receipt, columns=self.config.columns, qr_module_size=self.config.qr_module_size
        )
        return self.print_bytes(job)

    def print_bytes(self, job: bytes) -> PrintOutcome:
        with self._lock:
            try:
                port = self._open()
            except _PORT_ERRORS as exc:
                status = PrinterStatus(PrinterState.DISCONNECTED, detail=str(exc))
                return PrintOutcome(False, status, f"printer not reachable: {exc}")
            try:
                before = self._status(port)
                unknown_ok = (
                    before.state is PrinterState.UNKNOWN and self.config.print_when_status_unknown
                )
                if not (before.can_print or unknown_ok):
                    return PrintOutcome(False, before, f"not printed: {before.detail}")
                port.write(job)
                port.flush()
                after = self._status(port)
                if after.state is PrinterState.NOT_READY:
                    # Paper ran out or the cover opened during the job: the shopper's
                    # receipt is probably incomplete.
                    return PrintOutcome(False, after, f"job interrupted: {after.detail}")
                return PrintOutcome(True, after, "printed")
            except _PORT_ERRORS as exc:
                status = PrinterStatus(PrinterState.DISCONNECTED, detail=str(exc))
                return PrintOutcome(False, status, f"connection lost while printing: {exc}")
            finally:
                with contextlib.suppress(*_PORT_ERRORS):
                    port.close()
