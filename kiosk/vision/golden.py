"""Golden outputs: a release proves at load that it sees here what it saw where it was made.

The checksums prove the files are the published ones; they cannot prove that this
kiosk's onnxruntime, execution provider (an NPU's kernels, int8 arithmetic) and
pre-processing compute what the training machine computed. So a release may carry a
picture and the detections it gave there (`ModelProfile.golden`, written by
`models.training.ship`); `open_detector` runs the picture through the loaded detector
before it may serve and refuses it, saying what differed, when:

- a golden box finds no detection of the same SKU overlapping it by `min_iou` with a
  score within `score_tolerance`, or
- a detection finds no golden box.

A box whose score lies within the tolerance of the score threshold may be present on
one machine and absent on another: it is not required, and not counted extra.
"""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.models.profile import GoldenProfile
from kiosk.models.repository import ModelError
from kiosk.vision.postprocess import Detections, box_iou


def golden_differences(
    golden: GoldenProfile, got: Detections, labels: list[str], score_threshold: float
) -> list[str]:
    """What the detections `got` on the golden picture differ in; empty when they agree."""
    tol = golden.score_tolerance
    want = golden.detections
    want_boxes = np.asarray([b.box for b in want], np.float64).reshape(-1, 4)
    got_boxes = np.asarray(got.boxes, np.float64).reshape(-1, 4)
    got_skus = [labels[int(c)] for c in got.class_ids]
    iou = (
        box_iou(want_boxes, got_boxes)
        if len(want) and len(got_skus)
        else np.zeros((len(want), len(got_skus)))
    )
    used = np.zeros(len(got_skus), bool)
    problems = []
    for i, b in enumerate(want):
        fits = [
            j
            for j in np.argsort(-iou[i])
            if not used[j]
            and got_skus[j] == b.sku
            and iou[i, j] >= golden.min_iou
            and abs(float(got.scores[j]) - b.score) <= tol
        ]
        if fits:
            used[fits[0]] = True
        elif b.score >= score_threshold + tol:
            near = int(np.argmax(iou[i])) if len(got_skus) else -1
            seen = (
                f"{got_skus[near]} {float(got.scores[near]):.2f} at IoU {iou[i, near]:.2f}"
                if near >= 0 and iou[i, near] > 0
                else "nothing there"
            )
            problems.append(f"{b.sku} {b.score:.2f} at {_fmt(b.box)} not found ({seen})")
    for j in np.flatnonzero(~used):
        if float(got.scores[j]) >= score_threshold + tol:
            problems.append(
                f"{got_skus[j]} {float(got.scores[j]):.2f} at {_fmt(got_boxes[j])} is extra"
            )
    return problems


def _fmt(box) -> str:
    return "(" + ", ".join(f"{v:.0f}" for v in box) + ")"


def verify_golden(detector, golden: GoldenProfile, picture_path) -> None:
    """Raise ModelError unless `detector` (a loaded `Detector`, no camera calibration
    applied: the size check is the kiosk's own, not the release's) detects on the
    golden picture what the release did where it was made."""
    image = cv2.imread(str(picture_path), cv2.IMREAD_COLOR)
    if image is None:
        raise ModelError(f"{detector.version}: golden picture {picture_path} cannot be read")
    result = detector.detect(image, None)
    problems = golden_differences(
        golden, result.detections, detector.labels, detector.params.score_threshold
    )
    if problems:
        more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        shown = "; ".join(problems[:3]) + more
        raise ModelError(
            f"{detector.version} on {detector.provider} does not detect on its golden picture "
            f"what it did on {golden.provider or 'the machine that made it'}: {shown}"
        )
