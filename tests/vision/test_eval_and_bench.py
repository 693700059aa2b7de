"""Checkout metrics, `kiosk eval` over a scene set, and `kiosk bench vision`'s parts."""

import json

import cv2
import numpy as np
import pytest

from kiosk.bench.vision import ReplayCamera, live
from kiosk.models import ModelRepository
from kiosk.vision.config import StabilityConfig, VisionConfig, VotingConfig
from kiosk.vision.evaluate import evaluate
from kiosk.vision.evaluate import main as eval_main
from kiosk.vision.metrics import SceneOutcome, average_precision, checkout_metrics, match
from kiosk.vision.scenes import SceneSetError, load_scenes
from kiosk.vision.session import Detector
from tests.vision.tiny_models import constant_detector, profile_for, write_release, yolo_output

LABELS = ["cola", "lemon", "chips"]


def outcome(gt, preds, truth=None, level="easy"):
    """gt: [(cls, box)], preds: [(cls, score, box)]."""
    return SceneOutcome(
        np.array([c for c, _ in gt], np.int64),
        np.array([b for _, b in gt], np.float32).reshape(-1, 4),
        np.array([c for c, _, _ in preds], np.int64),
        np.array([s for _, s, _ in preds], np.float32),
        np.array([b for _, _, b in preds], np.float32).reshape(-1, 4),
        tuple(truth if truth is not None else [LABELS[c] for c, _ in gt]),
        level,
    )


BOX = (10, 10, 50, 50)
BOX2 = (100, 10, 140, 50)


def test_checkout_accuracy_needs_the_exact_multiset():
    right = outcome([(0, BOX), (0, BOX2)], [(0, 0.9, BOX), (0, 0.8, BOX2)])
    one_short = outcome([(0, BOX), (0, BOX2)], [(0, 0.9, BOX)], level="hard")
    wrong_flavour = outcome([(0, BOX)], [(1, 0.9, BOX)], level="hard")
    below_threshold = outcome([(2, BOX)], [(2, 0.2, BOX)])
    m = checkout_metrics([right, one_short, wrong_flavour, below_threshold], LABELS, 0.5)
    assert m["cacc"] == 0.25
    assert m["cacc_by_level"] == {"easy": 0.5, "hard": 0.0}
    assert m["item_precision"] == pytest.approx(3 / 4)  # 4 boxes kept, 3 right
    assert m["item_recall"] == pytest.approx(3 / 6)


def test_a_hidden_item_is_not_held_against_the_camera_but_stays_in_view():
    # A can lies hidden under a bag: no label; the camera read all it could see. The
    # receipt would still miss it, which `cacc_all_items` keeps in view.
    o = outcome([(2, BOX)], [(2, 0.9, BOX)], truth=["chips", "cola"])
    m = checkout_metrics([o], LABELS, 0.5)
    assert m["cacc"] == 1.0 and m["cacc_all_items"] == 0.0 and m["item_recall"] == 1.0


def test_matching_is_one_to_one_and_class_aware():
    hits = match(np.array([0]), np.array([BOX], np.float32), np.array([0, 0, 1]),
                 np.array([BOX, BOX, BOX], np.float32))  # fmt: skip
    assert hits.tolist() == [True, False, False]


def test_average_precision_of_perfect_and_half_right_rankings():
    assert average_precision(np.array([0.5, 1.0]), np.array([1.0, 1.0])) == pytest.approx(1.0)
    # ranks: hit, miss, hit with 2 truths → recall 0.5 at p 1, recall 1 at p 2/3
    ap = average_precision(np.array([0.5, 0.5, 1.0]), np.array([1.0, 0.5, 2 / 3]))
    assert ap == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)


def write_scene_set(root, scenes):
    """scenes: list of (image, [(cls, cx, cy, w, h)], level, skus)."""
    for sub in ("images", "labels", "manifests"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "classes.txt").write_text("\n".join(LABELS) + "\n")
    for i, (image, labels, level, skus) in enumerate(scenes):
        cv2.imwrite(str(root / "images" / f"s{i}.png"), image)
        (root / "labels" / f"s{i}.txt").write_text(
            "".join(f"{c} {cx} {cy} {w} {h}\n" for c, cx, cy, w, h in labels)
        )
        manifest = {"level": level, "items": [{"sku": s} for s in skus]}
        (root / "manifests" / f"s{i}.json").write_text(json.dumps(manifest))


@pytest.fixture
def detector(tmp_path):
    # Input 320x256 = a 640x512 frame at scale 0.5: the box (160, 128, 80, 40) in input
    # pixels is (120..200, 108..148) → frame (240..400, 216..296): cx .5, cy .5.
    out = yolo_output([(160, 128, 80, 40)], [[0.9, 0.3, 0.0]], anchors=4)
    data = constant_detector(out, 320, 256)
    write_release(tmp_path / "repo", data, profile_for(data, LABELS, 320, 256, anchors=4))
    return Detector(ModelRepository(tmp_path / "repo").load("tiny", 1), warmup_runs=0)


