import json
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest

from kiosk.domain.decision import DecisionEngine, WeightModel
from kiosk.domain.decision.hard_case import (
    Resolution,
    check_at_payment,
    crop_to_tray,
    hard_case,
    is_hard,
)
from tests.decision.trays import nominal, seen, tray


def test_hard_case_record_is_json_and_relative_to_the_tray(catalog):
    engine = DecisionEngine(catalog, WeightModel.from_catalog(catalog))
    view = tray(seen(catalog, "water-spring-550", 110, 60, 0.7, (("water-icedew-380", 0.2),)))
    # a box the camera half-saw goes to headquarters too, marked as such
    view = replace(view, doubtful=(seen(catalog, "gum-mint-40", 600, 300, 0.3, votes=2),))
    d = engine.decide(view, nominal(catalog, ["water-icedew-380"]))
    assert is_hard(d)
    hc = hard_case(
        sale_id="k-1",
        at=10.0,
        decision=d,
        view=view,
        resolution=Resolution.CORRECTED,
        tray_region=(100, 50, 1100, 750),
        final_counts=d.counts,
    )
    doc = json.loads(json.dumps(hc.to_dict()))
    assert doc["detections"][0]["box"][:2] == [10.0, 10.0]
    assert "doubtful" not in doc["detections"][0]
    assert doc["detections"][1]["doubtful"] is True and doc["detections"][1]["votes"] == 2
    assert doc["detections"][1]["candidates"][0][0] == "gum-mint-40"
    assert doc["decision"]["verdict"] == "corrected"
    assert doc["final_counts"] == {"water-icedew-380": 1}


def test_crop_keeps_only_the_tray():
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[:100] = 255  # the shopper above the tray
    crop = crop_to_tray(frame, (200, 100, 1000, 700))
    assert crop.shape == (600, 800, 3) and crop.max() == 0
    with pytest.raises(ValueError):
        crop_to_tray(frame, (1300, 0, 1400, 10))


def test_payment_check(catalog):
    weights = WeightModel.from_catalog(catalog)
    counts = {"cola-classic-330": 2}
    fruit = (("apple-fuji", Decimal(412)),)
    assert check_at_payment(weights, counts, fruit, Decimal(690 + 412)).ok
    late = check_at_payment(weights, counts, fruit, Decimal(690 + 412 + 58))  # gum added
    assert not late.ok and late.why == "the tray changed since review"
    assert not check_at_payment(weights, counts, fruit, None).ok
    assert not check_at_payment(weights, {"nope": 1}, (), Decimal(1)).ok
