"""Model output → detections: decode, class-aware NMS, top-k class candidates.

The model's output is the Ultralytics YOLOv8/YOLO11 ONNX export layout,
`[1, 4 + classes, anchors]`: centre x, centre y, width, height in input pixels, then
one sigmoid score per class (no objectness). So a retailer's own YOLOv8/YOLO11
export drops in with a profile. Pure numpy; the training recipe's evaluation calls
the same `decode`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class OutputError(ValueError):
    """A model output that is not in the expected layout; says what it got."""


@dataclass(frozen=True, slots=True)
class DecodeParams:
    score_threshold: float = 0.25
    iou_threshold: float = 0.5  # same-class NMS
    # Two boxes of *different* classes this much overlapping are one item seen as two
    # look-alikes (cola classic / cola lemon); the weaker goes, its score survives in
    # the stronger box's candidates. Items on a tray touch and overlap, but two real
    # items almost never overlap this much. 1.0 turns the merge off.
    cross_class_iou: float = 0.7
    topk: int = 3  # class candidates kept per box for the decision engine
    candidate_min_score: float = 0.01
    max_candidates: int = 1000  # boxes entering NMS, highest scores first
    max_detections: int = 100


@dataclass(frozen=True, slots=True)
class Detections:
    """Boxes best first. `boxes` x1, y1, x2, y2 (input pixels until mapped to a frame);
    `class_ids`/`scores` the winning class; `topk_ids`/`topk_scores` (n, k) the
    candidates, best first, padded with -1 / 0.0."""

    boxes: np.ndarray  # (n, 4) float32
    scores: np.ndarray  # (n,) float32
    class_ids: np.ndarray  # (n,) int64
    topk_ids: np.ndarray  # (n, k) int64
    topk_scores: np.ndarray  # (n, k) float32

    def __len__(self) -> int:
        return len(self.scores)

    @staticmethod
    def empty(k: int) -> Detections:
        return Detections(
            np.zeros((0, 4), np.float32),
            np.zeros(0, np.float32),
            np.zeros(0, np.int64),
            np.zeros((0, k), np.int64),
            np.zeros((0, k), np.float32),
        )

    def with_boxes(self, boxes: np.ndarray) -> Detections:
        return Detections(boxes, self.scores, self.class_ids, self.topk_ids, self.topk_scores)

    def take(self, index: np.ndarray) -> Detections:
        """The detections at `index` (indices or a boolean mask), in that order."""
        return Detections(
            self.boxes[index],
            self.scores[index],
            self.class_ids[index],
            self.topk_ids[index],
            self.topk_scores[index],
        )


def cxcywh_to_xyxy(b: np.ndarray) -> np.ndarray:
    half = b[:, 2:4] * 0.5
    return np.concatenate([b[:, 0:2] - half, b[:, 0:2] + half], axis=1)


def _overlap_terms(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise intersection areas (n, m) of x1, y1, x2, y2 boxes, and each side's areas
    as (n, 1) and (m,) for broadcasting."""
    # Coordinate by coordinate on (n, m) grids rather than on (n, m, 2) stacks reduced
    # with `prod`: the same float operations in the same order (so the same numbers),
    # a third of the time at NMS sizes, where the call overhead is the cost.
    ax1, ay1, ax2, ay2 = (a[:, i, None] for i in range(4))
    bx1, by1, bx2, by2 = (b[:, i] for i in range(4))
    iw = np.maximum(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0.0)
    ih = np.maximum(np.minimum(ay2, by2) - np.maximum(ay1, by1), 0.0)
    area_a = np.maximum(ax2 - ax1, 0.0) * np.maximum(ay2 - ay1, 0.0)
    area_b = np.maximum(bx2 - bx1, 0.0) * np.maximum(by2 - by1, 0.0)
    return iw * ih, area_a, area_b


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of x1, y1, x2, y2 boxes: (n, 4) × (m, 4) → (n, m)."""
    inter, area_a, area_b = _overlap_terms(a, b)
    union = area_a + area_b - inter
    return inter / np.maximum(union, 1e-9)


def box_cover(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection over the smaller box's area: (n, 4) × (m, 4) → (n, m). 1
    when one box lies wholly inside the other, however different their sizes."""
    inter, area_a, area_b = _overlap_terms(a, b)
    return inter / np.maximum(np.minimum(area_a, area_b), 1e-9)


