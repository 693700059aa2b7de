"""Tiny ONNX models for the tests, built with onnx.helper, plus their profiles.

`constant_detector` ignores its image and returns a fixed YOLOv8-layout output
(through `image * 0 + constant`, so the graph really depends on its input); with it
a test decides exactly which boxes and scores the pipeline sees.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from kiosk.models.profile import ModelProfile


def constant_detector(
    output: np.ndarray, width: int, height: int, input_name: str = "images",
    output_name: str = "output0", opset: int = 17,
) -> bytes:  # fmt: skip
    """A model whose output is always `output` ((1, 4 + C, N) float32)."""
    output = np.asarray(output, np.float32)
    const = numpy_helper.from_array(output, "const")
    zero_axes = numpy_helper.from_array(np.array([1, 2, 3], np.int64), "axes")
    nodes = [
        # sum of image * 0 over C, H, W → (1,) then broadcast-add the constant
        helper.make_node("Mul", [input_name, "zero"], ["zeros"]),
        helper.make_node("ReduceSum", ["zeros", "axes"], ["z"], keepdims=0),
        helper.make_node("Reshape", ["z", "shape111"], ["z111"]),
        helper.make_node("Add", ["const", "z111"], [output_name]),
    ]
    graph = helper.make_graph(
        nodes,
        "constant_detector",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, [1, 3, height, width])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, list(output.shape))],
        initializer=[
            const,
            zero_axes,
            numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
            numpy_helper.from_array(np.array([1, 1, 1], np.int64), "shape111"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def yolo_output(boxes_cxcywh: list[tuple[float, float, float, float]],
                scores: list[list[float]], anchors: int | None = None) -> np.ndarray:  # fmt: skip
    """Build a (1, 4 + C, N) output: one column per given box, the rest zeros."""
    n = anchors or len(boxes_cxcywh)
    c = len(scores[0])
    out = np.zeros((1, 4 + c, n), np.float32)
    for i, (b, s) in enumerate(zip(boxes_cxcywh, scores, strict=True)):
        out[0, :4, i] = b
        out[0, 4:, i] = s
    return out


def profile_for(
    data: bytes, labels: list[str], width: int, height: int, anchors: int,
    name: str = "tiny", version: int = 1, **extra: object,
) -> ModelProfile:  # fmt: skip
    doc = {
        "schema": "kiosk.model-profile/1",
        "name": name,
        "version": version,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_bytes": len(data),
        "opset": 17,
        "input": {"name": "images", "width": width, "height": height},
        "output": {"name": "output0", "anchors": anchors},
        "labels": labels,
    }
    doc.update(extra)
    return ModelProfile.model_validate(doc)


def write_release(
    root: Path,
    data: bytes,
    profile: ModelProfile,
    classifier: bytes | None = None,
    close_look: bytes | None = None,
) -> Path:
    """Write a version directory by hand (tests also corrupt it afterwards)."""
    import json

    d = root / profile.name / str(profile.version)
    d.mkdir(parents=True)
    (d / "model.onnx").write_bytes(data)
    if classifier is not None:
        (d / "classifier.onnx").write_bytes(classifier)
    if close_look is not None:
        (d / "close_look.onnx").write_bytes(close_look)
    (d / "profile.json").write_text(json.dumps(profile.model_dump(mode="json", by_alias=True)))
    return d


def colour_classifier(
    weights: np.ndarray, crop_size: int = 32, geometry_weights: np.ndarray | None = None,
    opset: int = 17,
) -> bytes:  # fmt: skip
    """A real (tiny) second-stage classifier: softmax(mean RGB of the crop @ weights
    + geometry @ geometry_weights). `weights` (3, C) decides which colour is which class, so
    a test paints items and knows what the classifier must say."""
    weights = np.asarray(weights, np.float32)
    c = weights.shape[1]
    geo_w = np.zeros((4, c), np.float32) if geometry_weights is None else geometry_weights
    nodes = [
        helper.make_node("ReduceMean", ["crops"], ["rgb"], axes=[2, 3], keepdims=0),
        helper.make_node("MatMul", ["rgb", "w"], ["a"]),
        helper.make_node("MatMul", ["geometry", "v"], ["b"]),
        helper.make_node("Add", ["a", "b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "colour_classifier",
        [
            helper.make_tensor_value_info(
                "crops", TensorProto.FLOAT, ["n", 3, crop_size, crop_size]
            ),
            helper.make_tensor_value_info("geometry", TensorProto.FLOAT, ["n", 4]),
        ],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["n", c])],
        initializer=[
            numpy_helper.from_array(weights, "w"),
            numpy_helper.from_array(np.asarray(geo_w, np.float32), "v"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def classifier_section(data: bytes, crop_size: int = 32, **extra: object) -> dict:
    return {
        "file": "classifier.onnx",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_bytes": len(data),
        "crop_size": crop_size,
        **extra,
    }
