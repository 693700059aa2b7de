"""Train/serve consistency: the training recipe's evaluation (torch) and the kiosk's
pipeline (onnxruntime) must see the same pixels and report the same detections.

Tolerance: the same boxes with the same classes; box corners within
0.5 frame pixel, scores within 2e-3 (float32 differences between torch and
onnxruntime kernels, nothing more). Run on the shipped model over rendered tray
scenes, and on a freshly exported random TrayNet (so the test means something even
before a model ships, and checks the export itself).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from kiosk.models import ModelRepository  # noqa: E402
from kiosk.models.repository import DEFAULT_ROOT  # noqa: E402
from kiosk.vision.postprocess import DecodeParams, decode  # noqa: E402
from kiosk.vision.preprocess import letterbox, preprocess  # noqa: E402
from kiosk.vision.session import Detector  # noqa: E402
from models.training.data import FILL  # noqa: E402
from models.training.export import export_onnx, load_onnx_weights  # noqa: E402
from models.training.net import TrayNet  # noqa: E402
from models.training.train import predict  # noqa: E402
from tests.vision.tiny_models import profile_for, write_release  # noqa: E402

BOX_TOL_PX = 0.5
SCORE_TOL = 2e-3


@pytest.fixture(scope="module")
def frames():
    """Three rendered tray scenes at the demo camera's resolution."""
    from hardware.sim.art_library import ArtLibrary
    from hardware.sim.catalog import load_sim_catalog
    from hardware.sim.scenes import SceneMaker

    catalog = load_sim_catalog()
    maker = SceneMaker(catalog, ArtLibrary(catalog), (1280, 720))
    return [maker.make(5, "test", i).render.image for i in range(3)], catalog.skus()


def training_side(model, frames, width, height, params):
    """What the training recipe's evaluation reports: the same letterbox, torch, decode."""
    canvases, geos = zip(*(letterbox(f, width, height, FILL) for f in frames), strict=True)
    outs = predict(model, np.stack(canvases))
    results = []
    for out, geo in zip(outs, geos, strict=True):
        d = decode(out[None], params)
        results.append(d.with_boxes(geo.boxes_to_frame(d.boxes)))
    return results


def _canonical(d):
    """Detections in a fixed order (class, then position): two scores within float
    noise of each other may come out of NMS in either order."""
    order = np.lexsort((np.round(d.boxes[:, 1]), np.round(d.boxes[:, 0]), d.class_ids))
    return type(d)(d.boxes[order], d.scores[order], d.class_ids[order], d.topk_ids[order],
                   d.topk_scores[order])  # fmt: skip


def assert_same(kiosk, train):
    assert len(kiosk) == len(train)
    kiosk, train = _canonical(kiosk), _canonical(train)
    np.testing.assert_array_equal(kiosk.class_ids, train.class_ids)
    np.testing.assert_allclose(kiosk.boxes, train.boxes, atol=BOX_TOL_PX)
    np.testing.assert_allclose(kiosk.scores, train.scores, atol=SCORE_TOL)
    np.testing.assert_array_equal(kiosk.topk_ids[:, 0], train.topk_ids[:, 0])


def compare(detector, torch_model, frames, min_boxes):
    params = detector.params
    kiosk = [detector.detect(f).detections for f in frames]
    train = training_side(torch_model, frames, detector.spec.width, detector.spec.height, params)
    assert sum(len(k) for k in kiosk) >= min_boxes  # there is something to compare
    for k, t in zip(kiosk, train, strict=True):
        assert_same(k, t)


def test_shipped_model_gives_the_same_detections_in_torch_and_onnxruntime(frames):
    repo = ModelRepository(DEFAULT_ROOT)
    if not repo.names():
        pytest.skip("no model shipped yet")
    images, _ = frames
    for name in repo.names():
        release = repo.load(name)
        if release.profile.precision != "fp32":
            continue
        summary = json.loads((release.directory / "training_summary.json").read_text())
        arch = {k: tuple(v) if isinstance(v, list) else v for k, v in summary["arch"].items()}
        p = release.profile
        size = (p.input.width, p.input.height)
        model = load_onnx_weights(release.model_path, p.num_classes, size, **arch)
        detector = Detector(release, warmup_runs=0)
        detector.refiner = None  # the detector stage here; the second stage has its own test
        compare(detector, model.net, images, min_boxes=5)


