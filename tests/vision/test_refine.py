"""The second stage: crops cut from the full frame, classified again, classes replaced."""

import json

import numpy as np
import pytest

from kiosk.models import ModelError, ModelRepository
from kiosk.vision.crops import box_geometry, crop_windows, crops_to_tensor, cut_crops
from kiosk.vision.postprocess import DecodeParams, Detections
from kiosk.vision.refine import apply_probabilities, fuse_probabilities, vet_boxes
from kiosk.vision.session import Detector
from tests.vision.tiny_models import (
    classifier_section,
    colour_classifier,
    constant_detector,
    profile_for,
    write_release,
    yolo_output,
)

LABELS = ["cola-classic-330", "cola-lemon-330", "chips-original-70"]
# mean R, G, B (0..1) → logits: red says classic, green says lemon, blue says chips
COLOUR_WEIGHTS = np.array([[12.0, 0, 0], [0, 12.0, 0], [0, 0, 12.0]], np.float32)


def dets(boxes, scores, class_ids):
    n = len(boxes)
    ids = np.asarray(class_ids, np.int64)[:, None]
    return Detections(
        np.asarray(boxes, np.float32).reshape(n, 4),
        np.asarray(scores, np.float32),
        np.asarray(class_ids, np.int64),
        np.concatenate([ids, -np.ones((n, 2), np.int64)], 1),
        np.concatenate([np.asarray(scores, np.float32)[:, None], np.zeros((n, 2), np.float32)], 1),
    )


def test_crop_windows_are_squares_around_the_box_with_context():
    (w,) = crop_windows(np.array([[100, 200, 300, 250]]), pad=0.1)
    assert w.tolist() == pytest.approx([80, 105, 320, 345])  # side 200 × 1.2, centred


def test_crop_shows_the_item_and_greys_what_lies_outside_the_frame():
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[300:400, 500:600] = (0, 0, 255)  # a red square (BGR)
    inner, edge = cut_crops(frame, np.array([[500, 300, 600, 400], [1240, 0, 1280, 40]]), 64)
    assert inner[32, 32].tolist() == [0, 0, 255]  # the item fills the centre
    assert inner[0, 0].tolist() == [0, 0, 0]  # the context around it is the tray
    # A box in the corner: half of its window lies outside the frame and stays grey.
    assert edge[2, 2].tolist() == [114, 114, 114] and edge[40, 20].tolist() == [0, 0, 0]


def test_crop_tensor_is_rgb_in_unit_range():
    crops = np.zeros((1, 4, 4, 3), np.uint8)
    crops[..., 2] = 255  # red in BGR
    x = crops_to_tensor(crops)
    assert x.shape == (1, 3, 4, 4) and x[0, 0].max() == 1.0 and x[0, 2].max() == 0.0


def test_crop_tensor_is_the_plain_reorder_cast_and_scale():
    crops = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    want = crops[..., ::-1].transpose(0, 3, 1, 2).astype(np.float32) * np.float32(1 / 255)
    got = crops_to_tensor(crops)
    assert got.flags.c_contiguous and np.array_equal(got, want)


def test_box_geometry_ignores_orientation_and_scales_with_the_frame():
    # Centred boxes: the size is the same lying or standing, and at twice the resolution.
    lying = box_geometry(np.array([[512, 296, 768, 424]]), 1280, 720)
    standing = box_geometry(np.array([[576, 232, 704, 488]]), 1280, 720)
    assert lying.tolist() == standing.tolist() == [[2.0, 1.0, 0.0, 0.0]]
    assert box_geometry(np.array([[1024, 592, 1536, 848]]), 2560, 1440).tolist() == [
        [2.0, 1.0, 0.0, 0.0]
    ]


def test_box_geometry_says_where_the_item_stands_relative_to_the_lens_axis():
    # Top-left corner box and bottom-right: offsets from the centre, over the width, x2.
    (tl, br) = box_geometry(np.array([[0, 0, 128, 128], [1152, 592, 1280, 720]]), 1280, 720)
    assert tl[2:].tolist() == pytest.approx([-0.9, -0.4625])
    assert br[2:].tolist() == pytest.approx([0.9, 0.4625])


