"""An ESC/POS receipt printer on a pseudo-terminal: answers the real-time status
requests (DLE EOT n) from its switches and decodes every job into `PrintedReceipt`s."""

from __future__ import annotations

import random
import threading
from pathlib import Path

from .printer_decode import EscPosDecoder, PrintedReceipt
from .pty_port import PtyPort


class PrinterSimulator:
    def __init__(self, link: str | Path | None = None, seed: int = 0):
        self.port = PtyPort(link)
        self.decoder = EscPosDecoder()
        # Switches, flipped from any thread.
        self.paper = "ok"  # "ok", "near_end", "out"
        self.cover_open = False
        self.error = False
        self.invalid_status = False  # answer status requests with a byte of the wrong shape
        self.silent_status = False  # ignore status requests (printer without DLE EOT)
        self.paper_runs_out_after: int | None = None  # lines printed before the roll ends
        self._rng = random.Random(seed)
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim printer", daemon=True)

    @property
    def path(self) -> str:
        return self.port.path

    @property
    def receipts(self) -> list[PrintedReceipt]:
        with self._changed:
            return list(self.decoder.receipts)

    def wait_for_receipts(self, count: int, timeout: float) -> list[PrintedReceipt]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.decoder.receipts) >= count, timeout)
            return list(self.decoder.receipts)

    def start(self) -> PrinterSimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        self.port.close()

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def status_byte(self, n: int) -> int:
        if self.invalid_status:
            return self._rng.choice([0x00, 0xFF, 0x80, 0x01])
        byte = 0x12
        if n == 1 and (self.cover_open or self.error or self.paper == "out"):
            byte |= 0x08  # offline
        elif n == 2:
            byte |= 0x04 if self.cover_open else 0
            byte |= 0x20 if self.paper == "out" else 0
            byte |= 0x40 if self.error else 0
        elif n == 3:
            byte |= 0x40 if self.error else 0
        elif n == 4:
            byte |= {"ok": 0, "near_end": 0x0C, "out": 0x60}[self.paper]
        return byte

    def _run(self) -> None:
        while not self._stop.is_set():
            data = self.port.read(0.005)
            if not data:
                continue
            with self._changed:
                requests = self.decoder.feed(data)
                limit = self.paper_runs_out_after
                if limit is not None and self.decoder.lines_printed >= limit:
                    self.paper = "out"
                self._changed.notify_all()
            for request in requests:
                if not self.silent_status:
                    self.port.write(bytes([self.status_byte(request.n)]))
