"""Reading ESC/POS back into what a shopper would see: lines of text with their
alignment and size, QR codes, cuts. Written from the command reference, not from our
encoder, so a wrong byte in the encoder shows up as a wrong decoded receipt."""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, FS, DLE, LF = 0x1B, 0x1D, 0x1C, 0x10, 0x0A


@dataclass(frozen=True, slots=True)
class PrintedLine:
    text: str
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass
class PrintedReceipt:
    lines: list[PrintedLine] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    cut: bool = False
    unknown: list[bytes] = field(default_factory=list)  # commands we could not read

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True, slots=True)
class StatusRequest:
    n: int  # DLE EOT n


class EscPosDecoder:
    """Incremental: feed any chunks; complete receipts appear in `receipts` at each cut."""

    def __init__(self):
        self._buf = bytearray()
        self._text = bytearray()
        self.receipts: list[PrintedReceipt] = []
        self.current = PrintedReceipt()
        self._reset_style()
        self._qr_store = b""
        self.lines_printed = 0  # over the decoder's life: paper used

    def _reset_style(self) -> None:
        self.align, self.bold, self.width, self.height = "left", False, 1, 1
        self.chinese = True  # printers sold in China power up in Chinese mode

    def feed(self, data: bytes) -> list[StatusRequest]:
        self._buf += data
        requests: list[StatusRequest] = []
        while self._buf:
            used = self._step(requests)
            if used == 0:
                break  # an incomplete command: wait for more bytes
            del self._buf[:used]
        return requests

    def _emit_line(self) -> None:
        encoding = "gb18030" if self.chinese else "cp437"
        text = bytes(self._text).decode(encoding, "replace")
        self.current.lines.append(PrintedLine(text, self.align, self.bold, self.width, self.height))
        self._text.clear()
        self.lines_printed += 1

    def _step(self, requests: list[StatusRequest]) -> int:
        b = self._buf
        first = b[0]
        if first == LF:
            self._emit_line()
            return 1
        if first == DLE:
            if len(b) < 3:
                return 0
            if b[1] == 0x04:
                requests.append(StatusRequest(b[2]))
                return 3
            self.current.unknown.append(bytes(b[:2]))
            return 2
        if first == ESC:
            if len(b) < 2:
                return 0
            op = b[1]
            if op == ord("@"):
                self._reset_style()
                return 2
            if op in (ord("a"), ord("E"), ord("d"), ord("t"), ord("-"), ord("!")):
                if len(b) < 3:
                    return 0
                n = b[2]
                if op == ord("a"):
                    self.align = {0: "left", 1: "center", 2: "right"}.get(n % 48, "left")
                elif op == ord("E"):
                    self.bold = bool(n & 1)
                elif op == ord("d"):
                    for _ in range(n):
                        self._emit_line()
                return 3
            self.current.unknown.append(bytes(b[:2]))
            return 2
        if first == FS:
            if len(b) < 2:
                return 0
            if b[1] == ord("&"):
                self.chinese = True
            elif b[1] == ord("."):
                self.chinese = False
            else:
                self.current.unknown.append(bytes(b[:2]))
            return 2
        if first == GS:
            return self._gs()
        if first < 0x20 and first not in (0x09,):
            self.current.unknown.append(bytes(b[:1]))
            return 1
        self._text.append(first)
        return 1

    def _gs(self) -> int:
        b = self._buf
        if len(b) < 2:
            return 0
        op = b[1]
        if op == ord("!"):
            if len(b) < 3:
                return 0
            self.width, self.height = (b[2] >> 4) + 1, (b[2] & 0x0F) + 1
            return 3
        if op == ord("V"):
            if len(b) < 3:
                return 0
            used = 4 if b[2] in (65, 66, 97, 98) else 3
            if len(b) < used:
                return 0
            if self._text:
                self._emit_line()
            self.current.cut = True
            self.receipts.append(self.current)
            self.current = PrintedReceipt()
            return used
        if op == ord("(") and len(b) >= 3 and b[2] == ord("k"):
            if len(b) < 5:
                return 0
            size = b[3] | b[4] << 8
            if len(b) < 5 + size:
                return 0
            body = bytes(b[5 : 5 + size])
            if body[:1] == b"1" and len(body) >= 2:
                fn = body[1]
                if fn == 80:  # store: cn fn m data
                    self._qr_store = body[3:]
                elif fn == 81:  # print what was stored
                    self.current.qr_codes.append(self._qr_store.decode("utf-8", "replace"))
            return 5 + size
        self.current.unknown.append(bytes(b[:2]))
        return 2


def decode(job: bytes) -> list[PrintedReceipt]:
    """All receipts in a finished job (a trailing one without a cut included)."""
    decoder = EscPosDecoder()
    decoder.feed(job)
    tail = decoder.current
    return decoder.receipts + ([tail] if tail.lines or tail.qr_codes else [])
