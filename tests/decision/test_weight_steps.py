"""The weight steps as the tray fills: a light item wholly hidden under another is
caught by the step the scale saw when it was put down, which the final weight alone
cannot tell from an honest basket's spread."""

from decimal import Decimal

import pytest

from kiosk.domain.checkout import Verdict
from kiosk.domain.decision import DecisionEngine, RequestKind, ScaleSpec, WeightModel
from kiosk.domain.decision.weight_model import ItemWeight
from kiosk.domain.decision.weight_steps import (
    step_fit,
    steps_from_readings,
    unexplained_steps,
)
from tests.decision.trays import nominal, row

BASKET = ["juice-orange-1l", "beer-seabreeze-500", "cola-classic-330", "noodle-pickle-cup",
          "chips-original-70", "milk-pure-250"]  # fmt: skip


@pytest.fixture(scope="module")
def engine(catalog):
    return DecisionEngine(catalog, WeightModel.from_catalog(catalog))


def _weights(catalog, skus):
    return [float(catalog.get(s).weight_g) for s in skus]


def test_steps_are_what_each_stable_reading_added():
    assert steps_from_readings([Decimal(20), Decimal(370), Decimal(372), Decimal(720)]) == (
        20.0,
        350.0,
        350.0,
    )  # 370 -> 372 is the scale's noise, not an item
    assert steps_from_readings([]) == ()
    # something was taken off on the way: the steps no longer add up to the tray
    assert steps_from_readings([Decimal(300), Decimal(100), Decimal(400)]) is None
    assert steps_from_readings([float("nan")]) is None


def test_a_step_no_seen_item_makes_is_unexplained():
    scale = ScaleSpec()
    cola, lighter = ItemWeight(350, 3), ItemWeight(19, 1)
    assert unexplained_steps([350.0, 700.0], [cola, cola], scale) == ()  # two at once
    assert unexplained_steps([350.0, 20.0], [cola], scale) == (20.0,)
    assert step_fit(20.0, lighter, [cola], scale) < 1.0  # put down alone
    assert step_fit(370.0, lighter, [cola], scale) < 1.0  # with the cola
    assert step_fit(60.0, lighter, [cola], scale) > 10.0


def test_a_hidden_lighter_the_final_weight_cannot_tell_is_caught_by_its_step(engine, catalog):
    view = row(catalog, BASKET)
    weight = nominal(catalog, BASKET, 19.0)  # a 19 g lighter under the crisps
    # the final weight alone: within the basket's spread, so confirmed (the limit)
    assert engine.decide(view, weight).verdict is Verdict.CONFIRMED
    # the shopper put the lighter down first, then the rest two by two
    w = [19.0, *_weights(catalog, BASKET)]
    readings = [w[0], sum(w[:3]), sum(w[:5]), sum(w)]
    steps = steps_from_readings([Decimal(round(r)) for r in readings])
    d = engine.decide(view, weight, steps=steps)
    assert d.verdict is Verdict.ASK
    assert RequestKind.SEPARATE in [r.kind for r in d.requests]
    assert any("lighter" in n for n in d.notes)


def test_honest_baskets_stay_confirmed_with_their_steps(engine, catalog):
    view = row(catalog, BASKET)
    weight = nominal(catalog, BASKET)
    w = _weights(catalog, BASKET)
    one_by_one = steps_from_readings([Decimal(round(sum(w[: k + 1]))) for k in range(len(w))])
    assert engine.decide(view, weight, steps=one_by_one).verdict is Verdict.CONFIRMED
    # three put down at once make a step no pair explains; the final weight says
    # nothing is missing, so nothing hidden is charged or asked about
    three = steps_from_readings([Decimal(round(sum(w[:3]))), Decimal(round(sum(w)))])
    assert engine.decide(view, weight, steps=three).verdict is Verdict.CONFIRMED
