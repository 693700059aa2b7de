"""The training recipe: assignment, loss, augmentation geometry, a tiny resumable run."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from models.training.data import AugmentConfig, augment  # noqa: E402
from models.training.loss import DetectionLoss, assign  # noqa: E402
from models.training.net import (  # noqa: E402
    TrayNet,
    fuse_batchnorm,
    grow,
    make_anchors,
    num_anchors,
)
from models.training.train import main as train_main  # noqa: E402


def test_anchor_count_matches_the_yolov8_layout():
    anchors, strides = make_anchors(448, 256)
    assert anchors.shape == (num_anchors(448, 256), 2) == (2352, 2)
    assert anchors[0].tolist() == [4.0, 4.0] and strides[0].item() == 8.0
    assert anchors[-1].tolist() == [448 - 16, 256 - 16] and strides[-1].item() == 32.0


def test_assignment_takes_cells_inside_the_box_for_its_class():
    anchors, _ = make_anchors(64, 64)
    n = anchors.shape[0]
    scores = torch.full((1, n, 3), 0.5)
    gt = torch.tensor([[[8.0, 8.0, 40.0, 40.0]]])
    pred = gt.expand(1, n, 4).clone()  # every cell predicts the true box
    boxes, targets, fg = assign(scores, pred, anchors, torch.tensor([[2]]), gt,
                                torch.tensor([[True]]), topk=5)  # fmt: skip
    inside = (anchors[:, 0] > 8) & (anchors[:, 0] < 40) & (anchors[:, 1] > 8) & (anchors[:, 1] < 40)
    assert 0 < int(fg.sum()) <= 5
    assert bool(inside[fg[0]].all())
    assert (targets[0, fg[0], 2] > 0.9).all() and (targets[0, :, :2] == 0).all()
    assert torch.allclose(boxes[0, fg[0]], gt[0, 0])


def test_a_padded_box_is_ignored():
    anchors, _ = make_anchors(64, 64)
    n = anchors.shape[0]
    _, targets, fg = assign(torch.full((1, n, 2), 0.5), torch.zeros(1, n, 4), anchors,
                            torch.tensor([[0]]), torch.tensor([[[0.0, 0.0, 64.0, 64.0]]]),
                            torch.tensor([[False]]))  # fmt: skip
    assert not fg.any() and targets.sum() == 0


def test_the_loss_falls_when_a_tiny_model_fits_one_scene():
    torch.manual_seed(0)
    net = TrayNet(2, (96, 64), widths=(8, 8, 16, 16, 16), neck=16)
    x = torch.rand(2, 3, 64, 96)
    labels = torch.tensor([[0, 1], [1, 0]])
    gt = torch.tensor([[[10.0, 10.0, 40.0, 40.0], [50.0, 20.0, 90.0, 60.0]]] * 2)
    mask = torch.ones(2, 2, dtype=torch.bool)
    loss_fn = DetectionLoss(2)
    opt = torch.optim.AdamW(net.parameters(), lr=5e-3)
    losses = []
    for _ in range(40):
        boxes, logits = net(x)
        loss, _ = loss_fn(boxes, logits, net.anchors, labels, gt, mask)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.3 * losses[0]


def test_fused_model_computes_what_the_trained_one_does():
    torch.manual_seed(1)
    net = TrayNet(3, (96, 64))
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
    net.eval()
    x = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        ref = net(x)
        import copy

        fused = fuse_batchnorm(copy.deepcopy(net))
        got = fused(x)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    for a, b in zip(ref, got, strict=True):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def test_a_deeper_net_grown_from_a_trained_one_detects_the_same_and_then_learns():
    torch.manual_seed(2)
    trained = TrayNet(3, (96, 64))
    with torch.no_grad():  # a trained net's statistics, not a fresh one's
        for m in trained.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
                m.bias.uniform_(-0.2, 0.2)
    trained.eval()
    deeper = TrayNet(3, (96, 64), depths=(1, 2, 1, 3))
    new = grow(deeper, trained.state_dict())
    assert new == ["stage2.1", "stage3.2", "stage5.2", "stage5.3"]
    deeper.eval()
    x = torch.rand(2, 3, 64, 96)
    with torch.no_grad():
        for a, b in zip(trained(x), deeper(x), strict=True):
            torch.testing.assert_close(a, b)
    # the new blocks are not dead weight: the loss moves their weights
    deeper.train()
    boxes, logits = deeper(x)
    (boxes.sum() * 1e-3 + logits.sum()).backward()
    assert deeper.stage5[3].b[1].weight.grad.abs().sum() > 0

    narrower = TrayNet(3, (96, 64), widths=(16, 32, 48, 96, 64))
    with pytest.raises(ValueError, match="only depth may grow"):
        grow(narrower, trained.state_dict())
    shallower = TrayNet(3, (96, 64), depths=(0, 0, 1, 1))
    with pytest.raises(ValueError, match="no place"):
        grow(shallower, trained.state_dict())


def test_augmented_boxes_still_frame_their_items():
    rng = np.random.default_rng(3)
    img = np.full((64, 96, 3), 114, np.uint8)
    img[20:40, 30:60] = (0, 0, 255)
    boxes = np.array([[30.0, 20.0, 60.0, 40.0]], np.float32)
    cfg = AugmentConfig(noise_sigma=0.0, blur_p=0.0, brightness=0.0, contrast=0.0,
                        white_balance=0.0)  # fmt: skip
    for _ in range(20):
        out, b, _ = augment(img, boxes, np.array([0]), rng, cfg)
        if not len(b):
            continue
        x1, y1, x2, y2 = np.round(b[0]).astype(int)
        inner = out[y1 + 2 : y2 - 2, x1 + 2 : x2 - 2]
        assert inner.size and (inner[..., 2] > 200).all()  # still all red inside


def _tiny_set(root, n, seed):
    rng = np.random.default_rng(seed)
    for sub in ("images", "labels"):
        (root / sub).mkdir(parents=True)
    (root / "classes.txt").write_text("red\nblue\n")
    for i in range(n):
        img = np.full((64, 96, 3), 90, np.uint8)
        c = int(rng.integers(2))
        x, y = int(rng.integers(0, 60)), int(rng.integers(0, 30))
        img[y : y + 30, x : x + 30] = (0, 0, 255) if c == 0 else (255, 0, 0)
        cv2.imwrite(str(root / "images" / f"{i}.png"), img)
        (root / "labels" / f"{i}.txt").write_text(
            f"{c} {(x + 15) / 96} {(y + 15) / 64} {30 / 96} {30 / 64}\n"
        )


def test_a_tiny_run_logs_checkpoints_resumes_and_exports(tmp_path):
    _tiny_set(tmp_path / "train", 32, 1)
    _tiny_set(tmp_path / "val", 8, 2)
    args = ["--train", str(tmp_path / "train"), "--val", str(tmp_path / "val"),
            "--out", str(tmp_path / "run"), "--input", "96x64", "--batch", "8",
            "--threads", "1", "--save-every", "2"]  # fmt: skip
    assert train_main([*args, "--epochs", "1"]) == 0
    first = (tmp_path / "run" / "log.txt").read_text()
    assert "start traynet-1" in first and "epoch 0 done" in first
    assert train_main([*args, "--epochs", "2"]) == 0
    log = (tmp_path / "run" / "log.txt").read_text()
    assert "resumed from" in log and "epoch 1 done" in log and "epoch 0 done" in log
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["labels"] == ["red", "blue"] and summary["epochs_run"] == 2
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [0, 1]  # the resumed run did not redo 0
    assert (tmp_path / "run" / "model.onnx").stat().st_size > 10_000

    # Published, it carries the decision calibration measured on validation; a value
    # out of range is refused before anything is written.
    from kiosk.models.repository import ModelRepository
    from models.training.ship import main as ship_main

    repo = tmp_path / "repo"
    ship = ["--run", str(tmp_path / "run"), "--name", "tiny", "--repository", str(repo)]
    with pytest.raises(ValueError, match="missed_per_box"):
        ship_main([*ship, "--version", "1", "--missed-per-box", "1.5"])
    assert not (repo / "tiny").exists()
    with pytest.raises(ValueError, match="doubt"):  # a doubt threshold above the score's
        ship_main([*ship, "--version", "1", "--doubt", "0.5", "--score-threshold", "0.4"])
    assert ship_main([*ship, "--version", "1", "--missed-per-box", "0.031",
                      "--vision-sharpness", "1.2", "--doubt", "0.2"]) == 0  # fmt: skip
    profile = ModelRepository(repo).load("tiny").profile
    assert (profile.missed_per_box, profile.vision_sharpness) == (0.031, 1.2)
    # with its golden outputs: the first validation picture, and what it detected there
    assert profile.golden is not None and (repo / "tiny" / "1" / "golden.png").exists()
    from kiosk.vision.config import VisionConfig
    from kiosk.vision.session import open_detector

    at_load = open_detector(VisionConfig(model="tiny", repository=str(repo), warmup_runs=0))
    got = at_load.detect(cv2.imread(str(tmp_path / "val" / "images" / "0.png"))).detections
    assert [round(float(s), 3) for s in got.scores] == [
        round(b.score, 3) for b in profile.golden.detections
    ]
    assert profile.thresholds.doubt == 0.2
    with pytest.raises(SystemExit, match="no size variants"):  # red and blue have no sizes
        ship_main([*ship, "--version", "3", "--size-check", "0.05"])

    # A second stage trained at another crop size is published with that size, and the
    # kiosk's detector cuts its crops at it.
    from kiosk.catalog_file import DEMO_CATALOG
    from kiosk.vision.session import Detector
    from models.training.train_crops import main as crops_main

    crops = ["--train", str(tmp_path / "train"), "--val", str(tmp_path / "val"),
             "--out", str(tmp_path / "crops"), "--epochs", "1", "--batch", "16",
             "--width", "8", "--threads", "1"]  # fmt: skip
    with pytest.raises(SystemExit, match="multiple of 32"):
        crops_main([*crops, "--crop-size", "80"])
    assert crops_main([*crops, "--crop-size", "64"]) == 0
    assert json.loads((tmp_path / "crops" / "result.json").read_text())["crop_size"] == 64
    assert ship_main([*ship, "--version", "2", "--classifier", str(tmp_path / "crops")]) == 0
    release = ModelRepository(repo).load("tiny", 2)
    assert release.profile.classifier.crop_size == 64
    detector = Detector(release, threads=1, warmup_runs=1)
    image = cv2.imread(str(tmp_path / "val" / "images" / "0.png"))
    crops_in, _ = detector.refiner.crops(image, np.array([[10.0, 10.0, 40.0, 40.0]]))
    assert crops_in.shape == (1, 3, 64, 64)
    assert detector.refiner.run(crops_in, np.ones((1, 4), np.float32)).shape == (1, 2)

    # A close look learns the catalog's look-alike families only, and is published
    # beside the second stage (here with the uint8 rewrite of every model).
    catalog = json.loads(DEMO_CATALOG.read_text())
    pair = [p for p in catalog["products"] if p["sku"] in ("cola-classic-330", "cola-lemon-330")]
    for p, sku in zip(pair, ("red", "blue"), strict=True):
        p["sku"] = sku
    catalog["products"] = pair
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    look = [*crops[:5], str(tmp_path / "look"), *crops[6:], "--lookalikes",
            "--catalog", str(tmp_path / "catalog.json"), "--crop-size", "96"]  # fmt: skip
    assert crops_main(look) == 0
    result = json.loads((tmp_path / "look" / "result.json").read_text())
    assert result["lookalike_groups"] == [["blue", "red"]] and result["crop_size"] == 96
    with pytest.raises(SystemExit, match="not a close look"):
        ship_main([*ship, "--version", "3", "--classifier", str(tmp_path / "crops"),
                   "--close-look", str(tmp_path / "crops")])  # fmt: skip
    with pytest.raises(SystemExit, match="green in no family"):
        ship_main([*ship, "--version", "3", "--classifier", str(tmp_path / "crops"),
                   "--close-look", str(tmp_path / "look"),
                   "--close-look-groups", "green"])  # fmt: skip
    assert ship_main([*ship, "--version", "3", "--classifier", str(tmp_path / "crops"),
                      "--close-look", str(tmp_path / "look"), "--close-look-groups", "red",
                      "--uint8-input"]) == 0  # fmt: skip
    release = ModelRepository(repo).load("tiny", 3)
    close = release.profile.classifier.close_look
    assert (close.groups, close.crop_size, close.crops_dtype) == ([["blue", "red"]], 96, "uint8")
    detector = Detector(release, threads=1, warmup_runs=1)
    assert detector.refiner.close_look is not None
    detector.detect(image)


def test_int8_variant_quantizes_the_body_and_keeps_the_decode_float(tmp_path):
    from models.training.export import export_onnx
    from models.training.quantize import main as quantize_main

    onnx = pytest.importorskip("onnx")
    _tiny_set(tmp_path / "cal", 4, 5)
    net = TrayNet(2, (96, 64)).eval()
    export_onnx(net, tmp_path / "m.onnx")
    out = tmp_path / "m.int8.onnx"
    argv = ["--onnx", str(tmp_path / "m.onnx"), "--calibration", str(tmp_path / "cal"),
            "--count", "4", "--out", str(out)]  # fmt: skip
    assert quantize_main(argv) == 0
    model = onnx.load(str(out))
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("QuantizeLinear") >= 10
    produced_by = {o: n for n in model.graph.node for o in n.output}
    final = produced_by[model.graph.output[0].name]
    # The output (pixels next to 0..1 scores) is never squeezed through one int8 scale.
    assert all(
        produced_by[i].op_type != "DequantizeLinear" for i in final.input if i in produced_by
    )
    heads = [n for n in model.graph.node if n.op_type == "Conv" and ".cls.1." in n.input[1]]
    assert heads and all(produced_by[n.input[1]].op_type != "DequantizeLinear" for n in heads
                         if n.input[1] in produced_by)  # fmt: skip


def test_the_size_check_is_shipped_for_the_catalogs_cans_of_one_girth():
    from kiosk.catalog_file import DEMO_CATALOG
    from models.training.ship import size_check_section

    labels = ["beer-seabreeze-330", "beer-seabreeze-500", "cola-classic-330", "water-spring-550"]
    section = size_check_section(DEMO_CATALOG, labels, 0.05)
    # cola flavours are one size; water bottles are two brands of two girths
    assert section["groups"] == [["beer-seabreeze-330", "beer-seabreeze-500"]]
    assert section["sizes_mm"] == {"beer-seabreeze-330": (66.0, 115.0),
                                   "beer-seabreeze-500": (66.0, 168.0)}  # fmt: skip
    assert size_check_section(DEMO_CATALOG, labels[1:], 0.05) is None  # one beer alone


def test_two_sets_train_from_memory_mapped_canvases_as_letterboxed(tmp_path):
    """The sets' canvases are cached once, then read from the mapped file (no copy of
    all sets together in memory): the same pixels and boxes as letterboxing afresh."""
    from models.training.data import ImageStack, load_canvases
    from models.training.train import Log, cached_canvases, merge_canvases

    _tiny_set(tmp_path / "a", 5, 1)
    _tiny_set(tmp_path / "b", 3, 2)
    log = Log(tmp_path / "log.txt")
    made = [cached_canvases(tmp_path / s, (96, 64), log) for s in "ab"]
    again = [cached_canvases(tmp_path / s, (96, 64), log) for s in "ab"]
    assert "loaded 5 canvases" in (tmp_path / "log.txt").read_text()
    fresh = [load_canvases(tmp_path / s, (96, 64)) for s in "ab"]
    for cached in (made, again):
        assert all(isinstance(c.images, np.memmap) for c in cached)
        both = merge_canvases(cached)
        assert isinstance(both.images, ImageStack) and len(both.images) == 8
        expect = np.concatenate([f.images for f in fresh])
        for i in range(-8, 8):
            assert np.array_equal(both.images[i], expect[i])
        assert np.array_equal(np.stack(list(both.images[3:7])), expect[3:7])
        boxes = fresh[0].boxes + fresh[1].boxes
        assert all(np.array_equal(x, y) for x, y in zip(both.boxes, boxes, strict=True))
    with pytest.raises(IndexError):
        both.images[8]

    # a half-written cache (pixels without their records) is made again, not trusted
    (tmp_path / "a" / ".canvases_96x64.v2.pkl").unlink()
    redone = cached_canvases(tmp_path / "a", (96, 64), log)
    assert np.array_equal(np.asarray(redone.images), fresh[0].images)
