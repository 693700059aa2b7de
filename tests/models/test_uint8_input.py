"""`models.training.uint8_input`: a model rewritten to take uint8 NHWC BGR bytes computes
what the original computed on the kiosk's float32 tensor.

Tolerance: the conversion itself is exact (the graph multiplies by the same float32
constant `to_tensor` does), checked bit for bit on a probe model. On the shipped
models through the kiosk pipeline: the same boxes and classes; box corners within
1e-3 frame pixel and scores within 1e-5, room for onnxruntime to schedule the first
layer's arithmetic differently once its input comes from a node (on this machine they
come out identical).
"""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from hardware.camera.frames import Frame  # noqa: E402
from kiosk.models import ModelRepository  # noqa: E402
from kiosk.models.repository import DEFAULT_ROOT  # noqa: E402
from kiosk.vision.config import VisionConfig  # noqa: E402
from kiosk.vision.pipeline import VisionPipeline  # noqa: E402
from kiosk.vision.preprocess import to_tensor  # noqa: E402
from kiosk.vision.session import Detector  # noqa: E402
from models.training.ship import to_uint8_input  # noqa: E402
from models.training.uint8_input import uint8_input  # noqa: E402

BOX_TOL_PX = 1e-3
SCORE_TOL = 1e-5


def probe_model(h: int = 6, w: int = 5) -> onnx.ModelProto:
    """Outputs its float32 NCHW input as it is (and a conv of it, the 'rest of the graph')."""
    weight = np.random.default_rng(0).normal(size=(2, 3, 1, 1)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Identity", ["images"], ["seen"]),
            helper.make_node("Conv", ["images", "w"], ["features"], name="stem"),
        ],
        "probe",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["n", 3, h, w])],
        [
            helper.make_tensor_value_info("seen", TensorProto.FLOAT, ["n", 3, h, w]),
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["n", 2, h, w]),
        ],
        initializer=[numpy_helper.from_array(weight, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def run(model: onnx.ModelProto, x: np.ndarray) -> list[np.ndarray]:
    import onnxruntime as ort

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"images": x})


@pytest.mark.parametrize(
    "norm",
    [
        {"color": "RGB"},
        {"color": "BGR"},
        {"color": "RGB", "mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225)},
        {"color": "RGB", "scale": 1.0},
    ],
)
def test_the_rewritten_model_sees_bit_for_bit_the_tensor_the_kiosk_made(norm):
    canvases = np.random.default_rng(1).integers(0, 256, (2, 6, 5, 3), dtype=np.uint8)
    original = probe_model()
    rewritten = uint8_input(original, "images", **norm)
    got_seen, got_features = run(rewritten, canvases)
    kw = {k: v for k, v in norm.items() if k != "color"}
    want = np.concatenate([to_tensor(c, rgb=norm["color"] == "RGB", **kw) for c in canvases])
    np.testing.assert_array_equal(got_seen, want)
    np.testing.assert_array_equal(got_features, run(original, want)[1])


def test_only_the_input_and_its_conversion_change():
    original = probe_model()
    rewritten = uint8_input(original, "images")
    (arg,) = rewritten.graph.input
    dims = [d.dim_value or d.dim_param for d in arg.type.tensor_type.shape.dim]
    assert (arg.name, arg.type.tensor_type.elem_type, dims) == ("images", TensorProto.UINT8,
                                                                ["n", 6, 5, 3])  # fmt: skip
    ops = [n.op_type for n in rewritten.graph.node]
    assert ops == ["Transpose", "Gather", "Cast", "Mul", "Identity", "Conv"]
    stem = rewritten.graph.node[-1]
    assert stem.input[1] == "w" and stem.name == "stem"
    assert original.graph.input[0].type.tensor_type.elem_type == TensorProto.FLOAT  # a copy


def test_an_input_that_is_not_a_float_image_is_refused():
    with pytest.raises(ValueError, match="no input 'crops'"):
        uint8_input(probe_model(), "crops")
    with pytest.raises(ValueError, match=r"not a float32 \[N, 3, H, W\] image"):
        uint8_input(uint8_input(probe_model(), "images"), "images")


@pytest.fixture(scope="module")
def frames():
    """Rendered tray scenes at the demo camera's resolution: real frames for the pipeline."""
    from hardware.sim.art_library import ArtLibrary
    from hardware.sim.catalog import load_sim_catalog
    from hardware.sim.scenes import SceneMaker

    catalog = load_sim_catalog()
    maker = SceneMaker(catalog, ArtLibrary(catalog), (1280, 720))
    return [maker.make(13, "test", i).render.image for i in range(4)]


def pipeline_results(release, frames):
    """Each frame through the kiosk's own per-frame path (`VisionPipeline.process`)."""
    pipe = VisionPipeline(None, Detector(release, warmup_runs=0), VisionConfig())
    return [pipe.process(Frame(f, float(i), i)).result for i, f in enumerate(frames)]


@pytest.mark.slow
def test_shipped_models_rewritten_to_uint8_input_give_the_same_detections(frames, tmp_path):
    repo = ModelRepository(DEFAULT_ROOT)
    # The newest float32-input version of each model (the latest ones ship uint8 input).
    releases = []
    for name in repo.names():
        for version in sorted(repo.versions(name), reverse=True):
            release = repo.load(name, version)
            if release.profile.input.dtype == "float32":
                releases.append(release)
                break
    if not releases:
        pytest.skip("no float32-input model shipped")
    for release in releases:
        p = release.profile
        scratch = tmp_path / p.name
        scratch.mkdir()
        profile, model_file, classifier_file, _ = to_uint8_input(
            p, release.model_path, release.classifier_path, scratch
        )
        assert profile.input.dtype == "uint8" and (
            p.classifier is None or profile.classifier.crops_dtype == "uint8"
        )
        rewritten = ModelRepository(tmp_path / "repo").publish(model_file, profile, classifier_file)
        boxes = 0
        for want, got in zip(
            pipeline_results(release, frames), pipeline_results(rewritten, frames), strict=True
        ):
            w, g = want.detections, got.detections
            assert len(w) == len(g)
            np.testing.assert_array_equal(g.class_ids, w.class_ids)
            np.testing.assert_array_equal(g.topk_ids, w.topk_ids)
            np.testing.assert_allclose(g.boxes, w.boxes, atol=BOX_TOL_PX)
            np.testing.assert_allclose(g.scores, w.scores, atol=SCORE_TOL)
            np.testing.assert_allclose(g.topk_scores, w.topk_scores, atol=SCORE_TOL)
            assert [it.best.sku for it in got.items] == [it.best.sku for it in want.items]
            boxes += len(w)
        assert boxes >= 10, p.name  # there was something to compare
