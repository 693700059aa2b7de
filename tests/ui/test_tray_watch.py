"""Camera + scale -> tray events: decide only when both are still, once per change."""

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from hardware.camera.frames import Frame
from hardware.scale.events import WeightReading
from kiosk.domain.checkout import Checkout, Phase, TrayEmptied, TrayMoving, TraySettled, Verdict
from kiosk.domain.decision import DecisionEngine, ScaleSpec, WeightModel
from kiosk.domain.tray_view import Candidate, SeenItem, TrayView
from kiosk.station.tray_watch import TrayWatch
from kiosk.vision.stability import Motion


@dataclass
class Outcome:  # the fields of kiosk.vision.pipeline.FrameOutcome the watch reads
    frame: Frame
    motion: Motion
    result: object = None


def watch(catalog, phase=Phase.PLACING):
    posted = []
    engine = DecisionEngine(catalog, WeightModel.from_catalog(catalog, ScaleSpec()))
    w = TrayWatch(engine, posted.append, lambda: Checkout(phase=phase), language=lambda: "en")
    return w, posted


def frame(t: float) -> Frame:
    return Frame(np.zeros((72, 96, 3), np.uint8), t, int(t * 100))


def moving(t):
    return Outcome(frame(t), Motion(True, False, 0.5, 0.5, 0))


def quiet(t, n):
    return Outcome(frame(t), Motion(False, n >= 3, 0.0, 0.0, n))


def cola_view(t) -> TrayView:
    item = SeenItem((10, 10, 40, 40), (Candidate("cola-classic-330", 0.93),))
    return TrayView((item,), (96, 72), 3, t)


def weight(g, t, stable=True):
    return WeightReading(Decimal(g), stable, stable, t)


def test_moving_is_told_once_and_a_still_tray_is_decided_once(catalog):
    w, posted = watch(catalog)
    notes = []
    w.settle_listeners.append(notes.append)
    w.on_frame(moving(1.0))
    w.on_frame(moving(1.04))
    assert [type(e) for e in posted] == [TrayMoving]
    for n, t in enumerate((1.08, 1.12, 1.16), 1):
        w.on_frame(quiet(t, n))
    w.on_view(cola_view(1.16))
    assert len(posted) == 1  # the scale has not settled yet: no decision
    w.on_scale(weight("351", 1.5))
    w.on_scale(weight("351.2", 1.55))  # the same tray, the same weight: not again
    assert [type(e) for e in posted] == [TrayMoving, TraySettled]
    assert posted[1].outcome.verdict is Verdict.CONFIRMED
    assert dict(posted[1].outcome.counts) == {"cola-classic-330": 1}
    (note,) = notes
    assert note.stable_at == 1.5 and note.camera_still_at == 1.08


def test_a_weight_change_under_a_still_picture_is_a_movement(catalog):
    w, posted = watch(catalog)
    w.on_frame(quiet(1.0, 3))
    w.on_view(cola_view(1.0))
    w.on_scale(weight("351", 1.2))
    w.on_scale(weight("420", 1.3, stable=False))  # a hand presses on the tray
    assert [type(e) for e in posted] == [TraySettled, TrayMoving]


def test_an_empty_still_tray_is_emptied_whatever_the_basket(catalog):
    w, posted = watch(catalog, Phase.RECEIPT)
    w.on_frame(quiet(1.0, 3))
    w.on_view(TrayView((), (96, 72), 3, 1.0))
    w.on_scale(weight("0.4", 1.2))
    assert [type(e) for e in posted] == [TrayEmptied]


def test_redecide_decides_the_same_tray_again(catalog):
    w, posted = watch(catalog)
    w.on_frame(quiet(1.0, 3))
    w.on_view(cola_view(1.0))
    w.on_scale(weight("351", 1.2))
    w.redecide()
    assert [type(e) for e in posted] == [TraySettled, TraySettled]


def test_calibration_span_scales_the_weight(catalog):
    w, _ = watch(catalog)
    w.span = Decimal("1.01")
    assert w.grams(weight("500", 0.0)) == Decimal("505.0")


def test_the_weight_steps_as_the_tray_filled_reach_the_decision(catalog):
    """A lighter put down first, then hidden under the basket: the final weight is
    within the basket's spread, the 19 g step the scale saw is not."""
    from tests.decision.test_weight_steps import BASKET
    from tests.decision.trays import nominal, row

    full = nominal(catalog, BASKET, 19.0)

    def decide(*loads):
        w, posted = watch(catalog)
        for k, g in enumerate(loads):
            w.on_scale(weight(str(g), 1.0 + k))
        w.on_frame(quiet(9.0, 3))
        w.on_view(row(catalog, BASKET))
        return posted[-1].outcome.verdict

    assert decide(full) is Verdict.CONFIRMED  # the final weight alone cannot tell
    assert decide(19, full) is Verdict.ASK
    # the tray emptied in between: the steps start again and the 19 g one is forgotten
    assert decide(19, "0.4", full) is Verdict.CONFIRMED
