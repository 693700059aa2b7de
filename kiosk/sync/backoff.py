"""Capped exponential backoff with full jitter.

Full jitter (a uniform delay between 0 and the capped exponential) rather than a
fixed exponential: after a headquarters outage a whole fleet of kiosks would
otherwise come back in lockstep and knock it over again.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, initial_s: float, max_s: float, rng: random.Random | None = None) -> None:
        if initial_s <= 0 or max_s < initial_s:
            raise ValueError("need 0 < initial_s <= max_s")
        self.initial_s = initial_s
        self.max_s = max_s
        self.failures = 0
        self._rng = rng or random.Random()

    def ceiling(self) -> float:
        """The largest delay the next failure may wait."""
        return min(self.max_s, self.initial_s * 2 ** min(self.failures, 62))

    def next_delay(self) -> float:
        delay = self._rng.uniform(0, self.ceiling())
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0
