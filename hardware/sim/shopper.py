"""A simulated shopper: puts a basket on the virtual tray the way a person does.

For the demo and for end-to-end tests: the hand comes in from the shopper's side,
sets each item down (it slides a little as it settles), goes back out; later it takes
everything away. The camera sees the hand and the blur, the scale sees the weight
arrive item by item, so the kiosk's "wait until stable" logic is exercised for real.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from hardware.sim.layout import LEVELS, arrange
from hardware.sim.tray import TrayItem, VirtualTray


class Shopper:
    """Drives a VirtualTray from a background thread. `pace` scales every duration
    (0 = instant, for tests); `sleep` is injectable for the same reason."""

    def __init__(
        self,
        tray: VirtualTray,
        seed: int = 0,
        pace: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tray = tray
        self.pace = pace
        self._rng = np.random.default_rng(seed)
        self._sleep = sleep
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one step at a time (blocking) ---------------------------------------------------

    def plan(self, skus: list[str], level: str = "medium") -> list[TrayItem]:
        """Where each item will go: laid out on a scratch tray with the same catalog."""
        scratch = VirtualTray(self.tray.catalog, seed=int(self._rng.integers(1 << 31)))
        for item in self.tray.items():  # keep clear of what is already there
            scratch.place(item.sku, item.pose.x_mm, item.pose.y_mm, item.pose.angle_deg,
                          face=item.face, weight_g=item.weight_g)  # fmt: skip
        arrange_rng = np.random.default_rng(int(self._rng.integers(1 << 31)))
        return arrange(scratch, skus, LEVELS[level], arrange_rng)  # SceneDoesNotFit if full

    def put_down(self, target: TrayItem, on: int | None = None) -> TrayItem:
        """Hand in, item down (on item `on` if given), it settles, hand out."""
        w, h = self.tray.size_mm
        x, y = target.pose.x_mm, target.pose.y_mm
        side = float(self._rng.uniform(60, 120))
        self.tray.hand_enter(float(np.clip(x + self._rng.normal(0, 60), 0, w)), h,
                             from_angle_deg=side, skin=int(self._rng.integers(8)))  # fmt: skip
        self._glide(x, y + 40, 0.45)
        # set down a few millimetres off, then it settles into place
        dx, dy = self._rng.normal(0, 6, 2)
        item = self.tray.place(
            target.sku,
            float(np.clip(x + dx, 0, w)),
            float(np.clip(y + dy, 0, h)),
            target.pose.angle_deg + float(self._rng.normal(0, 4)),
            face=target.face,
            on=on,
        )
        self.tray.move(item.item_id, x, y, target.pose.angle_deg, duration_s=0.15 * self.pace)
        self._wait(0.15)
        self._glide(float(np.clip(x + self._rng.normal(0, 40), 0, w)), h + 0.0, 0.4)
        self.tray.hand_leave()
        return item

    def take_away(self, item_id: int) -> None:
        item = next(i for i in self.tray.items() if i.item_id == item_id)
        h = self.tray.size_mm[1]
        self.tray.hand_enter(item.pose.x_mm, h, from_angle_deg=float(self._rng.uniform(60, 120)))
        self._glide(item.pose.x_mm, item.pose.y_mm + 30, 0.35)
        self.tray.remove(item_id)
        self._glide(item.pose.x_mm, h, 0.35)
        self.tray.hand_leave()

    def unpack(self, skus: list[str], level: str = "medium") -> list[TrayItem]:
        placed = []
        real_id: dict[int, int] = {}  # planned item -> the item really put down
        for target in self.plan(skus, level):
            if self._stop.is_set():
                break
            on = real_id.get(target.resting_on) if target.resting_on is not None else None
            item = self.put_down(target, on=on)
            real_id[target.item_id] = item.item_id
            placed.append(item)
            self._wait(float(self._rng.uniform(0.2, 0.8)))
        return placed

    def clear(self) -> None:
        for item in sorted(self.tray.items(), key=lambda i: -i.base_mm):
            if self._stop.is_set():
                return
            self.take_away(item.item_id)

    # -- in the background ------------------------------------------------------------

    def start(self, skus: list[str], level: str = "medium") -> None:
        """Unpack `skus` on a background thread; `stop()` interrupts between items."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.unpack, args=(skus, level), daemon=True,
                                        name="sim-shopper")  # fmt: skip
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _glide(self, x: float, y: float, seconds: float) -> None:
        x = float(np.clip(x, 0, self.tray.size_mm[0]))
        y = float(np.clip(y, 0, self.tray.size_mm[1]))
        self.tray.hand_move(x, y, duration_s=seconds * self.pace)
        self._wait(seconds)

    def _wait(self, seconds: float) -> None:
        if self.pace > 0:
            self._sleep(seconds * self.pace)
