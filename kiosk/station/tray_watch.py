"""Camera + scale -> the decision -> tray events for the checkout.

The vision pipeline says when the picture is still (and what it sees then); the
scale says when the weight is stable. Only when both are still does the decision
engine reconcile them, and the checkout hears `TraySettled` (or `TrayEmptied`).
Anything moving on either side after that is `TrayMoving`, once per movement.

Called from the camera's inference thread and the scale's thread; decides on
whichever of them completes the pair. Listeners must hand over and return.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from hardware.scale.events import ScaleEvent, ScaleMotion, WeightReading
from kiosk.domain.checkout import Checkout, Phase, TrayEmptied, TrayMoving, TraySettled
from kiosk.domain.decision import Decision, DecisionEngine, known_items
from kiosk.domain.decision.weight_steps import steps_from_readings
from kiosk.domain.tray_view import SeenItem, TrayView

log = logging.getLogger(__name__)

# A stable weight that drifts by more than this after a decision is a new tray
# (an item slipped onto the edge, out of the camera's view): decide again.
REDECIDE_G = Decimal(4)
# Below this a still tray with nothing in view is empty (scale noise and drift).
EMPTY_G = Decimal(5)
_SHOPPING = (Phase.PLACING, Phase.REVIEW, Phase.ASSIST)


@dataclass(frozen=True, slots=True)
class SettleNote:
    """One decision, for the screen: what was seen, what was weighed, what to ask."""

    view: TrayView
    decision: Decision
    grams: Decimal
    stable_at: float  # monotonic: when camera and scale were both still
    decided_at: float  # monotonic
    camera_still_at: float = 0.0  # monotonic: the first quiet frame of the still run
    scale_stable_at: float = 0.0  # monotonic: the first stable reading of its run
    steps: tuple[float, ...] | None = None  # the weight steps the decision read


@dataclass(frozen=True, slots=True)
class LiveTray:
    """What the camera sees on one frame (for the live boxes while placing)."""

    items: tuple[SeenItem, ...]
    frame_size: tuple[int, int]
    moving: bool
    at: float


class TrayWatch:
    def __init__(
        self,
        engine: DecisionEngine,
        post: Callable[[object], object],
        checkout: Callable[[], Checkout],
        language: Callable[[], str] = lambda: "zh_CN",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self._post = post
        self._checkout = checkout
        self._language = language
        self._clock = clock
        self._wall = wall_clock
        self._lock = threading.Lock()
        self._view: TrayView | None = None
        self._view_still_since: float | None = None
        self._still_since: float | None = None  # first quiet frame of the current run
        self._weight: WeightReading | None = None
        self._weight_stable_since: float | None = None
        self._decided: tuple[int, Decimal] | None = None  # (id of the view, grams)
        # The stable loads since the tray was last empty, each one a change: the weight
        # steps as the tray filled, which catch an item hidden as it was put down.
        self._loads: list[Decimal] = []
        self._moving_posted = False
        self.span = Decimal(1)  # software calibration: true grams per reported gram
        self.settle_listeners: list[Callable[[SettleNote], None]] = []
        self.live_listeners: list[Callable[[LiveTray], None]] = []
        self.weight_listeners: list[Callable[[ScaleEvent], None]] = []
        self.decisions = 0
        # Staff have the idle kiosk for maintenance (a calibration card or a reference
        # weight on the tray): what lies there then starts no sale.
        self.lane_closed = False

    # ---- inputs --------------------------------------------------------------

    def on_frame(self, outcome) -> None:  # kiosk.vision.pipeline.FrameOutcome
        """Every processed frame (inference thread)."""
        m = outcome.motion
        post_moving = False
        with self._lock:
            if m.moving:
                self._still_since = None
                self._view = None
                if not self._moving_posted:
                    self._moving_posted = post_moving = True
                    self._decided = None
            elif m.quiet_frames == 1 or self._still_since is None:
                self._still_since = outcome.frame.timestamp
        if post_moving:
            self._tell(TrayMoving(self._wall()))
        items = outcome.result.items if outcome.result is not None else ()
        h, w = outcome.frame.image.shape[:2]
        live = LiveTray(items, (w, h), m.moving, outcome.frame.timestamp)
        for cb in self.live_listeners:
            cb(live)

    def on_view(self, view: TrayView) -> None:
        """A still tray's voted view (inference thread)."""
        with self._lock:
            self._view = view
            self._view_still_since = self._still_since or view.timestamp
        self._maybe_decide()

    def on_scale(self, event: ScaleEvent) -> None:
        """Every scale event (scale thread)."""
        for cb in self.weight_listeners:
            cb(event)
        redo = False
        post_moving = False
        with self._lock:
            if isinstance(event, WeightReading):
                if event.stable:
                    if self._weight is None or not self._weight.stable:
                        self._weight_stable_since = event.at
                    self._weight = event
                    self._note_load(self.grams(event))
                    redo = True
                else:
                    self._weight = event
                    self._weight_stable_since = None
                    if self._decided is not None and not self._moving_posted:
                        # weight changing under a still picture: a hand or a push
                        self._moving_posted = post_moving = True
                        self._decided = None
            elif isinstance(event, ScaleMotion):
                self._weight = None
                self._weight_stable_since = None
        if post_moving:
            self._tell(TrayMoving(self._wall()))
        if redo:
            self._maybe_decide()

    def _note_load(self, grams: Decimal) -> None:
        """A stable load (under the lock): the start of a new tray when it is empty, a
        step when it differs from the last one."""
        if abs(grams) <= EMPTY_G:
            self._loads.clear()
        elif not self._loads or abs(grams - self._loads[-1]) > REDECIDE_G:
            self._loads.append(grams)

    def _closed_to_sales(self, checkout: Checkout) -> bool:
        """Staff have the idle kiosk (`lane_closed`): the tray starts no sale."""
        return self.lane_closed and checkout.phase is Phase.IDLE

    def _tell(self, event) -> None:
        """A tray event to the checkout, unless the lane is closed to sales."""
        if not self._closed_to_sales(self._checkout()):
            self._post(event)

    # ---- the decision ----------------------------------------------------------

    def grams(self, reading: WeightReading) -> Decimal:
        return (reading.grams * self.span).quantize(Decimal("0.1"))

    def _maybe_decide(self) -> None:
        with self._lock:
            view, weight = self._view, self._weight
            if view is None or weight is None or not weight.stable:
                return
            grams = self.grams(weight)
            if self._decided is not None:
                same_view = self._decided[0] == id(view)
                if same_view and abs(self._decided[1] - grams) <= REDECIDE_G:
                    return
            self._decided = (id(view), grams)
            self._moving_posted = False
            steps = steps_from_readings(self._loads)
            camera_at = self._view_still_since or view.timestamp
            scale_at = self._weight_stable_since or weight.at
            stable_at = max(camera_at, scale_at)
        checkout = self._checkout()
        if self._closed_to_sales(checkout):
            with self._lock:
                self._decided = None  # decided afresh when the lane opens
            return
        if view.empty and abs(grams) <= EMPTY_G:
            # Nothing seen, nothing weighed: the tray is empty, whatever the basket says
            # (scanned items are in the shopper's hand or bag; the checkout knows).
            self.decisions += 1
            self._tell(TrayEmptied(self._wall()))
            return
        known = known_items(checkout.basket) if checkout.phase in _SHOPPING else {}
        try:
            decision = self.engine.decide(
                view, grams, known, attempt=checkout.shopper_attempts, steps=steps
            )
        except Exception:
            log.exception("the decision failed; the tray stays undecided")
            return
        self.decisions += 1
        note = SettleNote(
            view, decision, grams, stable_at, self._clock(), camera_at, scale_at, steps
        )
        for cb in self.settle_listeners:
            cb(note)
        self._tell(TraySettled(self._wall(), decision.to_outcome(self._language())))

    def redecide(self) -> None:
        """Decide the same still tray again: the shopper named or scanned an item."""
        with self._lock:
            self._decided = None
        self._maybe_decide()
