"""Keyboard-wedge scanners: key events -> scanned lines.

The scanner types the code as a US keyboard and presses Enter. `KeyDecoder` is pure
(Linux key codes in, lines out); `EvdevScanner` reads the input device through the
optional `evdev` package and grabs it exclusively, so the codes never reach the
kiosk's text fields as stray keystrokes.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time
from collections.abc import Callable

from ..connection import Backoff, ConnectionState, pause_before_reopen
from .symbology import Scan, UnreadableScan, parse_scan

log = logging.getLogger(__name__)

# linux/input-event-codes.h, US layout: code -> (plain, shifted)
_KEYS: dict[int, tuple[str, str]] = {
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"),
    7: ("6", "^"), 8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"),
    12: ("-", "_"), 13: ("=", "+"), 15: ("\t", "\t"),
    16: ("q", "Q"), 17: ("w", "W"), 18: ("e", "E"), 19: ("r", "R"), 20: ("t", "T"),
    21: ("y", "Y"), 22: ("u", "U"), 23: ("i", "I"), 24: ("o", "O"), 25: ("p", "P"),
    26: ("[", "{"), 27: ("]", "}"),
    30: ("a", "A"), 31: ("s", "S"), 32: ("d", "D"), 33: ("f", "F"), 34: ("g", "G"),
    35: ("h", "H"), 36: ("j", "J"), 37: ("k", "K"), 38: ("l", "L"), 39: (";", ":"),
    40: ("'", '"'), 41: ("`", "~"), 43: ("\\", "|"),
    44: ("z", "Z"), 45: ("x", "X"), 46: ("c", "C"), 47: ("v", "V"), 48: ("b", "B"),
    49: ("n", "N"), 50: ("m", "M"), 51: (",", "<"), 52: (".", ">"), 53: ("/", "?"),
    55: ("*", "*"), 57: (" ", " "),
    71: ("7", "7"), 72: ("8", "8"), 73: ("9", "9"), 74: ("-", "-"), 75: ("4", "4"),
    76: ("5", "5"), 77: ("6", "6"), 78: ("+", "+"), 79: ("1", "1"), 80: ("2", "2"),
    81: ("3", "3"), 82: ("0", "0"), 83: (".", "."), 98: ("/", "/"),
}  # fmt: skip
KEY_ENTER, KEY_KPENTER = 28, 96
_SHIFTS = {42, 54}  # left, right
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2


class KeyDecoder:
    def __init__(self, max_len: int = 256):
        self._chars: list[str] = []
        self._shift = False
        self._max_len = max_len

    def key(self, code: int, value: int) -> bytes | None:
        """One EV_KEY event; returns a finished line at Enter."""
        if code in _SHIFTS:
            self._shift = value != KEY_UP
            return None
        if value != KEY_DOWN:
            return None  # releases, and auto-repeat from a scanner left "pressed"
        if code in (KEY_ENTER, KEY_KPENTER):
            line = "".join(self._chars).encode("ascii")
            self._chars.clear()
            return line
        pair = _KEYS.get(code)
        if pair is not None and len(self._chars) < self._max_len:
            self._chars.append(pair[1] if self._shift else pair[0])
        return None


class EvdevScanner:
    """Reads a keyboard-wedge scanner at `device` (prefer /dev/input/by-id/...-event-kbd)."""

    def __init__(
        self,
        device: str,
        on_scan: Callable[[Scan | UnreadableScan], None],
        on_state: Callable[[ConnectionState, str], None] = lambda state, detail: None,
        *,
        grab: bool = True,
        backoff: Backoff | None = None,
    ):
        try:
            import evdev  # noqa: F401  (optional dependency, checked at construction)
        except ImportError as exc:
            raise RuntimeError(
                "keyboard-wedge scanners need the evdev package:"
                " pip install 'checkout-kiosk[scanner]'"
            ) from exc
        self.device = device
        self._on_scan, self._on_state = on_scan, on_state
        self._grab = grab
        self._backoff = backoff or Backoff(0.5, 5.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"scanner {self.device}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)

    def _run(self) -> None:
        import evdev

        while not self._stop.is_set():
            self._on_state(ConnectionState.CONNECTING, self.device)
            try:
                dev = evdev.InputDevice(self.device)
                if self._grab:
                    dev.grab()  # exclusive: keystrokes stop reaching the desktop
            except OSError as exc:
                self._on_state(ConnectionState.ERROR, f"cannot open {self.device}: {exc}")
                pause_before_reopen(self._stop, self.device, self._backoff.next())
                continue
            self._backoff.reset()
            self._on_state(ConnectionState.READY, dev.name)
            decoder = KeyDecoder()
            try:
                while not self._stop.is_set():
                    ready, _, _ = select.select([dev.fd], [], [], 0.1)
                    if not ready:
                        continue
                    for event in dev.read():
                        if event.type != evdev.ecodes.EV_KEY:
                            continue
                        line = decoder.key(event.code, event.value)
                        if line is not None:
                            self._on_scan(parse_scan(line, self.device, time.monotonic()))
            except OSError as exc:  # unplugged: ENODEV
                self._on_state(ConnectionState.ERROR, f"{self.device}: {exc}")
                pause_before_reopen(self._stop, self.device, self._backoff.next())
            finally:
                with contextlib.suppress(OSError):
                    dev.close()
        self._on_state(ConnectionState.DISCONNECTED, "stopped")
