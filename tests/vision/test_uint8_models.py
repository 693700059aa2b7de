"""Models that take the camera's bytes (uint8 NHWC) and convert them inside, as an NPU
deployment does: the profile says so, the kiosk hands the canvas and the crops over as
they are, and the answers are those of the float32 model they were made from."""

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from kiosk.models import ModelError, ModelRepository
from kiosk.vision.crops import crops_to_input, crops_to_tensor
from kiosk.vision.session import Detector
from models.training.uint8_input import uint8_input
from tests.vision.test_refine import COLOUR_WEIGHTS, LABELS, painted_frame
from tests.vision.tiny_models import (
    classifier_section,
    colour_classifier,
    constant_detector,
    profile_for,
    write_release,
    yolo_output,
)

UINT8_INPUT = {"layout": "NHWC", "dtype": "uint8", "color": "BGR"}
UINT8_CROPS = {"crops_dtype": "uint8", "crops_layout": "NHWC", "crops_color": "BGR"}


def mean_colour_detector(width: int, height: int) -> bytes:
    """One box whose three class scores are the image's mean R, G and B (0..1): a
    detector that names the frame's colour, so a colour-order slip shows."""
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["rgb"], axes=[2, 3], keepdims=0),
        helper.make_node("Unsqueeze", ["rgb", "last"], ["scores"]),
        helper.make_node("Concat", ["box", "scores"], ["output0"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "mean_colour_detector",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, height, width])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 7, 1])],
        initializer=[
            numpy_helper.from_array(np.array([[[160], [128], [80], [40]]], np.float32), "box"),
            numpy_helper.from_array(np.array([2], np.int64), "last"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def to_uint8(data: bytes, input_name: str = "images", color: str = "RGB") -> bytes:
    return uint8_input(onnx.load_from_string(data), input_name, color).SerializeToString()


def release(root, data, classifier=None, input_extra=None, **section):
    profile = profile_for(
        data, LABELS, 320, 256, anchors=data_anchors(data),
        input={"name": "images", "width": 320, "height": 256, **(input_extra or {})},
        **({"classifier": classifier_section(classifier, **section)} if classifier else {}),
    )  # fmt: skip
    write_release(root, data, profile, classifier)
    return ModelRepository(root).load("tiny", 1)


def data_anchors(data: bytes) -> int:
    dims = onnx.load_from_string(data).graph.output[0].type.tensor_type.shape.dim
    return dims[2].dim_value


def red_frame():
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[..., 2] = 255  # BGR
    return frame


def test_a_uint8_detector_is_handed_the_canvas_itself_and_sees_what_the_float_one_sees(
    tmp_path,
):
    float_model = mean_colour_detector(320, 256)
    plain = Detector(release(tmp_path / "f", float_model), warmup_runs=1)
    det = Detector(
        release(tmp_path / "u", to_uint8(float_model), input_extra=UINT8_INPUT), warmup_runs=1
    )
    prepared = det.prepare(red_frame())
    assert prepared.tensor.dtype == np.uint8 and prepared.tensor.shape == (1, 256, 320, 3)
    assert np.shares_memory(prepared.tensor, prepared.canvas)  # no copy, no conversion
    want, got = plain.detect(red_frame()), det.detect(red_frame())
    assert [it.best.sku for it in got.items] == ["cola-classic-330"]  # red, not blue
    assert got.items == want.items


def test_a_uint8_model_that_wants_rgb_bytes_gets_them(tmp_path):
    # The same converted graph without the flip: it takes its bytes in the order given.
    data = to_uint8(mean_colour_detector(320, 256), color="BGR")
    det = Detector(release(tmp_path, data, input_extra={**UINT8_INPUT, "color": "RGB"}))
    prepared = det.prepare(red_frame())
    assert prepared.tensor[0, 128, 160].tolist() == [255, 0, 0]
    assert [it.best.sku for it in det.detect(red_frame()).items] == ["cola-classic-330"]


@pytest.mark.parametrize(
    ("model_uint8", "input_extra", "message"),
    [
        (False, UINT8_INPUT, r"'images' is tensor\(float\), the profile says tensor\(uint8\)"),
        (True, {}, r"'images' is tensor\(uint8\), the profile says tensor\(float\)"),
    ],
)
def test_a_model_whose_input_type_disagrees_with_its_profile_is_refused(
    tmp_path, model_uint8, input_extra, message
):
    data = mean_colour_detector(320, 256)
    rel = release(tmp_path, to_uint8(data) if model_uint8 else data, input_extra=input_extra)
    with pytest.raises(ModelError, match=message):
        Detector(rel, warmup_runs=0)


@pytest.mark.parametrize(
    ("where", "fields", "message"),
    [
        ("input", {"dtype": "uint8"}, "a uint8 NCHW input is not supported"),
        ("input", {"layout": "NHWC"}, "a float32 NHWC input is not supported"),
        ("classifier", {"crops_color": "BGR"}, "float32 NCHW BGR crops are not supported"),
        ("classifier", {"crops_dtype": "uint8"}, "uint8 NCHW RGB crops are not supported"),
    ],
)
def test_input_formats_the_kiosk_cannot_feed_are_refused_in_the_profile(where, fields, message):
    clf = colour_classifier(COLOUR_WEIGHTS)
    doc = {"input": {"name": "images", "width": 320, "height": 256}}
    section = classifier_section(clf)
    (doc["input"] if where == "input" else section).update(fields)
    with pytest.raises(ValueError, match=message):
        profile_for(b"x", LABELS, 320, 256, anchors=8, classifier=section, **doc)


def test_a_uint8_classifier_gets_the_cut_patches_and_names_the_same_items(tmp_path):
    out = yolo_output([(100, 100, 40, 40), (220, 160, 40, 40)], [[0.9, 0.2, 0.0]] * 2, anchors=8)
    data = constant_detector(out, 320, 256)
    clf = colour_classifier(COLOUR_WEIGHTS)
    plain = Detector(release(tmp_path / "f", data, clf), warmup_runs=1)
    det = Detector(release(tmp_path / "u", data, to_uint8(clf, "crops"), **UINT8_CROPS))
    frame = painted_frame()
    boxes = plain.detect(frame).detections.boxes
    crops, _ = det.refiner.crops(frame, boxes)
    assert crops.dtype == np.uint8 and crops.shape == (2, 32, 32, 3)
    assert crops[0, 16, 16].tolist() == [0, 255, 0]  # the BGR patch as cut
    want, got = plain.detect(frame), det.detect(frame)
    assert [it.best.sku for it in got.items] == ["cola-lemon-330", "chips-original-70"]
    assert got.items == want.items


def test_a_classifier_whose_crops_input_disagrees_with_its_profile_is_refused(tmp_path):
    data = constant_detector(yolo_output([(100, 100, 40, 40)], [[0.9, 0.2, 0.0]], 8), 320, 256)
    rel = release(tmp_path, data, colour_classifier(COLOUR_WEIGHTS), **UINT8_CROPS)
    with pytest.raises(ModelError, match=r"'crops' .* the profile says uint8 \[N, 32, 32, 3\]"):
        Detector(rel, warmup_runs=0)


def test_crops_for_the_model_are_the_patches_or_the_float_tensor():
    patches = np.random.default_rng(0).integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    assert crops_to_input(patches, "uint8", "BGR") is patches
    np.testing.assert_array_equal(crops_to_input(patches, "uint8", "RGB"), patches[..., ::-1])
    np.testing.assert_array_equal(crops_to_input(patches), crops_to_tensor(patches))


def test_an_old_profile_reads_as_float32_nchw(tmp_path):
    data = mean_colour_detector(320, 256)
    rel = release(tmp_path, data, colour_classifier(COLOUR_WEIGHTS))
    doc = json.loads((rel.directory / "profile.json").read_text())
    assert (doc["input"]["dtype"], doc["input"]["layout"]) == ("float32", "NCHW")
    c = rel.profile.classifier
    assert (c.crops_dtype, c.crops_layout, c.crops_color) == ("float32", "NCHW", "RGB")
