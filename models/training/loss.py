"""Training targets and loss: YOLOv8's task-aligned assignment, CIoU box loss, BCE.

Each true box takes the `topk` cells (inside it) whose prediction is best aligned with
it — class score^alpha × IoU^beta — so the cells that already predict it well become
its positives. The class target is that alignment, normalised so a box's best cell
gets its best IoU: the score then ranks boxes by quality, which is what NMS and the
top-k candidates need.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def box_iou_pairs(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """IoU of boxes broadcast against each other: (..., 4) × (..., 4) → (...)."""
    lt = torch.maximum(a[..., :2], b[..., :2])
    rb = torch.minimum(a[..., 2:], b[..., 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area_a = (a[..., 2:] - a[..., :2]).clamp(min=0).prod(-1)
    area_b = (b[..., 2:] - b[..., :2]).clamp(min=0).prod(-1)
    return inter / (area_a + area_b - inter + eps)


def ciou(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    iou = box_iou_pairs(a, b, eps)
    cw = torch.maximum(a[..., 2], b[..., 2]) - torch.minimum(a[..., 0], b[..., 0])
    ch = torch.maximum(a[..., 3], b[..., 3]) - torch.minimum(a[..., 1], b[..., 1])
    c2 = cw**2 + ch**2 + eps
    rho2 = ((a[..., 0] + a[..., 2] - b[..., 0] - b[..., 2]) ** 2
            + (a[..., 1] + a[..., 3] - b[..., 1] - b[..., 3]) ** 2) / 4  # fmt: skip
    wa, ha = a[..., 2] - a[..., 0], (a[..., 3] - a[..., 1]).clamp(min=eps)
    wb, hb = b[..., 2] - b[..., 0], (b[..., 3] - b[..., 1]).clamp(min=eps)
    v = (4 / math.pi**2) * (torch.atan(wb / hb) - torch.atan(wa / ha)) ** 2
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / c2 + v * alpha)


@torch.no_grad()
def assign(
    pred_scores: torch.Tensor,  # (B, N, C) after sigmoid
    pred_boxes: torch.Tensor,  # (B, N, 4) xyxy
    anchors: torch.Tensor,  # (N, 2)
    gt_labels: torch.Tensor,  # (B, M) long
    gt_boxes: torch.Tensor,  # (B, M, 4) xyxy
    gt_mask: torch.Tensor,  # (B, M) bool
    topk: int = 10,
    alpha: float = 0.5,
    beta: float = 6.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """→ (target boxes (B, N, 4), target scores (B, N, C), positive mask (B, N))."""
    b, n, c = pred_scores.shape
    m = gt_boxes.shape[1]
    if m == 0:
        return (
            torch.zeros_like(pred_boxes),
            torch.zeros_like(pred_scores),
            torch.zeros(b, n, dtype=torch.bool),
        )
    # Cells whose centre lies inside the true box.
    lt = anchors[None, None] - gt_boxes[:, :, None, :2]
    rb = gt_boxes[:, :, None, 2:] - anchors[None, None]
    inside = torch.cat([lt, rb], -1).amin(-1) > 1e-9  # (B, M, N)
    inside &= gt_mask[:, :, None]

    idx_b = torch.arange(b)[:, None].expand(b, m)
    score = pred_scores[idx_b, :, gt_labels.clamp(min=0)]  # (B, M, N)
    overlaps = box_iou_pairs(gt_boxes[:, :, None, :], pred_boxes[:, None, :, :])  # (B, M, N)
    overlaps = overlaps.clamp(min=0) * inside
    align = score.pow(alpha) * overlaps.pow(beta) * inside

    k = min(topk, n)
    top = align.topk(k, dim=-1).indices  # (B, M, k)
    is_top = torch.zeros_like(align, dtype=torch.bool)
    is_top.scatter_(-1, top, True)
    pos = is_top & inside & (align > 0)  # (B, M, N)

    # A cell claimed by several boxes goes to the one it overlaps most.
    multi = pos.sum(1, keepdim=True) > 1
    if multi.any():
        best = overlaps.argmax(1, keepdim=True)
        only_best = torch.zeros_like(pos)
        only_best.scatter_(1, best, True)
        pos = torch.where(multi, only_best & pos.any(1, keepdim=True), pos)
    fg = pos.any(1)  # (B, N)
    gt_idx = pos.float().argmax(1)  # (B, N)

    tgt_boxes = gt_boxes[torch.arange(b)[:, None], gt_idx]  # (B, N, 4)
    tgt_labels = gt_labels[torch.arange(b)[:, None], gt_idx].clamp(min=0)  # (B, N)

    align = align * pos
    max_align = align.amax(-1, keepdim=True)  # (B, M, 1)
    max_iou = (overlaps * pos).amax(-1, keepdim=True)
    norm = (align * max_iou / (max_align + 1e-9)).amax(1)  # (B, N)
    tgt_scores = F.one_hot(tgt_labels, c).float() * (norm * fg)[..., None]
    return tgt_boxes, tgt_scores, fg


class DetectionLoss:
    def __init__(
        self, num_classes: int, box_weight: float = 7.5, cls_weight: float = 1.0, topk: int = 10
    ):
        self.num_classes = num_classes
        self.box_weight = box_weight
        self.cls_weight = cls_weight
        self.topk = topk

    def __call__(
        self,
        boxes: torch.Tensor,  # (B, N, 4) xyxy
        logits: torch.Tensor,  # (B, N, C)
        anchors: torch.Tensor,
        gt_labels: torch.Tensor,
        gt_boxes: torch.Tensor,
        gt_mask: torch.Tensor,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        scores = logits.detach().sigmoid()
        tgt_boxes, tgt_scores, fg = assign(
            scores, boxes.detach(), anchors, gt_labels, gt_boxes, gt_mask, self.topk
        )
        norm = tgt_scores.sum().clamp(min=1.0)
        cls_loss = F.binary_cross_entropy_with_logits(logits, tgt_scores, reduction="sum") / norm
        if fg.any():
            weight = tgt_scores.sum(-1)[fg]
            box_loss = ((1.0 - ciou(boxes[fg], tgt_boxes[fg])) * weight).sum() / norm
        else:
            box_loss = boxes.sum() * 0.0
        total = self.box_weight * box_loss + self.cls_weight * cls_loss
        return total, {
            "box": float(box_loss.detach()),
            "cls": float(cls_loss.detach()),
            "pos": float(fg.sum()),
        }
