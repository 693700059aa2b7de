"""Serial barcode scanners: each scan is a line ended by CR, LF or CR LF."""

from __future__ import annotations

import contextlib
import logging
import termios
import threading
import time
from collections.abc import Callable

import serial

from ..connection import Backoff, ConnectionState, pause_before_reopen
from .config import SerialScannerConfig
from .symbology import Scan, UnreadableScan, parse_scan

log = logging.getLogger(__name__)
_PORT_ERRORS = (serial.SerialException, OSError, termios.error)


class ScanLines:
    """Bytes -> lines. CR, LF and CR LF all end a scan; a CR LF is one end, not two."""

    def __init__(self, max_len: int = 512):
        self._buf = bytearray()
        self._max_len = max_len

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[bytes]:
        lines = []
        for byte in data:
            if byte in (0x0D, 0x0A):
                if self._buf:
                    lines.append(bytes(self._buf))
                    self._buf.clear()
            elif len(self._buf) < self._max_len:
                self._buf.append(byte)
            else:
                self._buf.clear()  # a runaway line is noise, not a barcode
        return lines


class SerialScanner:
    def __init__(
        self,
        config: SerialScannerConfig,
        on_scan: Callable[[Scan | UnreadableScan], None],
        on_state: Callable[[ConnectionState, str], None] = lambda state, detail: None,
    ):
        self.config = config
        self._on_scan, self._on_state = on_scan, on_state
        self._backoff = Backoff(config.backoff_initial_s, config.backoff_max_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = ConnectionState.DISCONNECTED

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"scanner {self.config.url}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    def _set(self, state: ConnectionState, detail: str) -> None:
        self.state = state
        try:
            self._on_state(state, detail)
        except Exception:
            log.exception("scanner state handler failed")

    def _run(self) -> None:
        while not self._stop.is_set():
            self._set(ConnectionState.CONNECTING, self.config.url)
            try:
                port = serial.serial_for_url(
                    self.config.url, baudrate=self.config.baudrate, timeout=0.05, exclusive=True
                )
            except (*_PORT_ERRORS, ValueError) as exc:
                self._set(ConnectionState.ERROR, f"cannot open {self.config.url}: {exc}")
                pause_before_reopen(self._stop, self.config.url, self._backoff.next())
                continue
            self._backoff.reset()
            self._set(ConnectionState.READY, self.config.url)
            lines = ScanLines()
            try:
                while not self._stop.is_set():
                    data = port.read(max(1, port.in_waiting))
                    for line in lines.feed(data):
                        self._deliver(parse_scan(line, self.config.url, time.monotonic()))
            except (*_PORT_ERRORS, TypeError) as exc:
                # A scanner is silent between scans, so only an error means "gone".
                self._set(ConnectionState.ERROR, f"{self.config.url}: {exc}")
                pause_before_reopen(self._stop, self.config.url, self._backoff.next())
            finally:
                with contextlib.suppress(*_PORT_ERRORS):
                    port.close()
        self._set(ConnectionState.DISCONNECTED, "stopped")

    def _deliver(self, scan: Scan | UnreadableScan) -> None:
        try:
            self._on_scan(scan)
        except Exception:
            log.exception("scan handler failed on %r", scan)
