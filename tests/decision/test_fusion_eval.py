import json
import shutil
from collections import Counter
from decimal import Decimal

import cv2
import numpy as np
import pytest

from kiosk import cli
from kiosk.evaluation import fusion
from kiosk.evaluation.fusion import (
    ConfusionModel,
    ScaleSim,
    main,
    placement_readings,
    receipt,
    sample_scenes,
)
from kiosk.models.repository import DEFAULT_ROOT, ModelRepository, sha256_file

KEYS = (
    "cacc_vision",
    "cacc_fused",
    "false_alarm_rate",
    "hidden_item_catch_rate",
    "auto_correct_precision",
    "outcomes",
    "by_level",
)


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
    assert main(["--detector", "simulated", "--scenes", "80", "--seed", "3", "--json"]) == 0
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
    # every false alarm is an honest shopper asked; honest shoppers are also asked when
    # vision read their basket wrong
    asked = report["honest_asked_rate"] * report["honest_scenes"]
    alarms = report["false_alarm_rate"] * report["honest_seen_right_scenes"]
    assert report["honest_seen_right_scenes"] < report["honest_scenes"] < 80
    assert round(asked) > round(alarms)  # baskets vision misread, rightly asked about


def test_a_simulated_shopper_puts_hidden_items_down_first(catalog):
    scenes = sample_scenes(catalog, 400, 5)
    hidden = next(s for s in scenes if any(it.hidden for it in s.items))
    rng = np.random.default_rng(1)
    scale = ScaleSim()
    final = scale.read(sum(it.weight_g for it in hidden.items), rng)
    readings = placement_readings(hidden, 0.0, scale, final, rng)  # one item at a time
    assert len(readings) == len(hidden.items) and readings[-1] == final
    first = next(it for it in hidden.items if it.hidden)  # under others: put down first
    assert abs(float(readings[0]) - first.weight_g) <= 5
    assert len(placement_readings(hidden, 1.0, scale, final, rng)) == 1  # all at once


def _fusion_json(capsys, *argv):
    assert main(["--detector", "simulated", "--scenes", "400", "--seed", "5", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_command_reads_the_steps_and_says_which_shopper_it_assumed(capsys):
    without = _fusion_json(capsys, "--no-steps")
    steps = _fusion_json(capsys)
    at_once = _fusion_json(capsys, "--together", "1.0")
    assert without["weight_steps"] is None and steps["weight_steps"] == {"together": 0.3}
    assert steps["hidden_item_catch_rate"] > without["hidden_item_catch_rate"]
    # a shopper who puts everything down at once leaves only the final weight to read
    for key in ("cacc_fused", "hidden_item_catch_rate", "false_alarm_rate", "outcomes"):
        assert at_once[key] == without[key]


# ---- the trained detector on rendered pictures ----------------------------------

SCENES, SEED = 8, 7


@pytest.fixture(scope="module")
def eval_cache(tmp_path_factory):
    """A stand-in for var/eval/ holding the 8-scene held-out set, rendered the way the
    command renders it (in this process: restore OpenCV's threads afterwards)."""
    cache = tmp_path_factory.mktemp("eval")
    threads = cv2.getNumThreads()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fusion, "EVAL_CACHE", cache)
        fusion.held_out_set(SCENES, SEED, workers=1)
    cv2.setNumThreads(threads)
    return cache


def test_the_shipped_model_runs_on_the_held_out_pictures(eval_cache, monkeypatch, capsys):
    monkeypatch.setattr(fusion, "EVAL_CACHE", eval_cache)
    argv = ["eval", "--fusion", "--scenes", str(SCENES), "--seed", str(SEED), "--json"]
    assert cli.main(argv) == 0  # the model is the default detector
    out, err = capsys.readouterr()
    assert "rendering" not in err  # the cached set was found under kiosk eval's name
    report = json.loads(out)
    for key in KEYS:
        assert key in report
    assert report["detector"] == report["source"]["detector"] == "model"
    assert report["model"] == ModelRepository().load("tray-detector").ref
    assert report["provider"] == "CPUExecutionProvider"
    assert report["source"]["scenes_from"] == str(eval_cache / "test-s7-n8-mixed-1280x720")
    assert report["scenes"] == SCENES
    assert sum(report["outcomes"].values()) == SCENES
    assert sum(v["scenes"] for v in report["by_level"].values()) == SCENES
    assert sum(sum(v["outcomes"].values()) for v in report["by_level"].values()) == SCENES
    for key in ("cacc_vision", "cacc_fused"):
        assert 0 <= report[key] <= 1


def test_each_view_is_the_pictures_and_the_truth_its_manifests(eval_cache, catalog):
    from kiosk.vision.session import Detector

    data = eval_cache / "test-s7-n8-mixed-1280x720"
    detector = Detector(ModelRepository().load("tray-detector"), warmup_runs=0)
    scenes, views, run_ms = fusion.detector_views(data, detector, catalog)
    assert len(scenes) == len(views) == len(run_ms) == SCENES
    for scene, view in zip(scenes, views, strict=True):
        doc = json.loads((data / "manifests" / f"{scene.scene_id}.json").read_text())
        # hidden items are in the truth: they weigh, though no label names them
        assert len(scene.items) == len(doc["items"])
        assert sum(it.weight_g for it in scene.items) == pytest.approx(doc["total_weight_g"])
        assert view.frame_size == (1280, 720) and view.model_version == detector.version
        assert all(it.votes == view.frames == 1 for it in view.items)
        assert all(c.sku in catalog for it in view.items for c in it.candidates)


def test_a_manifest_that_disagrees_with_the_labels_is_refused(eval_cache, tmp_path, capsys):
    data = tmp_path / "set"
    shutil.copytree(eval_cache / "test-s7-n8-mixed-1280x720", data)
    path = sorted((data / "manifests").glob("*.json"))[0]
    doc = json.loads(path.read_text())
    shown = next(i for i, it in enumerate(doc["items"]) if not it["hidden"])
    del doc["items"][shown]  # the picture shows an item the truth has lost
    path.write_text(json.dumps(doc))
    assert main(["--scene-dir", str(data), "--json"]) == 2
    assert "does not match labels" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["truncated", "truncated, profile updated"])
