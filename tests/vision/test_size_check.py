"""The size check: a 330 and a 500 ml can of one beer told apart by how big they look."""

import numpy as np
import pytest

from hardware.camera.pinhole import CameraModel
from hardware.sim.camera_model import default_camera
from kiosk.models import ModelRepository
from kiosk.vision.config import CameraCalibration, VisionConfig
from kiosk.vision.session import Detector, open_detector
from kiosk.vision.size_check import SizeCheck, SizeTable, _boxes_at, cylinder_points, fitted_boxes
from tests.vision.tiny_models import (
    classifier_section,
    colour_classifier,
    constant_detector,
    profile_for,
    write_release,
    yolo_output,
)

CAM = default_camera(1280, 720)
SMALL, TALL = (66.0, 115.0), (66.0, 168.0)  # the 330 and the 500 ml can
CHECK = SizeCheck([[0, 1]], {0: SMALL, 1: TALL}, sigma=0.05)


def seen_box(size, at=(300.0, 200.0), pose=0, camera=CAM):
    """The box a can of `size` standing (pose 0) or lying (pose k) at `at` makes."""
    return _boxes_at(camera, cylinder_points(*size)[pose : pose + 1], np.array([at]))[0, 0]


def tie(n=1):
    """The classifier cannot tell the two cans apart; a third class is far behind."""
    return np.tile(np.array([[0.48, 0.48, 0.04]]), (n, 1))


@pytest.mark.parametrize("size, right", [(SMALL, 0), (TALL, 1)])
@pytest.mark.parametrize("at", [(300.0, 200.0), (80.0, 60.0), (520.0, 380.0)])
def test_a_standing_can_is_named_by_its_size_anywhere_on_the_tray(size, right, at):
    probs, checked = CHECK(tie(), [seen_box(size, at)], CAM, (1280, 720))
    assert checked.tolist() == [0]
    assert probs[0].argmax() == right and probs[0, right] > 0.9
    assert probs[0, :2].sum() == pytest.approx(0.96)  # the group keeps its share
    assert probs[0, 2] == pytest.approx(0.04)  # other classes are not touched


@pytest.mark.parametrize("pose", [1, 3, 5])  # lying, at three headings
def test_a_can_lying_on_its_side_is_named_by_its_length(pose):
    for size, right in ((SMALL, 0), (TALL, 1)):
        box = seen_box(size, pose=pose)
        probs, _ = CHECK(tie(), [box], CAM, (1280, 720))
        assert probs[0].argmax() == right


def test_a_wrong_first_opinion_is_overruled_by_a_clear_size():
    probs = np.array([[0.7, 0.25, 0.05]])
    out, _ = CHECK(probs, [seen_box(TALL)], CAM, (1280, 720))
    assert out[0].argmax() == 1


def test_a_box_the_group_does_not_hold_is_left_alone():
    probs = np.array([[0.1, 0.1, 0.8]])
    out, checked = CHECK(probs, [seen_box(TALL)], CAM, (1280, 720))
    assert out is probs and checked.size == 0


def test_a_can_standing_on_another_item_is_left_to_the_classifier():
    # Its base is unknown (on a box of biscuits the small can's lid is nearer the lens):
    # a box lying mostly on another is not measured.
    can = seen_box(SMALL)
    under = np.array([can[0] - 60, can[1] - 40, can[2] + 50, can[3] + 70])
    probs = np.vstack([tie(), [[0.0, 0.0, 1.0]]])
    out, checked = CHECK(probs, [can, under], CAM, (1280, 720))
    assert checked.size == 0 and np.array_equal(out, probs)


def test_a_frame_at_another_resolution_is_measured_in_the_calibrations_pixels():
    box = seen_box(TALL) / 2  # the same can in a 640x360 frame
    out, _ = CHECK(tie(), [box], CAM, (640, 360))
    assert out[0].argmax() == 1


def test_the_size_table_predicts_what_the_fit_does_between_its_grid_points():
    variants = np.stack([cylinder_points(*SMALL), cylinder_points(*TALL)])
    table = SizeTable(CAM, variants)
    rng = np.random.default_rng(3)
    for cx, cy in rng.uniform((40, 40), (1240, 680), (20, 2)):
        fit = fitted_boxes(CAM, [(cx, cy)], variants.reshape(-1, *variants.shape[2:]))[0]
        exact = np.log(fit[:, 2:] - fit[:, :2])
        assert np.abs(table.lookup(cx, cy) - exact).max() < 0.015  # sigma is 5 %