def test_probabilities_replace_the_class_but_keep_the_detector_confidence():
    d = dets([[0, 0, 10, 10], [50, 50, 60, 60]], [0.9, 0.6], [0, 0])
    probs = np.array([[0.1, 0.85, 0.05], [0.7, 0.2, 0.1]], np.float32)
    out = apply_probabilities(d, probs, topk=3)
    assert out.class_ids.tolist() == [1, 0]
    assert out.scores.tolist() == pytest.approx([0.9, 0.6])  # an item is there: unchanged
    assert out.topk_ids.tolist() == [[1, 0, 2], [0, 1, 2]]
    assert out.topk_scores[0].tolist() == pytest.approx([0.85, 0.1, 0.05])


def test_fusion_lets_two_weak_agreeing_opinions_beat_one_strong_disagreeing():
    # Detector: 0.6 classic, 0.3 lemon. Classifier: 0.45 classic, 0.55 lemon. Together
    # classic (0.27) beats lemon (0.165); the classifier alone would say lemon.
    d = dets([[0, 0, 10, 10]], [0.6], [0])
    d = Detections(d.boxes, d.scores, d.class_ids, np.array([[0, 1, -1]]),
                   np.array([[0.6, 0.3, 0.0]], np.float32))  # fmt: skip
    probs = np.array([[0.45, 0.55, 0.0]], np.float32)
    fused = fuse_probabilities(d, probs, detector_weight=1.0, floor=0.003)
    assert fused.argmax(1).tolist() == [0] and fused.sum() == pytest.approx(1.0)
    assert fused[0, 0] / fused[0, 1] == pytest.approx(0.27 / 0.165, rel=1e-5)
    assert fuse_probabilities(d, probs, 0.0, 0.003).argmax(1).tolist() == [1]


def test_a_class_the_detector_did_not_list_counts_as_the_floor():
    d = dets([[0, 0, 10, 10]], [0.9], [0])  # lists only class 0
    fused = fuse_probabilities(d, np.array([[0.001, 0.0, 0.999]], np.float32), 1.0, 0.01)
    assert fused.argmax(1).tolist() == [2]  # 0.999 x 0.01 beats 0.001 x 0.9


def test_two_boxes_that_become_the_same_sku_on_one_item_merge_into_the_surer():
    # The detector saw one can as classic (0.5) and as lemon (0.8), boxes IoU ~0.67;
    # the classifier says lemon for both: one can, kept with the stronger box.
    d = dets([[0, 0, 100, 100], [0, 20, 100, 120]], [0.5, 0.8], [0, 1])
    probs = np.array([[0.1, 0.9, 0.0], [0.05, 0.95, 0.0]], np.float32)
    out = apply_probabilities(d, probs, topk=2)
    assert len(out) == 1 and out.class_ids.tolist() == [1]
    assert out.boxes[0].tolist() == [0, 20, 100, 120] and out.scores[0] == pytest.approx(0.8)


def test_two_touching_items_of_one_sku_both_stay():
    d = dets([[0, 0, 100, 100], [90, 0, 190, 100]], [0.9, 0.9], [0, 0])
    out = apply_probabilities(d, np.array([[1.0, 0, 0], [1.0, 0, 0]], np.float32), topk=3)
    assert len(out) == 2


def test_negligible_candidates_are_padded_out():
    d = dets([[0, 0, 10, 10]], [0.9], [0])
    out = apply_probabilities(d, np.array([[0.995, 0.004, 0.001]], np.float32), topk=3)
    assert out.topk_ids.tolist() == [[0, -1, -1]]


def test_probability_rows_must_match_the_boxes():
    with pytest.raises(ValueError, match="2 probability rows for 1 boxes"):
        apply_probabilities(dets([[0, 0, 1, 1]], [0.9], [0]), np.zeros((2, 3)), topk=3)


def test_vetting_keeps_a_weak_box_that_clearly_shows_an_item_and_drops_a_sure_one_on_nothing():
    # Box 0: the detector is unsure (0.12) but the crop is plainly an item; box 1: the
    # detector is sure (0.9) but the crop is tray (a reflection, a hand).
    d = dets([[0, 0, 10, 10], [50, 50, 60, 60]], [0.12, 0.9], [0, 0])
    probs = np.array([[0.0, 0.95, 0.0, 0.05], [0.01, 0.0, 0.01, 0.98]], np.float32)
    kept, items = vet_boxes(d, probs, item_weight=0.5, threshold=0.25)
    assert len(kept) == 1 and kept.boxes[0].tolist() == [0, 0, 10, 10]
    assert kept.scores[0] == pytest.approx((0.12 * 0.95) ** 0.5)  # the box's new confidence
    assert items.shape == (1, 3) and items[0].tolist() == pytest.approx([0, 1, 0])


