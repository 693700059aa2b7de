import json
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest

from kiosk.domain.decision import DecisionEngine, WeightModel
from kiosk.domain.decision.hard_case import (
    case_record,
    check_at_payment,
    crop_to_tray,
    tray_pixels,
)
from tests.decision.trays import nominal, seen, tray


def test_hard_case_record_is_json_and_relative_to_the_tray(catalog):
    engine = DecisionEngine(catalog, WeightModel.from_catalog(catalog))
    view = tray(seen(catalog, "water-spring-550", 110, 60, 0.7, (("water-icedew-380", 0.2),)))
    # a box the camera half-saw goes to headquarters too, apart
    view = replace(view, doubtful=(seen(catalog, "gum-mint-40", 600, 300, 0.3, votes=2),))
    d = engine.decide(view, nominal(catalog, ["water-icedew-380"]))
    assert d.hard_case
    region = tray_pixels((1280, 720), (0.078125, 0.0694444, 0.859375, 1.0))
    assert region == (100, 50, 1100, 720)
    record = case_record(d, view, region, Decimal("380.0"), "tray-detector/10")
    doc = json.loads(json.dumps(record))
    assert doc["seen"][0]["box"][:2] == [10.0, 10.0]
    assert doc["doubtful"][0]["votes"] == 2
    assert doc["doubtful"][0]["candidates"][0][0] == "gum-mint-40"
    assert doc["decision"]["verdict"] == "corrected" and doc["decision"]["counts"] == {
        "water-icedew-380": 1
    }
    assert doc["tray_region"] == [100, 50, 1100, 720] and doc["weight_g"] == "380.0"


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
