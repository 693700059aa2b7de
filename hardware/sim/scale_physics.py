"""How a load cell behaves, for the scale simulator: a damped settle after each change,
noise at the scale's resolution, slow drift, and the scale's own motion detection."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from .scale_load import Load, ObservableLoad


@dataclass(frozen=True)
class LoadCell:
    resolution_g: Decimal = Decimal(2)  # display division d
    capacity_g: Decimal = Decimal(15000)
    noise_g: float = 0.3  # standard deviation before rounding to d
    drift_g_per_min: float = 0.2  # temperature creep; cancelled by zeroing
    settle_tau_s: float = 0.12  # time constant of the settling envelope
    ringing_hz: float = 4.0  # the platform rocks while it settles
    motion_band_g: float = 1.0  # envelope above this: the scale reports motion
    zero_range_g: Decimal = Decimal(300)  # zero refused when further than this from power-up zero
    # Automatic zero tracking, as legal-for-trade scales do: near zero and still, the zero
    # follows slow drift by at most this many divisions per second.
    auto_zero_d_per_s: float = 0.5


@dataclass(frozen=True, slots=True)
class Sample:
    grams: Decimal  # net, rounded to the resolution
    moving: bool
    overload: bool
    underload: bool


class ScalePhysics:
    def __init__(
        self,
        load: Load,
        cell: LoadCell | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        seed: int = 0,
    ):
        self.cell = cell or LoadCell()
        self._load = load
        self._clock = clock
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        now = clock()
        self._started = now
        self._target = float(load.true_weight_g())
        self._from = self._target
        self._changed_at = now - 60.0  # long settled at power-up
        self._zero_offset = 0.0
        self._tare = 0.0
        self._last_sample = now
        self._unsubscribe = None
        if isinstance(load, ObservableLoad):
            self._unsubscribe = load.subscribe(lambda _event: self._follow_load())

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _follow_load(self) -> None:
        with self._lock:
            self._retarget(self._clock())

    def _retarget(self, now: float) -> None:
        target = float(self._load.true_weight_g())
        if target != self._target:
            self._from = self._mechanical(now)
            self._target = target
            self._changed_at = now

    def _envelope(self, now: float) -> float:
        age = now - self._changed_at
        return abs(self._from - self._target) * math.exp(-age / self.cell.settle_tau_s)

    def _mechanical(self, now: float) -> float:
        """Gross load the cell feels, without noise: target plus a damped ringing."""
        age = now - self._changed_at
        ring = math.cos(2 * math.pi * self.cell.ringing_hz * age)
        offset = (self._from - self._target) * math.exp(-age / self.cell.settle_tau_s) * ring
        drift = self.cell.drift_g_per_min * (now - self._started) / 60.0
        return self._target + offset + drift

    def sample(self) -> Sample:
        with self._lock:
            now = self._clock()
            self._retarget(now)  # also catches loads that offer no subscription
            mechanical = self._mechanical(now)
            moving = self._envelope(now) > self.cell.motion_band_g
            self._track_zero(mechanical, moving, now)
            gross = mechanical + self._rng.gauss(0.0, self.cell.noise_g)
            net = gross - self._zero_offset - self._tare
        d = self.cell.resolution_g
        grams = (Decimal(repr(net)) / d).quantize(Decimal(1), rounding=ROUND_HALF_EVEN) * d
        overload = Decimal(repr(gross - self._zero_offset)) > self.cell.capacity_g + 9 * d
        underload = Decimal(repr(gross - self._zero_offset)) < -20 * d
        return Sample(grams, moving, overload, underload)

    def _track_zero(self, mechanical: float, moving: bool, now: float) -> None:
        elapsed, self._last_sample = now - self._last_sample, now
        d = float(self.cell.resolution_g)
        off = mechanical - self._zero_offset
        if moving or self._tare or abs(off) > d:
            return
        step = self.cell.auto_zero_d_per_s * d * elapsed
        self._zero_offset += max(-step, min(step, off))

    def zero(self) -> str:
        """'ok', 'moving', or 'range' (too far from the power-up zero to be zeroed)."""
        with self._lock:
            now = self._clock()
            if self._envelope(now) > self.cell.motion_band_g:
                return "moving"
            gross = self._mechanical(now)
            if abs(Decimal(repr(gross))) > self.cell.zero_range_g:
                return "range"
            self._zero_offset = gross
            self._tare = 0.0
            return "ok"

    def tare(self) -> tuple[str, Decimal]:
        with self._lock:
            now = self._clock()
            if self._envelope(now) > self.cell.motion_band_g:
                return "moving", Decimal(0)
            self._tare = self._mechanical(now) - self._zero_offset
            d = self.cell.resolution_g
            tare = (Decimal(repr(self._tare)) / d).quantize(Decimal(1)) * d
            return "ok", tare

    def clear_tare(self) -> None:
        with self._lock:
            self._tare = 0.0
