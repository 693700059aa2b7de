import json
from collections import Counter
from decimal import Decimal

import numpy as np

from kiosk.evaluation.fusion import ConfusionModel, ScaleSim, main, receipt, sample_scenes


def test_sampler_is_reproducible_and_hides_items(catalog):
    a = sample_scenes(catalog, 120, seed=5)
    b = sample_scenes(catalog, 120, seed=5)
    assert a == b
    assert sample_scenes(catalog, 120, seed=6) != a
    hidden = [s for s in a if s.level == "hidden"]
    assert hidden and all(any(it.hidden for it in s.items) for s in hidden)
    for s in hidden:
        (h,) = [it for it in s.items if it.hidden]
        cover = [it for it in s.items if not it.hidden and _inside(h.box, it.box)]
        assert cover, "a hidden item lies under a visible one"
        assert h.weight_g >= 20


def _inside(a, b):
    return (
        a[0] >= b[0] - 1e-6 and a[1] >= b[1] - 1e-6 and a[2] <= b[2] + 1e-6 and a[3] <= b[3] + 1e-6
    )


def test_simulated_detector_never_sees_hidden_items(catalog):
    scenes = sample_scenes(catalog, 200, seed=9)
    model = ConfusionModel(miss=0, miss_per_occlusion=0, false_per_scene=0)
    rng = np.random.default_rng(1)
    for s in scenes:
        view = model.view(s, catalog, rng)
        assert len(view.items) == sum(not it.hidden for it in s.items)


def test_scale_reading_is_on_the_division():
    rng = np.random.default_rng(2)
    for g in (0.0, 345.3, 1234.9):
        r = ScaleSim(resolution_g=5).read(g, rng)
        assert r % 5 == 0 and abs(r - Decimal(repr(g))) < 12


def test_receipt_lists_produce_once(catalog):
    r = receipt(Counter({"apple-fuji": 3, "cola-classic-330": 2}), catalog)
    assert r == ((("cola-classic-330", 2),), ("apple-fuji",))


def test_command_prints_the_figures(capsys):
    assert main(["--scenes", "80", "--seed", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in (
        "cacc_vision",
        "cacc_fused",
        "false_alarm_rate",
        "hidden_item_catch_rate",
        "auto_correct_precision",
        "by_level",
    ):
        assert key in report
    assert report["source"]["detector"] == "simulated"
    assert sum(report["outcomes"].values()) == report["scenes"] == 80
