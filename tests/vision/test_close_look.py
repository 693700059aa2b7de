"""The close look: a box torn between look-alikes is classified again at a higher
resolution by a model of those families, which re-divides the family's probability."""

import json

import numpy as np
import pytest

from kiosk.models import ModelError, ModelRepository
from kiosk.models.profile import ModelProfile
from kiosk.vision.refine import apply_close_look, close_look_rows, family_index
from kiosk.vision.session import Detector
from tests.vision.test_refine import COLOUR_WEIGHTS, LABELS, painted_frame
from tests.vision.tiny_models import (
    classifier_section,
    colour_classifier,
    constant_detector,
    profile_for,
    write_release,
    yolo_output,
)

GROUPS = [["cola-classic-330", "cola-lemon-330"]]
FAMILY = family_index(LABELS, GROUPS)  # classic, lemon: family 0; chips: none


def test_only_boxes_torn_within_a_family_are_looked_at():
    probs = np.array(
        [
            [0.60, 0.35, 0.05],  # classic or lemon: look
            [0.97, 0.02, 0.01],  # surely classic: no
            [0.40, 0.05, 0.55],  # chips first, which has no look-alike: no
            [0.05, 0.93, 0.02],  # lemon, the rest of its family holds 0.05: look
        ],
        np.float32,
    )
    assert close_look_rows(probs, FAMILY, 0.05).tolist() == [0, 3]
    assert close_look_rows(np.zeros((0, 3), np.float32), FAMILY, 0.05).tolist() == []


def test_the_close_look_moves_probability_within_the_family_only():
    probs = np.array([[0.60, 0.30, 0.10]], np.float32)
    close = np.array([[0.02, 0.97, 0.01]], np.float32)  # its chips column is never read
    alone = apply_close_look(probs, np.array([0]), FAMILY, close, first_weight=0.0)
    assert alone[0, 2] == pytest.approx(0.10)  # chips keeps its share
    assert alone[0, :2].sum() == pytest.approx(0.90)
    assert alone[0, 1] == pytest.approx(0.90 * 0.97 / 0.99, rel=1e-4)  # lemon now
    both = apply_close_look(probs, np.array([0]), FAMILY, close, first_weight=1.0)
    assert both[0, 1] == pytest.approx(0.90 * 0.30 * 0.97 / (0.60 * 0.02 + 0.30 * 0.97), rel=1e-4)
    assert probs[0].tolist() == pytest.approx([0.60, 0.30, 0.10])  # the input is untouched


# The first classifier is torn on the green item (classic 0.45 / lemon 0.55) and the
# detector leans to classic: the two stages say classic. The close look (64 px) sees
# green clearly: lemon.
TORN = np.array([[12.0, 0, 0], [4.8, 5.0, 0], [0, 0, 12.0]], np.float32)


def close_look_release(root, look=None, **look_section):
    out = yolo_output([(100, 100, 40, 40), (220, 160, 40, 40)], [[0.9, 0.2, 0.0]] * 2, anchors=8)
    data = constant_detector(out, 320, 256)
    clf = colour_classifier(TORN)
    look = colour_classifier(COLOUR_WEIGHTS, crop_size=64) if look is None else look
    section = classifier_section(clf)
    section["close_look"] = {
        **classifier_section(look, crop_size=64),
        "file": "close_look.onnx",
        "groups": GROUPS,
        **look_section,
    }
    profile = profile_for(data, LABELS, 320, 256, anchors=8, classifier=section)
    write_release(root, data, profile, clf, look)
    return root


def test_the_detector_asks_the_close_look_about_the_torn_box_only(tmp_path):
    no_look = close_look_release(tmp_path / "a")
    d = no_look / "tiny" / "1"
    doc = json.loads((d / "profile.json").read_text())
    doc["classifier"]["close_look"] = None
    (d / "profile.json").write_text(json.dumps(doc))
    plain = Detector(ModelRepository(no_look).load("tiny", 1), warmup_runs=0)
    green_box = min(plain.detect(painted_frame()).items, key=lambda it: it.box[0])
    assert green_box.best.sku == "cola-classic-330"  # the two stages alone get it wrong

    det = Detector(ModelRepository(close_look_release(tmp_path / "b")).load("tiny", 1))
    assert det.refiner.close_look is not None
    res = det.detect(painted_frame())
    green, blue = sorted(res.items, key=lambda it: it.box[0])
    assert green.best.sku == "cola-lemon-330" and green.best.score > 0.95
    assert blue.best.sku == "chips-original-70"
    assert len(res.looked_at) == 1  # blue was not torn
    assert res.looked_at[0].tolist() == pytest.approx(list(green.box))


def test_a_corrupt_or_mismatched_close_look_is_refused_by_name(tmp_path):
    root = close_look_release(tmp_path / "a")
    path = root / "tiny" / "1" / "close_look.onnx"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelError, match=r"close_look\.onnx sha256 .* corrupt or replaced"):
        ModelRepository(root).load("tiny", 1)
    other_size = colour_classifier(COLOUR_WEIGHTS, crop_size=32)  # the profile says 64
    release = ModelRepository(close_look_release(tmp_path / "b", other_size)).load("tiny", 1)
    with pytest.raises(ModelError, match="close look input 'crops'"):
        Detector(release, warmup_runs=0)


def test_a_close_look_naming_labels_the_model_lacks_is_refused(tmp_path):
    root = close_look_release(tmp_path)
    doc = json.loads((root / "tiny" / "1" / "profile.json").read_text())
    doc["classifier"]["close_look"]["groups"] = [["cola-classic-330", "cola-cherry-330"]]
    with pytest.raises(ValueError, match="unknown labels: cola-cherry-330"):
        ModelProfile.model_validate(doc)
    doc["classifier"]["close_look"]["groups"] = [["cola-classic-330"]]
    with pytest.raises(ValueError, match="needs two different labels"):
        ModelProfile.model_validate(doc)
