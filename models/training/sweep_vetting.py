"""Choose a release's vetting rule on validation scenes: a detector plus a CropNet run
with "not an item", swept over proposal score, item weight, operating threshold and
fusion weight.

    python -m models.training.sweep_vetting --repository var/stage/v6-det \\
        --classifier var/train/crops-5 --data var/scenes/val-s1 var/scenes/val-s1x

The detector and the classifier run once per scene (boxes down to 0.02, the crops of
all of them); every setting is then judged on the cached outputs with the kiosk's own
`vet_boxes`, `fuse_probabilities` and `apply_probabilities`, so what wins here is what
the kiosk will run. Validation sets only: never the test split.

With `--close-look RUN` (a `train_crops --lookalikes` run) the close look also runs
once on every box, and its trigger and weight are swept at the vetting rule given by
`--rule` (the shipped one by default). Beside checkout accuracy it counts the boxes
left torn between look-alikes (second member of the family ≥ 0.1 of the box): those
are the boxes the decision engine asks the shopper about when the scale cannot tell.
First it prints, per family, how often the two stages and the close look name a box on
a true item of that family right (within the family): ship the close look only for the
families where it is the better judge (`ship --close-look-groups`).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnxruntime as ort

from kiosk.models.repository import ModelRepository
from kiosk.vision.crops import CROP_PAD, box_geometry, crops_to_tensor, cut_crops
from kiosk.vision.metrics import SceneOutcome, checkout_metrics
from kiosk.vision.postprocess import Detections, box_iou, check_output, decode
from kiosk.vision.refine import (
    apply_close_look,
    apply_probabilities,
    close_look_rows,
    family_index,
    fuse_probabilities,
    vet_boxes,
)
from kiosk.vision.scenes import load_scenes
from kiosk.vision.session import Detector
from models.training.train_crops import catalog_families

FLOOR = 0.003  # the detector floor of the fusion, as shipped


def cache_outputs(detector: Detector, classifier: ort.InferenceSession, sets: list[Path]):
    """(scene, detections down to 0.02 in frame pixels, classifier probabilities, truth
    boxes) of every scene, and the labels."""
    params = replace(detector.params, score_threshold=0.02, topk=10)
    size = classifier.get_inputs()[0].shape[2]  # the crop side the classifier was trained at
    cache, labels = [], []
    for root in sets:
        labels, scenes = load_scenes(root, 1_000_000)
        for s in scenes:
            image = s.read_image()
            h, w = image.shape[:2]
            frame = detector.prepare(image)
            d = decode(check_output(detector.run(frame.tensor), len(labels)), params)
            d = d.with_boxes(frame.letterbox.boxes_to_frame(d.boxes))
            if len(d):
                crops = crops_to_tensor(cut_crops(image, d.boxes, size, CROP_PAD))
                feed = {"crops": crops, "geometry": box_geometry(d.boxes, w, h)}
                probs = classifier.run(["probs"], feed)[0]
            else:
                probs = np.zeros((0, len(labels) + 1), np.float32)
            cache.append((s, d, probs, s.boxes_xyxy(w, h)))
    return cache, labels


def close_look_outputs(cache, close_look: ort.InferenceSession, min_score: float) -> list:
    """The close look's probabilities for every cached box down to `min_score` (rows of
    the boxes below it are zeros: they are never looked at)."""
    size = close_look.get_inputs()[0].shape[2]
    out = []
    for s, d, p, _ in cache:
        q = np.zeros((len(d), p.shape[1] - 1), np.float32)
        rows = np.flatnonzero(d.scores >= min_score)
        if len(rows):
            image = s.read_image()
            h, w = image.shape[:2]
            crops = crops_to_tensor(cut_crops(image, d.boxes[rows], size, CROP_PAD))
            feed = {"crops": crops, "geometry": box_geometry(d.boxes[rows], w, h)}
            q[rows] = close_look.run(["probs"], feed)[0][:, : q.shape[1]]
        out.append(q)
    return out


def above(d: Detections, probs: np.ndarray, score: float) -> tuple[Detections, np.ndarray]:
    """The cached boxes (and their classifier rows) of detector score ≥ `score`."""
    keep = d.scores >= score
    dd = Detections(d.boxes[keep], d.scores[keep], d.class_ids[keep],
                    d.topk_ids[keep], d.topk_scores[keep])  # fmt: skip
    return dd, probs[keep]


def rows_of(d: Detections, boxes: np.ndarray) -> list[int]:
    """The rows of `d` holding `boxes` (vetting keeps a subset of the boxes, unchanged)."""
    return [int(np.flatnonzero((d.boxes == b).all(1))[0]) for b in boxes]


def family_table(cache, labels, outputs, groups, rule) -> dict[str, dict[str, int]]:
    """Per look-alike family: boxes on a true member (IoU ≥ 0.5, after vetting), and how
    many of them the two stages (fused), the close look, and their product name right
    within the family, and leave torn (second member ≥ 0.1)."""
    proposal, item_weight, threshold, fusion = rule
    family = family_index(labels, groups)
    table: dict[str, dict[str, int]] = {g[0]: dict.fromkeys(
        ("boxes", "first_right", "close_right", "product_right", "first_torn", "close_torn"), 0)
        for g in groups}  # fmt: skip
    for n, (s, d, p, gt) in enumerate(cache):
        dd, pp = above(d, p, proposal)
        dd, pp = vet_boxes(dd, pp, item_weight, threshold, threshold)
        if not len(dd) or not len(gt):
            continue
        pp = fuse_probabilities(dd, pp, fusion, FLOOR)
        iou = box_iou(dd.boxes, gt)
        for r in range(len(dd)):
            j = int(iou[r].argmax())
            truth = int(s.class_ids[j])
            if iou[r, j] < 0.5 or family[truth] < 0:
                continue
            members = family == family[truth]
            row = table[groups[family[truth]][0]]
            q = outputs[n][rows_of(d, dd.boxes[r : r + 1])[0]]
            first, close = pp[r] * members, q * members
            row["boxes"] += 1
            for name, dist in (("first", first), ("close", close), ("product", first * close)):
                row[f"{name}_right"] += int(dist.argmax() == truth)
            for name, dist in (("first", first), ("close", close)):
                row[f"{name}_torn"] += int(np.sort(dist / max(dist.sum(), 1e-30))[-2] >= 0.1)
    return table


def judge(cache, labels, params, proposal, item_weight, threshold, detector_weight, vet=True,
          look=None):  # fmt: skip
    """Checkout metrics of one setting; `params` are the release's own decode settings
    (the candidates kept per box, as the kiosk keeps them). `look`: (close-look outputs,
    family index, trigger, first weight). Also `torn`: boxes whose best class's family
    holds ≥ 0.1 more."""
    outcomes, torn = [], 0
    for n, (s, d, p, gt) in enumerate(cache):
        dd, pp = above(d, p, proposal if vet else threshold)
        if vet:
            dd, pp = vet_boxes(dd, pp, item_weight, threshold, threshold)
        else:  # the plain threshold: "not an item" ignored, items renormalised
            pp = pp[:, :-1] / np.maximum(pp[:, :-1].sum(1, keepdims=True), 1e-30)
        if len(dd):
            pp = fuse_probabilities(dd, pp, detector_weight, FLOOR)
            if look is not None:
                outputs, family, trigger, weight = look
                rows = close_look_rows(pp, family, trigger)
                if len(rows):
                    where = rows_of(d, dd.boxes[rows])
                    pp = apply_close_look(pp, rows, family, outputs[n][where], weight)
            torn += len(close_look_rows(pp, family_of(tuple(labels)), 0.1))
            dd = apply_probabilities(dd, pp, params.topk, params.candidate_min_score)
        outcomes.append(SceneOutcome(s.class_ids, gt, dd.class_ids, dd.scores, dd.boxes,
                                     s.all_skus, s.level))  # fmt: skip
    return {**checkout_metrics(outcomes, labels, threshold), "torn": torn}


@functools.cache
def family_of(labels: tuple[str, ...]) -> np.ndarray:
    """The demo catalog's look-alike families over `labels` (the torn-box count)."""
    return family_index(labels, catalog_families(list(labels)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repository", type=Path, required=True, help="holds the detector")
    ap.add_argument("--model", default="tray-detector")
    ap.add_argument("--classifier", type=Path, required=True, help="train_crops run directory")
    ap.add_argument("--data", type=Path, nargs="+", required=True, help="validation sets")
    ap.add_argument("--close-look", type=Path, help="train_crops --lookalikes run directory")
    ap.add_argument(
        "--close-look-groups",
        nargs="+",
        metavar="LABEL",
        help="sweep the close look on the families holding these labels only",
    )
    ap.add_argument("--rule", type=float, nargs=4, default=(0.05, 0.5, 0.4, 1.0),
                    metavar=("PROPOSAL", "ITEM_WEIGHT", "THRESHOLD", "FUSION"),
                    help="the vetting rule the close look is swept at")  # fmt: skip
    args = ap.parse_args(argv)

    detector = Detector(ModelRepository(args.repository).load(args.model), warmup_runs=1)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    classifier = ort.InferenceSession(
        str(args.classifier / "classifier.onnx"), options, providers=["CPUExecutionProvider"]
    )
    cache, labels = cache_outputs(detector, classifier, args.data)
    print(f"{len(cache)} scenes", file=sys.stderr)
    if args.close_look is not None:
        return sweep_close_look(args, detector, cache, labels)
    thresholds = (0.3, 0.35, 0.4, 0.45, 0.5)
    rows = [(0.0, 0.0, t, 1.0, False) for t in thresholds[:4]]
    grid = itertools.product((0.05, 0.1), (0.35, 0.5, 0.65), thresholds)
    rows += [(p, w, t, 1.0, True) for p, w, t in grid]
    rows += [(0.05, 0.5, t, f, True) for f in (0.5, 0.75, 1.5) for t in thresholds[1:4]]
    for proposal, item_weight, threshold, fusion, vet in rows:
        m = judge(cache, labels, detector.params, proposal, item_weight, threshold, fusion, vet)
        rule = f"vet proposal={proposal} item_weight={item_weight}" if vet else "no vetting"
        levels = {k: round(v, 3) for k, v in m["cacc_by_level"].items()}
        pr = f"P/R {m['item_precision']:.4f}/{m['item_recall']:.4f}"
        print(f"{rule} threshold={threshold} fusion={fusion}: cacc {m['cacc']:.4f} {pr} {levels}")
    return 0


def sweep_close_look(args, detector: Detector, cache, labels) -> int:
    result = json.loads((args.close_look / "result.json").read_text())
    groups = result["lookalike_groups"]
    chosen = [
        g for g in groups if not args.close_look_groups or set(g) & set(args.close_look_groups)
    ]
    family = family_index(labels, chosen)  # the families the grid below looks at
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(
        str(args.close_look / "classifier.onnx"), options, providers=["CPUExecutionProvider"]
    )
    proposal, item_weight, threshold, fusion = args.rule
    outputs = close_look_outputs(cache, session, proposal)
    for name, row in family_table(cache, labels, outputs, groups, args.rule).items():
        print(f"family of {name}: {row}")
    rule = f"proposal={proposal} item_weight={item_weight} threshold={threshold} fusion={fusion}"
    rows = [None, *((t, w) for t in (0.02, 0.05, 0.1, 0.2) for w in (0.0, 0.5, 1.0))]
    for row in rows:
        look = None if row is None else (outputs, family, *row)
        m = judge(cache, labels, detector.params, proposal, item_weight, threshold, fusion,
                  look=look)  # fmt: skip
        what = "no close look" if row is None else f"close look trigger={row[0]} weight={row[1]}"
        levels = {k: round(v, 3) for k, v in m["cacc_by_level"].items()}
        print(f"{rule} {what}: cacc {m['cacc']:.4f} torn {m['torn']} {levels}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
