"""Pre- and post-processing: the pure functions the kiosk and training share."""

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.vision.postprocess import (
    DecodeParams,
    Detections,
    OutputError,
    box_iou,
    check_output,
    decode,
    split_doubtful,
)
from kiosk.vision.preprocess import (
    FrameError,
    InputSpec,
    check_frame,
    letterbox,
    letterbox_geometry,
    preprocess,
    to_tensor,
)
from tests.vision.tiny_models import yolo_output

# -- letterbox -----------------------------------------------------------------


def test_letterbox_keeps_aspect_and_centres_with_grey_border():
    img = np.full((720, 1280, 3), 200, np.uint8)
    canvas, geo = letterbox(img, 448, 256, fill=114)
    assert canvas.shape == (256, 448, 3)
    assert geo.scale == pytest.approx(0.35)
    assert (geo.pad_x, geo.pad_y) == (0, 2)  # 1280x720 → 448x252, 2 px bars top and bottom
    assert (canvas[:2] == 114).all() and (canvas[-2:] == 114).all()
    assert (canvas[2:-2] == 200).all()


def test_letterbox_portrait_frame_pads_the_sides():
    img = np.zeros((400, 200, 3), np.uint8)
    canvas, geo = letterbox(img, 320, 320)
    assert geo.scale == pytest.approx(0.8)
    assert (geo.pad_x, geo.pad_y) == (80, 0)
    assert (canvas[:, :80] == 114).all() and (canvas[:, 80:240] == 0).all()


def test_letterbox_same_size_is_untouched():
    img = np.random.default_rng(0).integers(0, 255, (256, 448, 3), dtype=np.uint8)
    canvas, geo = letterbox(img, 448, 256)
    assert geo.scale == 1.0 and np.array_equal(canvas, img)


def letterbox_by_fill_resize_and_paste(image, input_w, input_h, fill):
    """The plain way to letterbox: a grey canvas, a resized copy pasted into it."""
    h, w = image.shape[:2]
    geo = letterbox_geometry(w, h, input_w, input_h)
    new_w, new_h = (
        min(input_w, max(1, round(w * geo.scale))),
        min(input_h, max(1, round(h * geo.scale))),
    )
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((input_h, input_w, 3), fill, np.uint8)
    canvas[geo.pad_y : geo.pad_y + new_h, geo.pad_x : geo.pad_x + new_w] = resized
    return canvas


@pytest.mark.parametrize(
    ("fw", "fh", "iw", "ih"),
    [(1280, 720, 448, 256), (200, 400, 320, 320), (1920, 1080, 640, 640), (100, 60, 448, 256),
     (448, 250, 448, 256), (250, 256, 448, 256), (640, 480, 448, 256)],
)  # fmt: skip
def test_letterbox_resizing_into_the_canvas_gives_the_plain_canvas(fw, fh, iw, ih):
    # Landscape, portrait (the resize writes into a strided view), upscaled, and frames
    # that need no resize but still need bars.
    img = np.random.default_rng(fw * fh).integers(0, 256, (fh, fw, 3), dtype=np.uint8)
    canvas, _ = letterbox(img, iw, ih, fill=114)
    assert canvas.flags.c_contiguous
    assert np.array_equal(canvas, letterbox_by_fill_resize_and_paste(img, iw, ih, 114))


@given(
    fw=st.integers(16, 2000),
    fh=st.integers(16, 2000),
    iw=st.sampled_from([320, 448, 640]),
    ih=st.sampled_from([256, 320, 480]),
    box=st.tuples(*[st.floats(0, 1)] * 4),
)
@settings(max_examples=200, deadline=None)
def test_boxes_round_trip_between_frame_and_input(fw, fh, iw, ih, box):
    geo = letterbox_geometry(fw, fh, iw, ih)
    x1, x2 = sorted((box[0] * fw, box[2] * fw))
    y1, y2 = sorted((box[1] * fh, box[3] * fh))
    b = np.array([[x1, y1, x2, y2]], np.float32)
    back = geo.boxes_to_frame(geo.boxes_to_input(b))
    assert np.allclose(back, b, atol=1e-2 * max(fw, fh) / 100 + 1e-3)
    inp = geo.boxes_to_input(b)
    assert inp.min() >= -1e-3 and inp[0, 2] <= iw + 1e-3 and inp[0, 3] <= ih + 1e-3