def test_vetting_does_not_rescue_a_weak_second_box_on_an_item_the_detector_is_sure_of():
    # The detector saw a bag (0.9) and, weakly, most of the same bag again (0.1): the
    # classifier calls both crops an item, but the shopper has one bag.
    d = dets([[0, 0, 100, 100], [0, 0, 100, 70]], [0.9, 0.1], [0, 0])
    probs = np.array([[0.97, 0, 0, 0.03], [0.97, 0, 0, 0.03]], np.float32)
    kept, _ = vet_boxes(d, probs, item_weight=0.5, threshold=0.25)
    assert kept.boxes.tolist() == [[0, 0, 100, 100]]


def test_vetting_with_weight_zero_is_the_detector_threshold_alone():
    d = dets([[0, 0, 10, 10], [50, 50, 60, 60]], [0.2, 0.3], [0, 0])
    probs = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]], np.float32)
    kept, _ = vet_boxes(d, probs, item_weight=0.0, threshold=0.25)
    assert kept.scores.tolist() == pytest.approx([0.3])


def two_stage_release(tmp_path, classifier=None, **section):
    # Input 320x256 for a 1280x720 frame (scale 0.25, pad_y 38). Two boxes, both
    # "cola-classic" to the detector: the classifier must tell them apart by colour.
    out = yolo_output([(100, 100, 40, 40), (220, 160, 40, 40)], [[0.9, 0.2, 0.0]] * 2, anchors=8)
    data = constant_detector(out, 320, 256)
    clf = colour_classifier(COLOUR_WEIGHTS) if classifier is None else classifier
    profile = profile_for(
        data, LABELS, 320, 256, anchors=8, classifier=classifier_section(clf, **section)
    )
    write_release(tmp_path, data, profile, clf)
    return tmp_path


def painted_frame():
    """A 1280x720 frame with a green item under box 0 and a blue item under box 1."""
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[168:328, 320:480] = (0, 255, 0)  # box 0: input (80..120, 80..120) → frame
    frame[408:568, 800:960] = (255, 0, 0)  # box 1: input (200..240, 140..180) → frame
    return frame


def test_detector_with_a_second_stage_names_each_box_by_its_own_pixels(tmp_path):
    release = ModelRepository(two_stage_release(tmp_path)).load("tiny", 1)
    det = Detector(release, warmup_runs=1)
    assert det.refiner is not None
    res = det.detect(painted_frame())
    by_x = sorted(res.items, key=lambda it: it.box[0])
    assert [it.best.sku for it in by_x] == ["cola-lemon-330", "chips-original-70"]
    assert all(it.best.score > 0.9 for it in by_x)  # the classifier's own certainty
    assert res.detections.scores.tolist() == pytest.approx([0.9, 0.9])  # the detector's


def test_a_corrupt_classifier_file_is_refused_by_name(tmp_path):
    root = two_stage_release(tmp_path)
    path = root / "tiny" / "1" / "classifier.onnx"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelError, match=r"classifier\.onnx sha256 .* corrupt or replaced"):
        ModelRepository(root).load("tiny", 1)
    path.unlink()
    with pytest.raises(ModelError, match=r"cannot read classifier\.onnx"):
        ModelRepository(root).load("tiny", 1)


def test_a_classifier_whose_classes_disagree_with_the_labels_is_refused(tmp_path):
    clf = colour_classifier(np.eye(3, 4, dtype=np.float32))  # four classes, three labels
    release = ModelRepository(two_stage_release(tmp_path, clf)).load("tiny", 1)
    with pytest.raises(ModelError, match=r"classifier output 'probs' .* profile says \[N, 3\]"):
        Detector(release, warmup_runs=0)


def test_a_classifier_of_another_crop_size_is_refused(tmp_path):
    release = ModelRepository(two_stage_release(tmp_path, crop_size=64)).load("tiny", 1)
    with pytest.raises(ModelError, match="classifier input 'crops'"):
        Detector(release, warmup_runs=0)


