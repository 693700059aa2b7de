"""Measure the scale path end to end over a pty at a paced 9600 baud:

* from a change of the load to the driver's first *stable* reading of the new weight
  (default driver settings: 50 ms poll, 0.3 s / 2 g stability window), next to the
  time the simulated load cell itself needs to stop moving;
* from a replug to READY and to the first stable reading again.

    python -m hardware.sim.scale_bench --changes 30 --replugs 10
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

from pydantic import TypeAdapter

from hardware.scale.config import ScaleConfig
from hardware.scale.driver import SerialScale
from hardware.scale.events import ConnectionChanged, ConnectionState, WeightReading

from .scale import ScaleSimulator
from .scale_load import PlatformLoad


class _Watch:
    def __init__(self):
        self.cond = threading.Condition()
        self.last: WeightReading | None = None
        self.state: ConnectionState | None = None

    def __call__(self, event) -> None:
        with self.cond:
            if isinstance(event, WeightReading):
                self.last = event
            elif isinstance(event, ConnectionChanged):
                self.state = event.state
            self.cond.notify_all()

    def wait(self, predicate, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)
            return time.monotonic()


def _stable_at(watch: _Watch, grams: float):
    def check() -> bool:
        r = watch.last
        return r is not None and r.stable and abs(r.grams - Decimal(repr(grams))) <= 2

    return check


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def run(protocol: str, changes: int, replugs: int, stream: bool, seed: int) -> dict:
    rng = random.Random(seed)
    load = PlatformLoad(0.0)
    with tempfile.TemporaryDirectory() as tmp:
        sim = ScaleSimulator(load, protocol, link=Path(tmp) / "scale", seed=seed).start()
        raw = {"type": protocol, "url": sim.path}
        if stream:
            raw["stream"] = True
        config = TypeAdapter(ScaleConfig).validate_python(raw)
        watch = _Watch()
        driver = SerialScale(config, watch)
        driver.start()
        try:
            watch.wait(_stable_at(watch, 0.0), 10)
            latency, physics = [], []
            current = 0.0
            for _ in range(changes):
                target = current
                while abs(target - current) < 20:
                    target = float(rng.randrange(0, 3000, 2) if rng.random() > 0.2 else 0)
                # The load cell's own settling: envelope below its motion band.
                settle = sim.physics.cell.settle_tau_s * math.log(
                    abs(target - current) / sim.physics.cell.motion_band_g
                )
                started = time.monotonic()
                load.put(target)
                done = watch.wait(_stable_at(watch, target), 10)
                if done is None:
                    raise RuntimeError(f"{protocol}: no stable {target} g within 10 s")
                latency.append(done - started)
                physics.append(settle)
                current = target
                time.sleep(rng.uniform(0.1, 0.3))  # a shopper's pause: random poll phase
            recover_ready, recover_stable = [], []
            for i in range(replugs):
                sim.unplug()
                watch.wait(lambda: watch.state is ConnectionState.ERROR, 5)
                time.sleep(1.0 + 0.3 * i)  # the cable is out for a while
                watch.last = None
                replugged = time.monotonic()
                sim.replug()
                ready = watch.wait(lambda: watch.state is ConnectionState.READY, 15)
                stable = watch.wait(_stable_at(watch, current), 15)
                recover_ready.append(ready - replugged)
                recover_stable.append(stable - replugged)
        finally:
            driver.stop()
            sim.stop()
    return {
        "latency": latency,
        "physics": physics,
        "overhead": [a - b for a, b in zip(latency, physics, strict=True)],
        "recover_ready": recover_ready,
        "recover_stable": recover_stable,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hardware.sim.scale_bench")
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--replugs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    cases = [("mtsics", False), ("mtsics", True), ("nci", False), ("toledo8217", False)]
    print("9600 baud, paced; default driver timing; times in ms (median / p95)")
    for protocol, stream in cases:
        result = run(protocol, args.changes, args.replugs, stream, args.seed)
        name = protocol + (" SIR" if stream else "")

        def fmt(key: str, result=result) -> str:
            v = result[key]
            return f"{statistics.median(v) * 1000:6.0f} / {_pct(v, 0.95) * 1000:6.0f}"

        print(
            f"{name:14s} change->stable {fmt('latency')}   load cell settles {fmt('physics')}"
            f"   driver overhead {fmt('overhead')}"
        )
        if args.replugs:
            print(
                f"{'':14s} replug->READY {fmt('recover_ready')}"
                f"   replug->stable {fmt('recover_stable')}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