def test_to_tensor_swaps_to_rgb_and_scales():
    canvas = np.zeros((2, 3, 3), np.uint8)
    canvas[..., 0] = 255  # blue in BGR
    t = to_tensor(canvas)
    assert t.shape == (1, 3, 2, 3) and t.dtype == np.float32
    assert (t[0, 2] == 1.0).all() and (t[0, 0] == 0.0).all()  # blue is the last RGB plane
    bgr = to_tensor(canvas, rgb=False)
    assert (bgr[0, 0] == 1.0).all()
    norm = to_tensor(canvas, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
    assert (norm[0, 2] == 1.0).all() and (norm[0, 0] == -1.0).all()


@pytest.mark.parametrize(
    "kw",
    [{}, {"rgb": False}, {"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225)},
     {"scale": 1.0}],
)  # fmt: skip
def test_to_tensor_into_a_reused_buffer_is_the_plain_tensor(kw):
    rng = np.random.default_rng(1)
    canvas = rng.integers(0, 256, (256, 448, 3), dtype=np.uint8)
    plain = to_tensor(canvas, **kw)
    # What the training recipe's numbers mean: colour order, cast, scale, normalise.
    planes = canvas[..., ::-1] if kw.get("rgb", True) else canvas
    want = planes.transpose(2, 0, 1)[None].astype(np.float32) * np.float32(kw.get("scale", 1 / 255))
    if "mean" in kw:
        want = (want - np.float32(kw["mean"])[:, None, None]) / np.float32(kw["std"])[:, None, None]
    np.testing.assert_allclose(plain, want, rtol=0, atol=1e-6)
    buf = np.full((1, 3, 256, 448), np.nan, np.float32)
    for _ in range(2):  # a second frame into the same buffer leaves nothing of the first
        got = to_tensor(canvas, **kw, out=buf)
        assert got is buf and np.array_equal(got, plain)
        canvas = rng.integers(0, 256, (256, 448, 3), dtype=np.uint8)
        plain = to_tensor(canvas, **kw)


@pytest.mark.parametrize(
    "out",
    [np.empty((1, 3, 256, 320), np.float32), np.empty((1, 3, 256, 448), np.float64),
     np.empty((1, 3, 448, 256), np.float32).transpose(0, 1, 3, 2)],
)  # fmt: skip
def test_to_tensor_refuses_a_buffer_it_cannot_fill_in_place(out):
    with pytest.raises(ValueError, match="out must be"):
        to_tensor(np.zeros((256, 448, 3), np.uint8), out=out)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (np.zeros((480, 640), np.uint8), "BGR"),
        (np.zeros((480, 640, 4), np.uint8), "BGR"),
        (np.zeros((480, 640, 3), np.uint16), "8-bit"),
        (np.zeros((480, 640, 3), np.float32), "8-bit"),
        (np.zeros((8, 640, 3), np.uint8), "too small"),
        ("not an image", "numpy array"),
        (None, "numpy array"),
    ],
)
def test_unusable_frames_are_refused_with_what_was_wrong(frame, message):
    with pytest.raises(FrameError, match=message):
        check_frame(frame)
    with pytest.raises(FrameError):
        preprocess(frame, InputSpec(320, 256))


# -- decode ------------------------------------------------------------------------


def test_decode_converts_centre_boxes_and_keeps_best_first():
    out = yolo_output(
        [(100, 100, 40, 20), (200, 50, 10, 10)],
        [[0.2, 0.9, 0.0], [0.6, 0.1, 0.05]],
    )
    d = decode(out, DecodeParams(score_threshold=0.3, topk=2))
    assert len(d) == 2
    assert d.class_ids.tolist() == [1, 0]
    assert np.allclose(d.boxes[0], [80, 90, 120, 110])
    assert d.topk_ids[0].tolist() == [1, 0] and np.allclose(d.topk_scores[0], [0.9, 0.2])
    assert d.topk_ids[1].tolist() == [0, 1] and np.allclose(d.topk_scores[1], [0.6, 0.1])


def test_decode_drops_low_scores_and_handles_nothing():
    out = yolo_output([(10, 10, 5, 5)], [[0.1, 0.2]])
    assert len(decode(out, DecodeParams(score_threshold=0.25))) == 0
    empty = np.zeros((1, 6, 0), np.float32)
    d = decode(empty)
    assert len(d) == 0 and d.topk_ids.shape == (0, 2)


def test_nms_is_class_aware():
    # Two overlapping boxes of the same class: one survives. Of different classes
    # (two items lying on top of each other): both, unless nearly identical.
    same = yolo_output([(50, 50, 40, 40), (52, 50, 40, 40)], [[0.9, 0], [0.8, 0]])
    assert len(decode(same, DecodeParams(iou_threshold=0.5))) == 1
    diff = yolo_output([(50, 50, 40, 40), (70, 50, 40, 40)], [[0.9, 0], [0, 0.8]])
    assert len(decode(diff, DecodeParams(iou_threshold=0.5, cross_class_iou=0.7))) == 2


def test_look_alike_duplicate_is_merged_and_its_score_kept_as_candidate():
    # One can seen as both classic (0.8) and lemon (0.6) in two near-identical boxes.
    out = yolo_output([(50, 50, 40, 40), (51, 50, 40, 40)], [[0.8, 0.55], [0.5, 0.6]])
    d = decode(out, DecodeParams(cross_class_iou=0.7, topk=2))
    assert len(d) == 1 and d.class_ids.tolist() == [0]
    assert d.topk_ids[0].tolist() == [0, 1] and np.allclose(d.topk_scores[0], [0.8, 0.55])
    off = decode(out, DecodeParams(cross_class_iou=1.0, topk=2))
    assert len(off) == 2


