"""Choose a release's vetting rule on validation scenes: a detector plus a CropNet run
with "not an item", swept over proposal score, item weight, operating threshold and
fusion weight.

    python -m models.training.sweep_vetting --repository var/stage/v6-det \\
        --classifier var/train/crops-5 --data var/scenes/val-s1 var/scenes/val-s1x

The detector and the classifier run once per scene (boxes down to 0.02, the crops of
all of them); every setting is then judged on the cached outputs with the kiosk's own
`vet_boxes`, `fuse_probabilities` and `apply_probabilities`, so what wins here is what
the kiosk will run. Validation sets only: never the test split.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnxruntime as ort

from kiosk.models.repository import ModelRepository
from kiosk.vision.crops import CROP_PAD, box_geometry, crops_to_tensor, cut_crops
from kiosk.vision.metrics import SceneOutcome, checkout_metrics
from kiosk.vision.postprocess import Detections, check_output, decode
from kiosk.vision.refine import apply_probabilities, fuse_probabilities, vet_boxes
from kiosk.vision.scenes import load_scenes
from kiosk.vision.session import Detector

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


def judge(cache, labels, params, proposal, item_weight, threshold, detector_weight, vet=True):
    """Checkout metrics of one setting; `params` are the release's own decode settings
    (the candidates kept per box, as the kiosk keeps them)."""
    outcomes = []
    for s, d, p, gt in cache:
        keep = d.scores >= (proposal if vet else threshold)
        dd = Detections(d.boxes[keep], d.scores[keep], d.class_ids[keep],
                        d.topk_ids[keep], d.topk_scores[keep])  # fmt: skip
        pp = p[keep]
        if vet:
            dd, pp = vet_boxes(dd, pp, item_weight, threshold, threshold)
        else:  # the plain threshold: "not an item" ignored, items renormalised
            pp = pp[:, :-1] / np.maximum(pp[:, :-1].sum(1, keepdims=True), 1e-30)
        if len(dd):
            pp = fuse_probabilities(dd, pp, detector_weight, FLOOR)
            dd = apply_probabilities(dd, pp, params.topk, params.candidate_min_score)
        outcomes.append(SceneOutcome(s.class_ids, gt, dd.class_ids, dd.scores, dd.boxes,
                                     s.all_skus, s.level))  # fmt: skip
    return checkout_metrics(outcomes, labels, threshold)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repository", type=Path, required=True, help="holds the detector")
    ap.add_argument("--model", default="tray-detector")
    ap.add_argument("--classifier", type=Path, required=True, help="train_crops run directory")
    ap.add_argument("--data", type=Path, nargs="+", required=True, help="validation sets")
    args = ap.parse_args(argv)

    detector = Detector(ModelRepository(args.repository).load(args.model), warmup_runs=1)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    classifier = ort.InferenceSession(
        str(args.classifier / "classifier.onnx"), options, providers=["CPUExecutionProvider"]
    )
    cache, labels = cache_outputs(detector, classifier, args.data)
    print(f"{len(cache)} scenes", file=sys.stderr)
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


if __name__ == "__main__":
    raise SystemExit(main())
