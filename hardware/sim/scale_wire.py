"""The device side of each scale protocol: commands in, reply bytes out.

Written from the protocol documents independently of the parsers in `hardware.scale`,
so that a misunderstanding is not simply shared by both ends.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from .scale_physics import Sample, ScalePhysics

STX, ETX, CR, LF = b"\x02", b"\x03", b"\r", b"\n"


@dataclass
class Switches:
    """Behaviour that can be flipped while the simulator runs (from any thread)."""

    overload: bool = False  # report over capacity whatever the load
    early_stable: bool = False  # claim stable while the load still moves
    not_zeroed: bool = False  # power-up zero outside the capture range (NCI, 8217)
    extra: dict[str, bool] = field(default_factory=dict)


def _fmt(grams: Decimal, places: int) -> str:
    if grams == 0:
        grams = Decimal(0)  # no "-0.00" on a display
    return f"{grams:.{places}f}"


class ScaleDevice:
    """One protocol's firmware. `receive` returns what the device sends back."""

    name = ""

    def __init__(self, physics: ScalePhysics, switches: Switches):
        self.physics = physics
        self.switches = switches
        self._pending = b""
        self.received: deque[str] = deque(maxlen=64)  # commands seen, newest last

    def sample(self) -> Sample:
        s = self.physics.sample()
        if self.switches.overload:
            s = Sample(s.grams, s.moving, True, False)
        if self.switches.early_stable:
            s = Sample(s.grams, False, s.overload, s.underload)
        return s

    def receive(self, data: bytes) -> list[bytes]:
        self._pending += data
        replies = []
        for command in self._split():
            self.received.append(command)
            reply = self.handle(command)
            if reply:
                replies.append(reply)
        self._pending = self._pending[-256:]
        return replies

    def _split(self) -> list[str]:
        raise NotImplementedError

    def handle(self, command: str) -> bytes:
        raise NotImplementedError

    def stream_tick(self) -> bytes | None:
        """A reply to send unasked (MT-SICS SIR), if the device is streaming."""
        return None


class MtSicsDevice(ScaleDevice):
    """Quirks seen in the field: `echo` sends the command back first; `si_head` is what
    the device puts before an SI reply; `width` is the weight column width."""

    name = "mtsics"

    def __init__(
        self,
        physics: ScalePhysics,
        switches: Switches,
        *,
        echo: bool = False,
        si_head: str = "S",
        width: int = 10,
        model: str = "SIMSCALE-15 15000 g",
        serial_number: str = "0123456789",
    ):
        super().__init__(physics, switches)
        self.echo, self.si_head, self.width = echo, si_head, width
        self.model, self.serial_number = model, serial_number
        self.streaming = False

    def _split(self) -> list[str]:
        *lines, self._pending = self._pending.split(b"\n")
        return [line.rstrip(b"\r").decode("ascii", "replace").strip() for line in lines]

    def _line(self, text: str) -> bytes:
        return text.encode("ascii") + CR + LF

    def _weight(self, head: str) -> bytes:
        s = self.sample()
        if s.overload:
            return self._line(f"{head} +")
        if s.underload:
            return self._line(f"{head} -")
        status = "D" if s.moving else "S"
        value = _fmt(s.grams, 2).rjust(self.width)
        return self._line(f"{head} {status} {value} g")

    def handle(self, command: str) -> bytes:
        if not command:
            return b""
        echo = self._line(command) if self.echo else b""
        self.streaming = False  # any command ends SIR
        return echo + self._answer(command)

    def _answer(self, command: str) -> bytes:
        if command == "S":
            return self._line("S I") if self.sample().moving else self._weight("S")
        if command == "SI":
            return self._weight(self.si_head)
        if command == "SIR":
            self.streaming = True
            return self._weight(self.si_head)
        if command == "Z":
            result = self.physics.zero()
            return self._line({"ok": "Z A", "moving": "Z I", "range": "Z +"}[result])
        if command == "T":
            result, tare = self.physics.tare()
            return self._line(
                f"T S {_fmt(tare, 2).rjust(self.width)} g" if result == "ok" else "T I"
            )
        if command == "TAC":
            self.physics.clear_tare()
            return self._line("TAC A")
        if command == "@":
            return self._line(f'I4 A "{self.serial_number}"')
        if command == "I2":
            return self._line(f'I2 A "{self.model}"')
        if command == "I4":
            return self._line(f'I4 A "{self.serial_number}"')
        return self._line("ES")

    def stream_tick(self) -> bytes | None:
        return self._weight(self.si_head) if self.streaming else None


def nci_status(*, motion=False, at_zero=False, under=False, over=False, zero_error=False) -> bytes:
    b1 = 0x30 | (1 if motion else 0) | (2 if at_zero else 0)
    b2 = 0x30 | (1 if under else 0) | (2 if over else 0)
    if not zero_error:
        return bytes([b1, b2])
    return bytes([b1, b2 | 0x40, 0x30 | 0x08])


class NciDevice(ScaleDevice):
    name = "nci"

    def _split(self) -> list[str]:
        *commands, self._pending = self._pending.split(CR)
        return [c.decode("ascii", "replace").strip() for c in commands]

    def _status(self, s: Sample) -> bytes:
        return nci_status(
            motion=s.moving,
            at_zero=s.grams == 0,
            under=s.underload,
            over=s.overload,
            zero_error=self.switches.not_zeroed,
        )

    def handle(self, command: str) -> bytes:
        if command == "W":
            s = self.sample()
            status = self._status(s)
            if s.moving or s.overload or s.underload or self.switches.not_zeroed:
                return LF + status + CR + ETX
            weight = f"{_fmt(s.grams / 1000, 3)}kg".rjust(9).encode("ascii")
            return LF + weight + CR + LF + status + CR + ETX
        if command == "S":
            return LF + self._status(self.sample()) + CR + ETX
        if command == "Z":
            if self.physics.zero() == "ok":
                self.switches.not_zeroed = False
            return LF + self._status(self.sample()) + CR + ETX
        if not command:
            return b""
        return LF + b"?" + CR + ETX


class Toledo8217Device(ScaleDevice):
    """Metric 8217: five weight digits in 0.001 kg; status bits 5 and 6 always set."""

    name = "toledo8217"

    def _split(self) -> list[str]:
        commands = [chr(b) for b in self._pending if chr(b) in "WZ"]
        self._pending = b""
        return commands

    def _status(self, s: Sample) -> bytes:
        flags = 0x60
        flags |= 0x01 if s.moving else 0
        flags |= 0x02 if s.overload else 0
        flags |= 0x04 if s.underload or s.grams < 0 else 0
        flags |= 0x08 if self.switches.not_zeroed else 0
        flags |= 0x10 if s.grams == 0 else 0
        return STX + b"?" + bytes([flags]) + CR

    def handle(self, command: str) -> bytes:
        if command == "W":
            s = self.sample()
            if s.moving or s.overload or s.underload or s.grams < 0 or self.switches.not_zeroed:
                return self._status(s)
            return STX + f"{int(s.grams):05d}".encode("ascii") + CR
        if command == "Z":
            if self.physics.zero() == "ok":
                self.switches.not_zeroed = False
            return self._status(self.sample())
        return b""


DEVICES = {"mtsics": MtSicsDevice, "nci": NciDevice, "toledo8217": Toledo8217Device}
