"""A serial scale simulator on a real pseudo-terminal: MT-SICS, NCI or Toledo 8217.

It weighs a `Load` (the `VirtualTray`, or a `PlatformLoad`) through `ScalePhysics`,
paces its bytes as a 9600 baud line would, and has switches for the faults a counter
sees: garbage bytes, a partial frame, silence, unplug and replug, overload, a stable
flag on a moving load, and the wrong baud rate on the host side.

    python -m hardware.sim.scale --protocol mtsics      # prints the pty path
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from pathlib import Path

from .pty_port import PtyPort
from .scale_load import Load, PlatformLoad
from .scale_physics import LoadCell, ScalePhysics
from .scale_wire import DEVICES, ScaleDevice, Switches

BITS_PER_CHAR = 10  # start + 7 data + parity + stop, or start + 8 + stop


class ScaleSimulator:
    def __init__(
        self,
        load: Load,
        protocol: str = "mtsics",
        *,
        baudrate: int = 9600,
        cell: LoadCell | None = None,
        link: str | Path | None = None,
        seed: int = 0,
        response_delay_s: float = 0.002,
        stream_interval_s: float = 0.05,
        pace: bool = True,
        **device_options,
    ):
        self.baudrate = baudrate
        self.physics = ScalePhysics(load, cell or LoadCell(), seed=seed)
        self.switches = Switches()
        self.device: ScaleDevice = DEVICES[protocol](self.physics, self.switches, **device_options)
        self.port = PtyPort(link)
        self.response_delay_s = response_delay_s
        self.stream_interval_s = stream_interval_s
        self.pace = pace
        self.silent = False  # swallow commands, answer nothing
        self.requests = 0
        self._garbage = 0
        self._partial = False
        self._rng = random.Random(seed + 1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sim scale {protocol}", daemon=True)

    @property
    def path(self) -> str:
        return self.port.path

    def start(self) -> ScaleSimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        self.port.close()
        self.physics.close()

    def __enter__(self) -> ScaleSimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- fault switches -----------------------------------------------------------------

    def send_garbage(self, count: int = 32) -> None:
        """Random bytes before the next reply, like a power-up or a noisy cable."""
        self._garbage = count

    def cut_next_reply(self) -> None:
        """Send only the first half of the next reply."""
        self._partial = True

    @property
    def faults_pending(self) -> bool:
        """A garbage burst or a cut reply is armed and not yet sent."""
        return bool(self._garbage or self._partial)

    def unplug(self) -> None:
        self.port.unplug()

    def replug(self) -> None:
        self.device.receive(b"")  # nothing survives a power cycle but the physics
        self.port.plug()

    # -- the device loop ----------------------------------------------------------------

    def _line_time(self, nbytes: int) -> float:
        return nbytes * BITS_PER_CHAR / self.baudrate if self.pace else 0.0

    def _run(self) -> None:
        next_stream = time.monotonic()
        while not self._stop.is_set():
            data = self.port.read(0.005)
            if data:
                self._on_bytes(data)
            if getattr(self.device, "streaming", False) and time.monotonic() >= next_stream:
                reply = self.device.stream_tick()
                if reply:
                    self._send(reply)
                next_stream = time.monotonic() + self.stream_interval_s

    def _on_bytes(self, data: bytes) -> None:
        if self.silent:
            return
        self.requests += 1
        replies = self.device.receive(data)
        wrong_speed = self.port.baudrate() not in (None, self.baudrate)
        for reply in replies:
            # The command took its time on the wire too, and the firmware a moment.
            delay = self._line_time(len(data)) + self.response_delay_s
            self._stop.wait(delay)
            if wrong_speed:
                # A UART at the wrong speed reads framing errors: bytes, but not these.
                reply = bytes(self._rng.randrange(0x80, 0x100) for _ in reply)
            self._send(reply)

    def _send(self, reply: bytes) -> None:
        if self._garbage:
            reply = bytes(self._rng.randrange(256) for _ in range(self._garbage)) + reply
            self._garbage = 0
        if self._partial:
            reply = reply[: len(reply) // 2]
            self._partial = False
        self._stop.wait(self._line_time(len(reply)))
        self.port.write(reply)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hardware.sim.scale",
        description="Run a simulated scale on a pty. Type a weight in grams + Enter to load it.",
    )
    parser.add_argument("--protocol", choices=sorted(DEVICES), default="mtsics")
    parser.add_argument("--baudrate", type=int, default=9600)
    parser.add_argument("--link", help="also keep this symlink pointing at the pty")
    parser.add_argument("--grams", type=float, default=0.0, help="load at power-up")
    args = parser.parse_args(argv)
    load = PlatformLoad(args.grams)
    with ScaleSimulator(load, args.protocol, baudrate=args.baudrate, link=args.link) as sim:
        print(sim.path, flush=True)
        print(
            f"{args.protocol} scale at {args.baudrate} baud; try:\n"
            f"  python -m hardware.scale read --url {sim.path} --protocol {args.protocol}",
            file=sys.stderr,
        )
        try:
            for line in sys.stdin:
                text = line.strip()
                try:
                    load.put(float(text))
                except ValueError:
                    print(f"not a weight in grams: {text!r}", file=sys.stderr)
            # stdin closed (run in the background): keep serving until interrupted.
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