def test_candidates_below_the_floor_are_padded_but_the_winner_stays():
    out = yolo_output([(50, 50, 40, 40)], [[0.9, 0.001, 0.0]])
    d = decode(out, DecodeParams(topk=3, candidate_min_score=0.01))
    assert d.topk_ids[0].tolist() == [0, -1, -1]
    assert d.topk_scores[0].tolist()[1:] == [0.0, 0.0]


def test_max_candidates_keeps_the_highest_scores():
    rng = np.random.default_rng(1)
    n = 500
    boxes = [(float(x), 10.0, 4.0, 4.0) for x in range(0, n * 10, 10)]  # disjoint
    scores = rng.uniform(0.3, 1.0, (n, 1)).tolist()
    d = decode(yolo_output(boxes, scores), DecodeParams(max_candidates=50, max_detections=100))
    assert len(d) == 50
    assert np.allclose(np.sort(d.scores)[::-1], np.sort(np.asarray(scores)[:, 0])[::-1][:50])


@given(st.integers(1, 60), st.integers(0, 10_000))
@settings(max_examples=60, deadline=None)
def test_nms_output_has_no_same_class_pair_above_the_iou(n, seed):
    rng = np.random.default_rng(seed)
    boxes = np.column_stack(
        [
            rng.uniform(0, 200, n),
            rng.uniform(0, 200, n),
            rng.uniform(5, 80, n),
            rng.uniform(5, 80, n),
        ]
    )
    scores = rng.uniform(0, 1, (n, 3))
    d = decode(yolo_output(boxes.tolist(), scores.tolist()), DecodeParams(0.2, 0.45, 1.0))
    iou = box_iou(d.boxes, d.boxes)
    same = d.class_ids[:, None] == d.class_ids[None, :]
    np.fill_diagonal(same, False)
    assert not (iou[same] > 0.45 + 1e-6).any()
    assert (np.diff(d.scores) <= 1e-7).all()


def iou_by_hand(p, q):
    iw = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
    ih = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
    union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - iw * ih
    return iw * ih / max(union, 1e-9)


@given(n=st.integers(0, 30), m=st.integers(0, 30), seed=st.integers(0, 2**16))
@settings(max_examples=100, deadline=None)
def test_box_iou_is_the_pairwise_iou(n, m, seed):
    rng = np.random.default_rng(seed)
    # (k, 2 corners, x/y) sorted over the corners: x1 <= x2 and y1 <= y2.
    a, b = (np.sort(rng.random((k, 2, 2)) * 100, axis=1).reshape(k, 4).astype(np.float32)
            for k in (n, m))  # fmt: skip
    want = np.array([[iou_by_hand(p, q) for q in b] for p in a], np.float32).reshape(n, m)
    got = box_iou(a, b)
    assert got.shape == (n, m) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(1, 3, 10), (2, 44, 10), (44,), (1, 10, 44, 1)])
def test_wrong_output_layout_is_refused(shape):
    with pytest.raises(OutputError, match="layout"):
        check_output(np.zeros(shape, np.float32))


def test_output_class_count_must_match_the_labels():
    with pytest.raises(OutputError, match="profile lists 3"):
        check_output(np.zeros((1, 9, 10), np.float32), num_classes=3)


def test_split_doubtful_keeps_half_seen_items_apart_and_drops_parts_of_sure_ones():
    boxes = np.array(
        [
            [0, 0, 200, 200],  # a sure crisps bag
            [20, 20, 100, 100],  # half of it, seen again weakly as crisps: a part
            [30, 30, 60, 120],  # a lighter lying on the bag: another item
            [400, 0, 450, 60],  # a weak gum on its own
            [300, 300, 360, 360],  # a sure cola
        ],
        np.float32,
    )
    scores = np.array([0.9, 0.3, 0.3, 0.2, 0.8], np.float32)
    ids = np.array([1, 1, 2, 3, 0])
    dets = Detections(boxes, scores, ids, ids[:, None], scores[:, None])
    sure, doubtful = split_doubtful(dets, 0.4)
    assert sure.class_ids.tolist() == [1, 0] and sure.scores.tolist() == pytest.approx([0.9, 0.8])
    assert doubtful.class_ids.tolist() == [2, 3]
    assert doubtful.boxes.tolist() == [[30, 30, 60, 120], [400, 0, 450, 60]]
    # nothing sure: every weak box is doubtful; nothing weak: none
    assert len(split_doubtful(dets, 0.95)[1]) == 5
    assert len(split_doubtful(dets, 0.1)[1]) == 0