def test_evaluate_reads_a_scene_set_and_scores_the_detector(tmp_path, detector):
    img = np.zeros((512, 640, 3), np.uint8)
    lab = (0, 0.5, 0.5, 160 / 640, 80 / 512)
    write_scene_set(
        tmp_path / "set",
        [
            (img, [lab], "easy", ["cola"]),  # right
            (img, [(1, *lab[1:])], "hard", ["lemon"]),  # the look-alike: wrong
            (img, [lab], "hard", ["cola", "chips"]),  # a hidden bag: the scale's to catch
        ],
    )
    m = evaluate(tmp_path / "set", detector)
    assert m["scenes"] == 3
    assert m["cacc"] == pytest.approx(2 / 3) and m["cacc_all_items"] == pytest.approx(1 / 3)
    assert m["cacc_by_level"] == {"easy": 1.0, "hard": 0.5}
    assert m["item_precision"] == pytest.approx(2 / 3) and m["item_recall"] == pytest.approx(2 / 3)
    assert [x["missing"] for x in m["misses"]] == [["lemon"]]
    assert m["calibrated_scenes"] == 0  # these manifests name no camera: no size check


def test_eval_refuses_a_set_with_other_classes(tmp_path, detector, capsys):
    write_scene_set(tmp_path / "set", [(np.zeros((64, 64, 3), np.uint8), [], "easy", [])])
    (tmp_path / "set" / "classes.txt").write_text("a\nb\n")
    with pytest.raises(SceneSetError, match="does not match the model's labels"):
        evaluate(tmp_path / "set", detector)
    code = eval_main(["--data", str(tmp_path / "set"), "--repository", str(tmp_path / "repo"),
                      "--model", "tiny", "--json"])  # fmt: skip
    assert code == 2 and "does not match" in capsys.readouterr().err


def test_bad_label_lines_name_the_file(tmp_path):
    write_scene_set(tmp_path, [(np.zeros((64, 64, 3), np.uint8), [], "easy", [])])
    (tmp_path / "labels" / "s0.txt").write_text("7 0.5 0.5 0.1 0.1\n")
    with pytest.raises(SceneSetError, match=r"s0\.txt:1: class 7"):
        load_scenes(tmp_path)


def test_replay_camera_paces_frames_like_a_camera():
    cam = ReplayCamera([np.zeros((8, 8, 3), np.uint8)], fps=100.0)
    cam.open()
    frames = [cam.read() for _ in range(20)]
    span = frames[-1].timestamp - frames[0].timestamp
    assert 0.15 < span < 0.5  # 19 intervals of 10 ms, never faster
    assert [f.seq for f in frames] == list(range(1, 21))


def test_live_bench_reports_preview_rate_and_overhead(detector):
    config = VisionConfig(stability=StabilityConfig(still_frames=2), voting=VotingConfig(frames=2))
    images = [np.full((512, 640, 3), v, np.uint8) for v in (60, 160)]
    r = live(detector, images, fps=60.0, seconds=1.0, config=config, settle_s=0.2)
    assert r["preview_fps"] > 40  # the preview is not held back by inference
    assert r["overhead_ratio"] >= 1.0
    assert r["pipeline_ms_p50"] >= r["run_in_pipeline_ms_p50"]
    assert r["frame_errors"] == 0 and r["tray_views"] >= 1


@pytest.mark.parametrize(
    ("mangled", "meant"),
    [
        (["5", "--seed", "3", "--json", "--scenes"], ["--scenes", "5", "--seed", "3", "--json"]),
        (["20", "--json", "--scenes"], ["--json", "--scenes", "20"]),
        (["--scenes", "5", "--json"], ["--scenes", "5", "--json"]),  # already right
    ],
)
def test_eval_arguments_reordered_by_the_kiosk_command_are_repaired(mangled, meant):
    import argparse

    from kiosk.vision.evaluate import repair_argv

    ap = argparse.ArgumentParser()
    ap.add_argument("--scenes", type=int)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--json", action="store_true")
    assert ap.parse_args(repair_argv(mangled)) == ap.parse_args(meant)


def test_a_cached_scene_set_is_reused_until_another_simulator_would_draw_it(tmp_path):
    from kiosk.vision.evaluate import render_set

    out = tmp_path / "set"
    render_set(2, 5, "test", "easy", (320, 180), 1, out)
    desc = json.loads((out / "dataset.json").read_text())
    first = (out / "images" / "test-5-000000.jpg").stat().st_mtime_ns
    render_set(2, 5, "test", "easy", (320, 180), 1, out)  # the same: kept
    assert (out / "images" / "test-5-000000.jpg").stat().st_mtime_ns == first
    # a set drawn before the simulator changed (its digest differs) is drawn again
    (out / "dataset.json").write_text(json.dumps(dict(desc, simulator="0" * 16)))
    render_set(2, 5, "test", "easy", (320, 180), 1, out)
    assert json.loads((out / "dataset.json").read_text())["simulator"] == desc["simulator"]
    assert (out / "images" / "test-5-000000.jpg").stat().st_mtime_ns != first