def test_the_calibration_survives_a_round_trip_and_refuses_nonsense():
    assert CameraModel.from_dict(CAM.to_dict()) == CAM
    with pytest.raises(ValueError, match="not a camera calibration"):
        CameraModel.from_dict({"width": 1280})
    bad = dict(CAM.to_dict(), position_mm=[0, 0, -5])
    with pytest.raises(ValueError, match="above"):
        CameraModel.from_dict(bad)
    with pytest.raises(ValueError, match="above"):
        CameraCalibration.model_validate(bad)


# -- in the detector ------------------------------------------------------------------

LABELS = ["beer-seabreeze-330", "beer-seabreeze-500", "chips-original-70"]
SIZES = {"beer-seabreeze-330": SMALL, "beer-seabreeze-500": TALL}


def beer_release(tmp_path, box, **size_check):
    """A detector that always reports `box` (frame pixels; input 320x256 for 1280x720:
    scale 0.25, pad_y 38) and a classifier that cannot tell the two beers apart (the
    same colour weights for both: a red crop is half one, half the other)."""
    x1, y1, x2, y2 = (v * 0.25 for v in box)
    y1, y2 = y1 + 38, y2 + 38
    out = yolo_output([((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)], [[0.45, 0.45, 0.0]], 8)
    data = constant_detector(out, 320, 256)
    # rows R, G, B; columns the labels: red is either beer, blue the crisps
    weights = np.array([[12.0, 12.0, 0], [0, 0, 0], [0, 0, 12.0]], np.float32)
    clf = colour_classifier(weights)
    check = {"sizes_mm": SIZES, "groups": [LABELS[:2]], "sigma": 0.05, **size_check}
    profile = profile_for(
        data, LABELS, 320, 256, anchors=8, classifier=classifier_section(clf), size_check=check
    )
    write_release(tmp_path, data, profile, clf)
    return ModelRepository(tmp_path).load("tiny", 1)


def red_frame(box):
    frame = np.zeros((720, 1280, 3), np.uint8)
    x1, y1, x2, y2 = (round(float(v)) for v in box)
    frame[y1:y2, x1:x2] = (0, 0, 255)
    return frame


@pytest.mark.parametrize("size, sku", [(SMALL, "beer-seabreeze-330"), (TALL, "beer-seabreeze-500")])
def test_the_detector_names_a_standing_beer_by_its_size_with_a_calibrated_camera(
    tmp_path, size, sku
):
    box = seen_box(size)
    det = Detector(beer_release(tmp_path, box), warmup_runs=0)
    res = det.detect(red_frame(box), CAM)
    assert [it.best.sku for it in res.items] == [sku]
    assert res.items[0].best.score > 0.9
    # without a calibration the classifier's tie stands: both stay candidates
    plain = det.detect(red_frame(box))
    assert {c.sku for c in plain.items[0].candidates[:2]} == set(LABELS[:2])
    assert plain.items[0].best.score < 0.6


def test_open_detector_takes_the_calibration_from_the_config(tmp_path):
    box = seen_box(TALL)
    beer_release(tmp_path, box)
    calib = CameraCalibration.model_validate(CAM.to_dict())
    config = VisionConfig(model="tiny", repository=str(tmp_path), camera_calibration=calib,
                          warmup_runs=0)  # fmt: skip
    det = open_detector(config)
    assert det.camera == CAM
    assert det.detect(red_frame(box)).items[0].best.sku == "beer-seabreeze-500"


def test_a_profile_refuses_a_size_check_it_cannot_run():
    clf = colour_classifier(np.eye(3, dtype=np.float32))
    good = {"sizes_mm": SIZES, "groups": [LABELS[:2]]}
    with pytest.raises(ValueError, match="no size for: beer-seabreeze-500"):
        profile_for(b"x", LABELS, 320, 256, 8, classifier=classifier_section(clf),
                    size_check=dict(good, sizes_mm={"beer-seabreeze-330": SMALL}))  # fmt: skip
    with pytest.raises(ValueError, match="unknown labels: beer-x"):
        profile_for(b"x", LABELS, 320, 256, 8, classifier=classifier_section(clf),
                    size_check=dict(good, groups=[["beer-seabreeze-330", "beer-x"]],
                                    sizes_mm=dict(SIZES, **{"beer-x": TALL})))  # fmt: skip
    with pytest.raises(ValueError, match="size_check needs a classifier"):
        profile_for(b"x", LABELS, 320, 256, 8, size_check=good)