# A doubtful box lying this much (of the smaller box) on a sure box of its own class is
# the detector's second look at that item (half a bag, a bag's label), not another one.
# On 1,500 validation scenes of tray-detector/6 such parts were 157 of the 208 boxes
# between 0.1 and the threshold; a missed item lying on another differs in class.
DOUBT_ON_SAME_CLASS = 0.5


def split_doubtful(dets: Detections, threshold: float) -> tuple[Detections, Detections]:
    """Detections at or above `threshold` (the reading), and the doubtful ones below it
    that are not a part of a sure box of the same class (`DOUBT_ON_SAME_CLASS`). Pure."""
    sure = dets.scores >= threshold
    weak = np.flatnonzero(~sure)
    if weak.size and sure.any():
        strong = np.flatnonzero(sure)
        part = box_cover(dets.boxes[weak], dets.boxes[strong]) >= DOUBT_ON_SAME_CLASS
        part &= dets.class_ids[weak][:, None] == dets.class_ids[strong][None, :]
        weak = weak[~part.any(1)]
    return dets.take(sure), dets.take(weak)


def greedy_suppress(iou: np.ndarray, may_suppress: np.ndarray, threshold: float) -> np.ndarray:
    """Greedy NMS over boxes already sorted best first. `may_suppress[i, j]` says
    whether box i can suppress box j at all (same class, or always). Returns kept
    indices. One IoU matrix; the loop touches each kept box once."""
    n = iou.shape[0]
    suppress = (iou > threshold) & may_suppress
    removed = np.zeros(n, dtype=bool)
    keep = []
    for i in range(n):
        if removed[i]:
            continue
        keep.append(i)
        removed |= suppress[i]
    return np.asarray(keep, dtype=np.int64)


def check_output(output: np.ndarray, num_classes: int | None = None) -> np.ndarray:
    """The (4 + classes, anchors) matrix of a batch-1 output, or `OutputError`."""
    out = np.asarray(output)
    if out.ndim == 3 and out.shape[0] == 1:
        out = out[0]
    if out.ndim != 2 or out.shape[0] < 5:
        raise OutputError(
            f"model output must be [1, 4 + classes, anchors] (YOLOv8 layout), got {output.shape}"
        )
    if num_classes is not None and out.shape[0] != 4 + num_classes:
        raise OutputError(
            f"model output has {out.shape[0] - 4} classes, the profile lists {num_classes}"
        )
    return out


def decode(output: np.ndarray, params: DecodeParams = DecodeParams()) -> Detections:
    """A YOLOv8-layout output of one image → detections in input pixels."""
    pred = check_output(output)
    num_classes = pred.shape[0] - 4
    k = min(params.topk, num_classes)
    cls = pred[4:]
    best = cls.max(axis=0)
    idx = np.flatnonzero(best > params.score_threshold)
    if idx.size == 0:
        return Detections.empty(k)
    if idx.size > params.max_candidates:
        idx = idx[np.argpartition(-best[idx], params.max_candidates)[: params.max_candidates]]
    idx = idx[np.argsort(-best[idx], kind="stable")]

    # One gather of the candidates' columns, boxes and class scores together.
    cand = np.ascontiguousarray(pred[:, idx].T, dtype=np.float32)  # (m, 4 + classes)
    boxes = cxcywh_to_xyxy(cand[:, :4])
    scores = cand[:, 4:]
    class_ids = scores.argmax(axis=1)
    iou = box_iou(boxes, boxes)
    same_class = class_ids[:, None] == class_ids[None, :]
    keep = greedy_suppress(iou, same_class, params.iou_threshold)
    if params.cross_class_iou < 1.0 and keep.size > 1:
        sub = np.ix_(keep, keep)
        keep = keep[greedy_suppress(iou[sub], ~same_class[sub], params.cross_class_iou)]
    keep = keep[: params.max_detections]

    kept_scores = scores[keep]
    topk_ids = np.argsort(-kept_scores, axis=1, kind="stable")[:, :k].astype(np.int64)
    topk_scores = kept_scores[np.arange(keep.size)[:, None], topk_ids]
    low = topk_scores < params.candidate_min_score
    low[:, 0] = False  # the winning class always stays
    topk_ids[low] = -1
    topk_scores[low] = 0.0
    return Detections(
        boxes=boxes[keep],
        scores=topk_scores[:, 0].copy(),
        class_ids=topk_ids[:, 0].copy(),
        topk_ids=topk_ids,
        topk_scores=topk_scores,
    )
