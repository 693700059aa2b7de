"""One open connection to a scale: send a command, read frames until its reply.

Synchronous and short on purpose: the driver thread and the by-hand command both use
it. It owns nothing beyond the open port; reconnecting is the driver's job.
"""

from __future__ import annotations

import contextlib
import termios
import time
from collections.abc import Callable

import serial

from .config import ScaleConfig
from .events import ScaleIdentity
from .frames import Echo, Identity, Parsed, Unreadable
from .protocol import ScaleProtocol

_READ_SLICE_S = 0.02  # port read timeout: bounds how late a stop request is noticed


# termios.error is not an OSError: tcflush on a pulled USB adapter raises it (EIO).
PORT_ERRORS = (serial.SerialException, OSError, termios.error)


class LinkLost(Exception):
    """The port failed (unplugged, closed by the other side, I/O error)."""


class NoReply(Exception):
    """Nothing readable came back in time; the message says what was tried."""


def open_port(config: ScaleConfig) -> serial.SerialBase:
    try:
        return serial.serial_for_url(
            config.url,
            baudrate=config.baudrate,
            bytesize=config.bytesize,
            parity=config.parity,
            stopbits=config.stopbits,
            timeout=_READ_SLICE_S,
            write_timeout=1.0,
            # flock: a second program on the same scale would steal half the replies.
            exclusive=True,
        )
    except (*PORT_ERRORS, ValueError) as exc:
        raise LinkLost(f"cannot open {config.url}: {exc}") from exc


class ScaleLink:
    def __init__(
        self,
        port: serial.SerialBase,
        protocol: ScaleProtocol,
        config: ScaleConfig,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.port = port
        self.protocol = protocol
        self.config = config
        self.clock = clock
        self.framer = protocol.framer()
        self.unreadable = 0  # frames refused since open: noise, wrong baud, partial frames
        self.last_unreadable: Unreadable | None = None

    @classmethod
    def open(cls, config: ScaleConfig, protocol: ScaleProtocol) -> ScaleLink:
        return cls(open_port(config), protocol, config)

    def close(self) -> None:
        with contextlib.suppress(*PORT_ERRORS):  # gone with the cable
            self.port.close()

    def send(self, command: str) -> None:
        try:
            self.port.write(self.protocol.encode(command))
        except PORT_ERRORS as exc:
            raise LinkLost(f"write failed: {exc}") from exc

    def read_frames(self, sent: str | None = None) -> list[Parsed]:
        """What arrived within one read slice (possibly nothing), parsed."""
        try:
            data = self.port.read(max(1, self.port.in_waiting))
        except (*PORT_ERRORS, TypeError) as exc:
            # TypeError: pyserial on a pty whose other side vanished mid-read.
            raise LinkLost(f"read failed: {exc}") from exc
        parsed = [self.protocol.parse_reply(frame, sent) for frame in self.framer.feed(data)]
        for item in parsed:
            if isinstance(item, Unreadable):
                self.unreadable += 1
                self.last_unreadable = item
        return parsed

    def exchange(self, command: str, timeout: float) -> tuple[Parsed, list[Parsed]]:
        """Send `command`; return its reply and everything else read meanwhile."""
        # NCI and 8217 replies do not name their command: a reply that came in late
        # for the previous request must not be taken for this one's.
        try:
            self.port.reset_input_buffer()
        except PORT_ERRORS as exc:
            raise LinkLost(f"flush failed: {exc}") from exc
        self.framer.reset()
        self.send(command)
        deadline = self.clock() + timeout
        others: list[Parsed] = []
        while self.clock() < deadline:
            for item in self.read_frames(command):
                if self.protocol.answers(item, command):
                    return item, others
                if not isinstance(item, Echo):
                    others.append(item)
        raise NoReply(self.no_reply_message(command))

    def no_reply_message(self, command: str) -> str:
        message = (
            f"no reply from the scale at {self.config.line_settings} on {self.config.url}"
            f" (protocol {self.protocol.name}, command {command!r})"
        )
        stray = self.framer.dropped + self.framer.pending
        if self.unreadable or stray:
            message += (
                f"; received {self.unreadable} unreadable frames and"
                f" {stray} stray bytes: check the baud rate and parity"
            )
        return message

    def identify(self, timeout: float) -> ScaleIdentity:
        """Run the protocol's identification commands; at least one must be answered."""
        fields: dict[str, str] = {}
        answered = False
        for command in self.protocol.identify:
            try:
                reply, _ = self.exchange(command, timeout)
            except NoReply:
                continue
            answered = True
            if isinstance(reply, Identity):
                fields[reply.field] = reply.value
        if not answered:
            raise NoReply(self.no_reply_message(" ".join(self.protocol.identify)))
        return ScaleIdentity(
            protocol=self.protocol.name,
            url=self.config.url,
            model=fields.get("I2", ""),
            serial_number=fields.get("I4", ""),
        )