def test_a_broken_model_ends_the_command_with_its_reason(damage, tmp_path, monkeypatch, capsys):
    version = ModelRepository().latest("tray-detector")
    copy = tmp_path / "repository" / "tray-detector" / str(version)
    shutil.copytree(DEFAULT_ROOT / "tray-detector" / str(version), copy)
    model = copy / "model.onnx"
    model.write_bytes(model.read_bytes()[:1000])
    if damage == "truncated, profile updated":  # the repository's checks pass, onnxruntime's not
        profile = json.loads((copy / "profile.json").read_text())
        profile |= {"size_bytes": 1000, "sha256": sha256_file(model)}
        (copy / "profile.json").write_text(json.dumps(profile))
    monkeypatch.setattr(fusion, "EVAL_CACHE", tmp_path / "eval")
    argv = ["eval", "--fusion", "--repository", str(tmp_path / "repository"), "--scenes", "8"]
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.startswith("kiosk eval --fusion: tray-detector/") and "model.onnx" in err
    assert not (tmp_path / "eval").exists()  # refused before rendering anything


def test_the_engine_takes_the_models_own_calibration(eval_cache, tmp_path, monkeypatch, capsys):
    # A release whose profile brings its calibration is judged by the engine the kiosk
    # builds for it; a value on the command line (to choose one on validation) wins; a
    # profile without one leaves the engine's default. The report measures the miss rate.
    version = ModelRepository().latest("tray-detector")
    copy = tmp_path / "repository" / "tray-detector" / str(version)
    shutil.copytree(DEFAULT_ROOT / "tray-detector" / str(version), copy)
    doc = json.loads((copy / "profile.json").read_text())
    default = fusion.DecisionPolicy()
    assert doc.get("vision_sharpness") is None and doc.get("missed_per_box") is None
    monkeypatch.setattr(fusion, "EVAL_CACHE", eval_cache)
    argv = ["--repository", str(tmp_path / "repository"), "--scenes", str(SCENES), "--json"]

    def calibration(*extra):
        assert main([*argv, *extra]) == 0
        return json.loads(capsys.readouterr().out)["calibration"]

    cal = calibration()
    assert cal["vision_sharpness"] == {"value": default.vision_sharpness, "from": "engine default"}
    assert cal["missed_per_box"] == {"value": default.missed_per_box, "from": "engine default"}
    assert 0 <= cal["measured_missed_per_box"] < 1
    (copy / "profile.json").write_text(
        json.dumps(doc | {"vision_sharpness": 2.5, "missed_per_box": 0.01})
    )
    cal = calibration()
    assert cal["vision_sharpness"] == {"value": 2.5, "from": "profile"}
    assert cal["missed_per_box"] == {"value": 0.01, "from": "profile"}
    cal = calibration("--vision-sharpness", "1.25", "--missed-per-box", "0")
    assert cal["vision_sharpness"] == {"value": 1.25, "from": "command line"}
    assert cal["missed_per_box"] == {"value": 0.0, "from": "command line"}
    assert cal["doubt_cost"] == {"value": default.doubt_cost, "from": "engine default"}
    assert calibration("--doubt-cost", "3.5")["doubt_cost"] == {
        "value": 3.5,
        "from": "command line",
    }
    (copy / "profile.json").write_text(json.dumps(doc | {"vision_sharpness": 0}))
    assert main(argv) == 2
    assert "vision_sharpness" in capsys.readouterr().err


def test_missed_per_box_counts_items_in_view_without_a_box(catalog):
    def item(sku, x, hidden=False):
        return fusion.SimItem(sku, 100.0, (x, 0.0, x + 100.0, 100.0), hidden=hidden)

    def box(sku, x):
        return fusion.SeenItem((x + 3, 2.0, x + 98, 101.0), (fusion.Candidate(sku, 0.9),))

    scene = fusion.SimScene(
        "s",
        "hard",
        (
            item("cola-classic-330", 0),
            item("lighter", 200),
            item("gum-mint-40", 400),
            item("lighter", 0, hidden=True),
        ),
    )
    # the lighter in view has no box, the one under the can is the scale's; a box on
    # nothing and a misread box are not misses
    view = fusion.TrayView(
        (box("cola-classic-330", 0), box("cola-zero-330", 400), box("gum-mint-40", 800)),
        (1280, 720),
        1,
        0.0,
    )
    assert fusion.missed_per_box([scene], [view]) == pytest.approx(1 / 3, abs=1e-4)
    assert fusion.missed_per_box([], []) is None