def test_the_profile_without_a_classifier_serves_the_detector_alone(tmp_path):
    root = two_stage_release(tmp_path)
    d = root / "tiny" / "1"
    doc = json.loads((d / "profile.json").read_text())
    doc["classifier"] = None
    (d / "profile.json").write_text(json.dumps(doc))
    det = Detector(ModelRepository(root).load("tiny", 1), warmup_runs=0)
    assert det.refiner is None
    assert {it.best.sku for it in det.detect(painted_frame()).items} == {"cola-classic-330"}


def test_a_classifier_that_knows_not_an_item_rescues_a_weak_box_and_drops_a_box_on_nothing(
    tmp_path,
):
    # The detector: box 0 (on the green item) only 0.12, under the 0.25 threshold; box 1
    # 0.9 on an empty black corner. The classifier's fourth output is "not an item":
    # dark crops say so (the size feature biases towards it), coloured ones name a SKU.
    out = yolo_output([(100, 100, 40, 40), (40, 200, 40, 40)], [[0.12, 0, 0], [0.9, 0, 0]], 8)
    data = constant_detector(out, 320, 256)
    weights = np.zeros((3, 4), np.float32)
    weights[:, :3] = COLOUR_WEIGHTS
    geometry = np.zeros((4, 4), np.float32)
    geometry[0, 3] = 4.0
    clf = colour_classifier(weights, geometry_weights=geometry)
    section = classifier_section(clf, not_an_item=True, proposal_score=0.05, item_weight=0.5)
    profile = profile_for(data, LABELS, 320, 256, anchors=8, classifier=section)
    write_release(tmp_path, data, profile, clf)
    det = Detector(ModelRepository(tmp_path).load("tiny", 1), warmup_runs=1)
    res = det.detect(painted_frame())
    assert [it.best.sku for it in res.items] == ["cola-lemon-330"]
    assert res.detections.scores[0] > 0.25


def test_proposals_below_the_threshold_need_a_classifier_that_can_say_not_an_item():
    clf = colour_classifier(COLOUR_WEIGHTS)
    with pytest.raises(ValueError, match="proposal_score needs a classifier"):
        profile_for(b"x", LABELS, 320, 256, anchors=8,
                    classifier=classifier_section(clf, proposal_score=0.05))  # fmt: skip


def test_boxes_between_the_doubt_and_score_thresholds_come_apart_as_doubtful(tmp_path):
    # A sure cola, a half-seen crisps bag (0.3) and a faint box (0.1) below `doubt`.
    out = yolo_output(
        [(60, 60, 40, 40), (200, 150, 40, 40), (280, 60, 20, 20)],
        [[0.9, 0.0, 0.0], [0.0, 0.0, 0.3], [0.0, 0.1, 0.0]],
        anchors=8,
    )
    data = constant_detector(out, 320, 256)
    thresholds = {"score": 0.4, "doubt": 0.2}
    write_release(tmp_path, data, profile_for(data, LABELS, 320, 256, 8, thresholds=thresholds))
    res = Detector(ModelRepository(tmp_path).load("tiny", 1), warmup_runs=1).detect(painted_frame())
    assert [it.best.sku for it in res.items] == ["cola-classic-330"]
    assert len(res.detections) == 1  # what `kiosk eval` scores: the reading alone
    (half,) = res.doubtful
    assert half.best.sku == "chips-original-70" and half.best.score == pytest.approx(0.3)
    # in frame pixels, as the items: input (180..220, 130..170) → frame at scale 0.25
    assert half.box == pytest.approx((720, 368, 880, 528))
    # a caller that keeps low boxes itself gets them all as items, and none doubtful
    low = Detector(
        ModelRepository(tmp_path).load("tiny", 1), warmup_runs=1,
        params=DecodeParams(score_threshold=0.05),
    ).detect(painted_frame())  # fmt: skip
    assert len(low.items) == 3 and low.doubtful == ()


def test_a_doubt_threshold_at_or_above_the_score_threshold_is_refused(tmp_path):
    data = constant_detector(yolo_output([(60, 60, 40, 40)], [[0.9, 0, 0]], anchors=8), 320, 256)
    with pytest.raises(ValueError, match="doubt"):
        profile_for(data, LABELS, 320, 256, 8, thresholds={"score": 0.4, "doubt": 0.4})
