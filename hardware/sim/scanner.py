"""A serial barcode scanner on a pseudo-terminal: `scan()` sends a code as a scanner
set to AIM identifiers and a CR suffix would; faults: noise, a cut line, unplug."""

from __future__ import annotations

import random
from pathlib import Path

from .pty_port import PtyPort

AIM_PREFIX = {"ean13": "]E0", "ean8": "]E4", "code128": "]C0", "gs1_128": "]C1", "qr": "]Q1"}


class ScannerSimulator:
    def __init__(self, link: str | Path | None = None, *, aim: bool = True, suffix: bytes = b"\r"):
        self.port = PtyPort(link)
        self.aim = aim
        self.suffix = suffix
        self._rng = random.Random(0)

    @property
    def path(self) -> str:
        return self.port.path

    def scan(self, code: str, symbology: str = "ean13") -> None:
        prefix = AIM_PREFIX.get(symbology, "]X0") if self.aim else ""
        self.port.write((prefix + code).encode("ascii") + self.suffix)

    def send_noise(self, count: int = 20) -> None:
        self.port.write(bytes(self._rng.randrange(256) for _ in range(count)))

    def send_raw(self, data: bytes) -> None:
        self.port.write(data)

    def unplug(self) -> None:
        self.port.unplug()

    def replug(self) -> None:
        self.port.plug()

    def close(self) -> None:
        self.port.close()

    def __enter__(self) -> ScannerSimulator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
