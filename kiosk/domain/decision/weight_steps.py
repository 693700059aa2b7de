"""The weight the tray gained at each stable reading while the shopper filled it.

The scale reads the tray as it fills: each stable reading after a change is a step,
the weight of the item (or the few items) just put down. The camera cannot see an item
wholly hidden under another, but the scale saw it arrive. A 20 g lighter hidden under a
2 kg basket moves the final reading by one or two standard deviations of the basket's
spread, which the final weight cannot tell from an honest basket; the same lighter put
down alone is a 20 g step that no item the camera saw can explain.

Pure: the readings come from the station (`kiosk.station.tray_watch`), the items'
weights from the `WeightModel`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import combinations

from kiosk.domain.decision.weight_model import ItemWeight, ScaleSpec

# Readings closer than this are the same load (scale noise, a hand brushing the tray).
MIN_STEP_G = 4.0


def steps_from_readings(readings: Iterable[Decimal | float]) -> tuple[float, ...] | None:
    """The steps between the stable readings since the tray was last empty (the first
    reading's step is from zero). None when the tray also lost weight on the way: an
    item taken off or moved, after which the steps no longer add up to its items."""
    steps: list[float] = []
    last = 0.0
    for r in readings:
        w = float(r)
        if not math.isfinite(w):
            return None
        delta = w - last
        if delta < -MIN_STEP_G:
            return None
        if delta >= MIN_STEP_G:
            steps.append(delta)
            last = w
    return tuple(steps)


def step_sd(scale: ScaleSpec, load_g: float) -> float:
    """Spread of one step: the difference of two readings, each with its rounding and
    noise (the zero drift is the same for both, a moment apart)."""
    one = (scale.resolution_g / math.sqrt(12.0)) ** 2 + scale.noise_sd_g**2
    return math.sqrt(2.0 * one + (scale.span_error * load_g) ** 2)


def unexplained_steps(
    steps: Sequence[float],
    items: Sequence[ItemWeight],
    scale: ScaleSpec,
    fit_z: float = 3.5,
    max_group: int = 2,
) -> tuple[float, ...]:
    """The steps that no group of up to `max_group` of `items` (put down together)
    explains within `fit_z` standard deviations. Lenient on purpose: a group may reuse
    an item another step used, so a step is unexplained only when nothing could be it."""
    groups: list[tuple[float, float]] = []  # (mean, variance) of each group
    for size in range(1, max_group + 1):
        for group in combinations(items, size):
            groups.append((sum(w.mean_g for w in group), sum(w.sd_g**2 for w in group)))
    out = []
    for step in steps:
        noise = step_sd(scale, step) ** 2
        if not any(abs(step - m) <= fit_z * math.sqrt(v + noise) for m, v in groups):
            out.append(step)
    return tuple(out)


def step_fit(
    step: float,
    item: ItemWeight,
    seen: Sequence[ItemWeight],
    scale: ScaleSpec,
) -> float:
    """How well `item` put down alone, or with one of the `seen` items, makes `step`:
    the smallest |z| of the step against those loads."""
    noise = step_sd(scale, step) ** 2
    best = math.inf
    for other in (None, *seen):
        mean = item.mean_g + (other.mean_g if other else 0.0)
        var = item.sd_g**2 + (other.sd_g**2 if other else 0.0) + noise
        best = min(best, abs(step - mean) / math.sqrt(var))
    return best
