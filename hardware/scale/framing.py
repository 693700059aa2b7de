"""Cutting a byte stream into frames. Serial reads end wherever the OS buffer ends,
so a frame may arrive in any number of pieces; the framer makes that invisible."""

from __future__ import annotations


class Framer:
    """Collects bytes and returns complete frames (terminator not included).

    `start`: when set, bytes before it are line noise and dropped, and a second start
    inside a frame restarts it (the first was cut short). `max_len` bounds memory when
    a device babbles without ever sending a terminator.
    """

    def __init__(self, terminator: bytes, *, start: bytes | None = None, max_len: int = 128):
        self._terminator = terminator
        self._start = start
        self._max_len = max_len
        self._buf = bytearray()
        self.dropped = 0  # bytes thrown away as noise, for diagnostics

    @property
    def pending(self) -> int:
        """Bytes of an unfinished frame."""
        return len(self._buf)

    def reset(self) -> None:
        """Forget a partial frame: after a reconnect its beginning belongs to another life."""
        self.dropped += len(self._buf)
        self._buf.clear()

    def feed(self, data: bytes) -> list[bytes]:
        frames: list[bytes] = []
        for byte in data:
            self._buf.append(byte)
            if self._start is not None:
                if self._buf[: len(self._start)] != self._start[: len(self._buf)]:
                    self.dropped += len(self._buf)
                    self._buf.clear()
                    continue
                if len(self._buf) > len(self._start) and self._buf.endswith(self._start):
                    # A new start before the terminator: the previous frame was partial.
                    self.dropped += len(self._buf) - len(self._start)
                    del self._buf[: -len(self._start)]
                    continue
            if self._buf.endswith(self._terminator):
                frames.append(bytes(self._buf[: -len(self._terminator)]))
                self._buf.clear()
            elif len(self._buf) > self._max_len:
                self.dropped += len(self._buf)
                self._buf.clear()
        return frames
