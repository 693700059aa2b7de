"""Golden outputs: a release is refused at load when it does not detect on its golden
picture what it detected where it was made (another runtime, provider or pre-processing
computing something else), and says what differed."""

import hashlib

import cv2
import numpy as np
import pytest

from kiosk.models import ModelError, ModelRepository
from kiosk.models.profile import GoldenBox, GoldenProfile
from kiosk.vision.config import VisionConfig
from kiosk.vision.golden import golden_differences
from kiosk.vision.postprocess import Detections
from kiosk.vision.session import open_detector
from tests.vision.tiny_models import constant_detector, profile_for, write_release, yolo_output

LABELS = ["cola-classic-330", "cola-lemon-330", "chips-original-70"]


def _golden(boxes, tol=0.08, iou=0.85):
    return GoldenProfile(
        sha256="0" * 64, size_bytes=1, score_tolerance=tol, min_iou=iou,
        detections=[GoldenBox(sku=s, score=p, box=b) for s, p, b in boxes],
    )  # fmt: skip


def _got(boxes):
    n = len(boxes)
    return Detections(
        np.asarray([b for _, _, b in boxes], np.float32).reshape(n, 4),
        np.asarray([p for _, p, _ in boxes], np.float32),
        np.asarray([LABELS.index(s) for s, _, _ in boxes], np.int64),
        np.zeros((n, 1), np.int64),
        np.zeros((n, 1), np.float32),
    )


CAN = ("cola-classic-330", 0.9, [100.0, 100.0, 180.0, 260.0])
CHIPS = ("chips-original-70", 0.7, [300.0, 80.0, 460.0, 300.0])


def test_the_same_detections_within_tolerance_agree():
    shifted = ("cola-classic-330", 0.86, [102.0, 101.0, 181.0, 262.0])
    assert golden_differences(_golden([CAN, CHIPS]), _got([CHIPS, shifted]), LABELS, 0.4) == []


def test_another_class_a_lost_box_or_an_extra_one_is_named():
    lemon = ("cola-lemon-330", 0.9, CAN[2])
    lost, extra = golden_differences(_golden([CAN, CHIPS]), _got([lemon, CHIPS]), LABELS, 0.4)
    assert lost.startswith("cola-classic-330 0.90") and "(cola-lemon-330 0.90 at IoU 1.00)" in lost
    assert extra.startswith("cola-lemon-330 0.90") and extra.endswith("is extra")
    extra = [
        problem for problem in golden_differences(_golden([CAN]), _got([CAN, CHIPS]), LABELS, 0.4)
    ]
    assert extra == ["chips-original-70 0.70 at (300, 80, 460, 300) is extra"]
    lost = golden_differences(_golden([CAN, CHIPS]), _got([CAN]), LABELS, 0.4)
    assert lost == ["chips-original-70 0.70 at (300, 80, 460, 300) not found (nothing there)"]
    weaker = ("chips-original-70", 0.55, CHIPS[2])  # beyond the score tolerance
    assert len(golden_differences(_golden([CAN, CHIPS]), _got([CAN, weaker]), LABELS, 0.4)) == 2


def test_a_box_near_the_score_threshold_may_come_and_go():
    faint = ("chips-original-70", 0.43, CHIPS[2])  # within 0.08 of the 0.40 threshold
    assert golden_differences(_golden([CAN, faint]), _got([CAN]), LABELS, 0.4) == []
    assert golden_differences(_golden([CAN]), _got([CAN, faint]), LABELS, 0.4) == []


@pytest.fixture
def release_dir(tmp_path):
    """A release whose model always sees a classic cola (0.9) at a fixed place."""
    out = yolo_output([(160, 128, 80, 40)], [[0.9, 0.4, 0.0]], anchors=8)
    data = constant_detector(out, 320, 256)
    picture = tmp_path / "golden.png"
    cv2.imwrite(str(picture), np.full((256, 320, 3), 120, np.uint8))
    raw = picture.read_bytes()
    golden = {
        "file": "golden.png", "sha256": hashlib.sha256(raw).hexdigest(), "size_bytes": len(raw),
        "detections": [{"sku": "cola-classic-330", "score": 0.9, "box": [120, 108, 200, 148]}],
        "provider": "CPUExecutionProvider, x86_64",
    }  # fmt: skip
    d = write_release(
        tmp_path / "repo", data, profile_for(data, LABELS, 320, 256, 8, golden=golden)
    )
    (d / "golden.png").write_bytes(raw)
    return d


def _open(release_dir):
    return open_detector(
        VisionConfig(model="tiny", repository=str(release_dir.parent.parent), warmup_runs=0)
    )


def test_a_release_that_sees_its_golden_picture_as_it_did_serves(release_dir):
    assert _open(release_dir).version == "tiny/1"


def test_a_release_that_sees_something_else_there_is_refused(release_dir):
    import json

    doc = json.loads((release_dir / "profile.json").read_text())
    doc["golden"]["detections"][0]["sku"] = "cola-lemon-330"  # made elsewhere: lemon
    (release_dir / "profile.json").write_text(json.dumps(doc))
    with pytest.raises(ModelError, match=r"does not detect on its golden picture.*cola-lemon-330"):
        _open(release_dir)


def test_a_damaged_golden_picture_is_refused_as_any_file(release_dir):
    (release_dir / "golden.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(ModelError, match=r"golden\.png"):
        ModelRepository(release_dir.parent.parent).load("tiny", 1)
