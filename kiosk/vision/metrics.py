"""Detection and checkout metrics, pure numpy (shared by `kiosk eval` and training).

- `cacc`, checkout accuracy (the RPC benchmark's): the share of scenes whose
  predicted SKU multiset equals the truth exactly. The truth is every item the
  camera can see (the labelled ones: at least 12 % of the item in view), as in the
  RPC benchmark, whose images hold no fully hidden items. An item wholly under
  another is the scale's to catch ([decision], `kiosk eval --fusion`), not a
  camera's; `cacc_all_items` counts those too, so the gap stays in view.
- `item_precision` / `item_recall`: boxes matched one-to-one to labelled boxes of the
  same class at IoU >= 0.5, at the operating score threshold.
- `map50`: mean over classes of the all-point interpolated average precision at IoU
  0.5 (VOC style), over all boxes the decoder returns.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from kiosk.vision.postprocess import box_iou


@dataclass(frozen=True, slots=True)
class SceneOutcome:
    gt_classes: np.ndarray  # (n,) labelled (visible) items
    gt_boxes: np.ndarray  # (n, 4) xyxy
    pred_classes: np.ndarray  # (m,) best first
    pred_scores: np.ndarray  # (m,)
    pred_boxes: np.ndarray  # (m, 4) xyxy, same pixels as gt_boxes
    truth_skus: tuple[str, ...]  # every item on the tray
    level: str = ""


def match(
    gt_classes: np.ndarray,
    gt_boxes: np.ndarray,
    pred_classes: np.ndarray,
    pred_boxes: np.ndarray,
    iou_threshold: float = 0.5,
) -> np.ndarray:
    """Greedy one-to-one matching, predictions in the given (score) order; returns a
    bool per prediction: matched a same-class labelled box."""
    hit = np.zeros(len(pred_classes), dtype=bool)
    if len(gt_classes) == 0 or len(pred_classes) == 0:
        return hit
    iou = box_iou(pred_boxes.astype(np.float64), gt_boxes.astype(np.float64))
    iou[pred_classes[:, None] != gt_classes[None, :]] = 0.0
    used = np.zeros(len(gt_classes), dtype=bool)
    for i in range(len(pred_classes)):
        row = np.where(used, 0.0, iou[i])
        j = int(row.argmax())
        if row[j] >= iou_threshold:
            used[j] = True
            hit[i] = True
    return hit


def average_precision(recall: np.ndarray, precision: np.ndarray) -> float:
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[1.0], precision, [0.0]])
    p = np.flip(np.maximum.accumulate(np.flip(p)))
    steps = np.flatnonzero(r[1:] != r[:-1])
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


def checkout_metrics(
    outcomes: list[SceneOutcome], labels: list[str], score_threshold: float
) -> dict[str, object]:
    n = len(outcomes)
    correct = 0
    correct_all = 0
    by_level: dict[str, list[int]] = {}
    tp = fp = fn = 0
    per_class: dict[int, list[tuple[float, bool]]] = {}
    gt_count: Counter[int] = Counter()
    for o in outcomes:
        keep = o.pred_scores >= score_threshold
        pred_skus = Counter(labels[c] for c in o.pred_classes[keep].tolist())
        correct_all += pred_skus == Counter(o.truth_skus)
        ok = pred_skus == Counter(labels[c] for c in o.gt_classes.tolist())
        correct += ok
        by_level.setdefault(o.level or "all", [0, 0])
        by_level[o.level or "all"][0] += ok
        by_level[o.level or "all"][1] += 1

        hits_op = match(o.gt_classes, o.gt_boxes, o.pred_classes[keep], o.pred_boxes[keep])
        tp += int(hits_op.sum())
        fp += int((~hits_op).sum())
        fn += len(o.gt_classes) - int(hits_op.sum())

        hits = match(o.gt_classes, o.gt_boxes, o.pred_classes, o.pred_boxes)
        for c, s, h in zip(
            o.pred_classes.tolist(), o.pred_scores.tolist(), hits.tolist(), strict=True
        ):
            per_class.setdefault(c, []).append((s, h))
        gt_count.update(o.gt_classes.tolist())

    aps = []
    for c, total in gt_count.items():
        dets = sorted(per_class.get(c, []), key=lambda t: -t[0])
        if not dets:
            aps.append(0.0)
            continue
        hits = np.asarray([h for _, h in dets], dtype=np.float64)
        ctp = np.cumsum(hits)
        cfp = np.cumsum(1.0 - hits)
        aps.append(average_precision(ctp / total, ctp / np.maximum(ctp + cfp, 1e-9)))
    return {
        "scenes": n,
        "cacc": correct / n if n else 0.0,
        "cacc_all_items": correct_all / n if n else 0.0,
        "cacc_by_level": {k: v[0] / v[1] for k, v in sorted(by_level.items())},
        "scenes_by_level": {k: v[1] for k, v in sorted(by_level.items())},
        "item_precision": tp / (tp + fp) if tp + fp else 0.0,
        "item_recall": tp / (tp + fn) if tp + fn else 0.0,
        "map50": float(np.mean(aps)) if aps else 0.0,
    }