def test_fresh_export_agrees_with_its_torch_model(frames, tmp_path):
    images, skus = frames
    torch.manual_seed(0)
    net = TrayNet(len(skus), (448, 256))
    with torch.no_grad():  # random BatchNorm statistics, so folding them is really tested
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
        for head in net.heads:  # a fresh net's outputs are nearly flat: spread them out
            head.cls[-1].weight.mul_(20.0)
            head.cls[-1].bias.fill_(-2.0)
            head.box[-1].weight.mul_(20.0)
    net.eval()
    data = export_onnx(net)
    profile = profile_for(data, skus, 448, 256, anchors=2352, name="random")
    write_release(tmp_path, data, profile)
    detector = Detector(ModelRepository(tmp_path).load("random", 1), warmup_runs=0)

    # The raw outputs agree (export, BatchNorm folding, pre-processing)…
    canvases = [letterbox(f, 448, 256, FILL)[0] for f in images]
    train_raw = predict(net, np.stack(canvases))
    for image, ref in zip(images, train_raw, strict=True):
        tensor, _ = preprocess(image, detector.spec)
        raw = detector.run(tensor)[0]
        np.testing.assert_allclose(raw[:4], ref[:4], atol=0.05)  # pixels
        np.testing.assert_allclose(raw[4:], ref[4:], atol=1e-4)  # scores
    # …and so do the detections, at a threshold that keeps the top 1 % of cells.
    top = float(np.percentile(train_raw[0][4:].max(0), 99))
    detector.params = DecodeParams(score_threshold=top, max_detections=30)
    compare(detector, net, images, min_boxes=10)


# ---- the second stage: crops cut and classified in training and in the kiosk ----------

PROB_TOL = 1e-4


@pytest.fixture(scope="module")
def crop_scenes():
    """Rendered frames with the visible box of every item: what the classifier gets."""
    from hardware.sim.art_library import ArtLibrary
    from hardware.sim.catalog import load_sim_catalog
    from hardware.sim.scenes import SceneMaker

    catalog = load_sim_catalog()
    maker = SceneMaker(catalog, ArtLibrary(catalog), (1280, 720))
    out = []
    for i in range(3):
        render = maker.make(9, "test", i).render
        boxes = [r.visible_box for r in render.items if r.visible_box and not r.hidden]
        out.append((render.image, np.asarray(boxes, np.float32)))
    return out, catalog.skus()


def classify_training_side(torch_export, image, boxes):
    """The recipe's path: its crops and tensors, torch forward."""
    from kiosk.vision.crops import box_geometry, cut_crops
    from models.training.train_crops import to_tensor

    crops = cut_crops(image, boxes, 128)
    geometry = torch.from_numpy(box_geometry(boxes, 1280, 720))
    with torch.no_grad():
        return torch_export(to_tensor(crops), geometry).numpy()


def compare_classifier(refiner, torch_export, scenes):
    compared = 0
    for image, boxes in scenes:
        kiosk = refiner.run(*refiner.crops(image, boxes))
        train = classify_training_side(torch_export, image, boxes)
        np.testing.assert_allclose(kiosk, train, atol=PROB_TOL)
        np.testing.assert_array_equal(kiosk.argmax(1), train.argmax(1))
        compared += len(boxes)
    assert compared >= 10


def test_shipped_classifier_gives_the_same_probabilities_in_torch_and_onnxruntime(crop_scenes):
    from models.training.train_crops import load_onnx_weights as load_classifier

    repo = ModelRepository(DEFAULT_ROOT)
    scenes, _ = crop_scenes
    shipped = [repo.load(n) for n in repo.names()]
    shipped = [r for r in shipped if r.profile.classifier is not None]
    if not shipped:
        pytest.skip("no release with a second stage shipped yet")
    for release in shipped:
        outputs = release.profile.num_classes + int(release.profile.classifier.not_an_item)
        torch_export = load_classifier(release.classifier_path, outputs)
        detector = Detector(release, warmup_runs=0)
        compare_classifier(detector.refiner, torch_export, scenes)


def test_fresh_classifier_export_agrees_with_its_torch_model(crop_scenes, tmp_path):
    from models.training.crop_net import CropNet, CropNetExport
    from models.training.train_crops import export_onnx as export_classifier
    from tests.vision.tiny_models import classifier_section, constant_detector, yolo_output

    scenes, skus = crop_scenes
    torch.manual_seed(1)
    net = CropNet(len(skus))
    with torch.no_grad():  # random BatchNorm statistics, so folding them is really tested
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
        net.head[-1].weight.mul_(10.0)  # spread the probabilities out
    net.eval()
    path = tmp_path / "classifier.onnx"
    clf = export_classifier(net, path)
    det = constant_detector(yolo_output([(10, 10, 4, 4)], [[0.9] * len(skus)], anchors=4), 64, 64)
    profile = profile_for(det, skus, 64, 64, anchors=4, name="random",
                          classifier=classifier_section(clf, crop_size=128))  # fmt: skip
    write_release(tmp_path / "repo", det, profile, clf)
    release = ModelRepository(tmp_path / "repo").load("random", 1)
    refiner = Detector(release, warmup_runs=0).refiner
    compare_classifier(refiner, CropNetExport(net).eval(), scenes)
