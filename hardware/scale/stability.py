"""App-side stability: some scales raise their "stable" flag while a shopper's hand is
still on the basket, or a frame or two into the settling. The kiosk trusts a weight
only when the scale says stable *and* its readings agree over a span of time."""

from __future__ import annotations

from collections import deque
from decimal import Decimal


class StabilityWindow:
    def __init__(self, span_s: float, tolerance_g: Decimal):
        self.span_s = span_s
        self.tolerance_g = tolerance_g
        self._samples: deque[tuple[float, Decimal]] = deque()
        self._since: float | None = None  # start of the current run of device-stable frames

    def reset(self) -> None:
        self._samples.clear()
        self._since = None

    def observe(self, grams: Decimal, device_stable: bool, at: float) -> bool:
        if not device_stable:
            self.reset()
            return False
        if self._since is None:
            self._since = at
        self._samples.append((at, grams))
        # Keep the newest reading from before the span too, so the readings judged always
        # cover the whole span. Pruning every older one let a single reading pass alone
        # after a pause in the frames (a busy CPU starving the reader, a slow poll): the
        # bounce before the pause was forgotten and the next bounced value "agreed".
        boundary = at - self.span_s
        while len(self._samples) > 1 and self._samples[1][0] <= boundary:
            self._samples.popleft()
        values = [g for _, g in self._samples]
        spread = max(values) - min(values)
        return at - self._since >= self.span_s and spread <= self.tolerance_g
