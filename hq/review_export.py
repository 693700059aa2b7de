"""`hq review export`: the reviewed hard cases as a training set.

The set has the layout of the simulator's scene sets (`kiosk.vision.scenes`), so the
training recipe reads it like any other (`models.training.train --train DIR`,
`train_crops --train DIR`):

    DIR/images/<case>.jpg     the tray picture the kiosk kept
    DIR/labels/<case>.txt     "class cx cy w h" (normalised): each box the reviewer named
    DIR/manifests/<case>.json the true items, where it came from, who reviewed it
    DIR/classes.txt           one SKU per line (class id = line), e.g. the model's own
    DIR/dataset.json          what was exported and what was left out, and why

A case goes in only when every item on the tray has a box: an item the camera missed
has no box to label, and a picture with an unlabelled item would teach the detector
that the item is background. Such cases are counted in dataset.json, not exported.
Boxes the reviewer called "not an item" are left unlabelled (background), as they are.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path

from hq.db import HqDatabase
from hq.images import HqImageStore
from hq.review import NOT_AN_ITEM, case_view, true_counts


class ExportError(RuntimeError):
    """The export cannot be made; the message says why."""


def read_classes(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ExportError(f"cannot read {path}: {err.strerror}") from None
    classes = [line.strip() for line in lines if line.strip()]
    if not classes or len(set(classes)) != len(classes):
        raise ExportError(f"{path}: one SKU per line, none repeated")
    return classes


def export(
    db: HqDatabase, images: HqImageStore, out: Path, classes: list[str] | None = None
) -> dict:
    """Write the set into `out` (which must not exist: an export is never mixed with
    another); returns dataset.json's content. `classes` None: the SKUs reviewed."""
    if out.exists():
        raise ExportError(f"{out} exists: export into a new directory")
    rows = []
    offset = 0
    while batch := db.hard_cases("reviewed", 500, offset):
        rows.extend(batch)
        offset += len(batch)
    if classes is None:
        classes = sorted({b for r in rows for b in r["review"]["boxes"] if b != NOT_AN_ITEM})
    index = {sku: i for i, sku in enumerate(classes)}
    staging = out.with_name(f".{out.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    for sub in ("images", "labels", "manifests"):
        (staging / sub).mkdir(parents=True)
    left_out: Counter[str] = Counter()
    exported = items = 0
    for row in sorted(rows, key=lambda r: r["id"]):
        case, review = case_view(row), row["review"]
        boxes, missed = review["boxes"], review["missed"]
        w, h = case.picture_size
        if not case.image_sha256 or not images.has(case.image_sha256) or w <= 0 or h <= 0:
            left_out["no picture"] += 1
            continue
        if missed:
            left_out["an item without a box"] += 1
            continue
        if len(boxes) != len(case.boxes):
            left_out["reviewed before the case's boxes changed"] += 1
            continue
        unknown = sorted({b for b in boxes if b != NOT_AN_ITEM and b not in index})
        if unknown:
            left_out["a SKU not in classes.txt"] += 1
            continue
        lines = []
        for seen, sku in zip(case.boxes, boxes, strict=True):
            if sku == NOT_AN_ITEM:
                continue
            x1, y1, x2, y2 = (
                min(max(v, 0.0), lim) for v, lim in zip(seen.box, (w, h, w, h), strict=True)
            )
            if x2 <= x1 or y2 <= y1:
                continue
            cx, cy = (x1 + x2) / 2 / w, (y1 + y2) / 2 / h
            lines.append(f"{index[sku]} {cx:.6f} {cy:.6f} {(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}")
        stem = _stem(case.case_id)
        shutil.copyfile(images.path(case.image_sha256), staging / "images" / f"{stem}.jpg")
        (staging / "labels" / f"{stem}.txt").write_text("\n".join(lines) + "\n" * bool(lines))
        truth = true_counts(boxes, missed)
        manifest = {
            "level": "review",
            "skus": sorted(truth.elements()),
            "source": {
                "case": case.case_id,
                "device": case.device_id,
                "store": case.store_id,
                "sale": case.sale_id,
                "model_version": case.model_version,
                "kiosk_verdict": case.verdict,
                "weight_g": case.weight_g,
            },
            "review": {k: review[k] for k in ("outcome", "reviewer", "reviewed_at", "note")},
        }
        (staging / "manifests" / f"{stem}.json").write_text(
            json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8"
        )
        exported += 1
        items += len(lines)
    (staging / "classes.txt").write_text("\n".join(classes) + "\n", encoding="utf-8")
    summary = {
        "generator": "hq review export",
        "exported_at": time.time(),
        "count": exported,
        "items": items,
        "classes": len(classes),
        "reviewed": len(rows),
        "left_out": dict(sorted(left_out.items())),
        "labels": "YOLO class cx cy w h, normalised; boxes reviewed 'not an item' unlabelled",
    }
    (staging / "dataset.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    os.replace(staging, out)  # the set appears whole or not at all
    return summary


def _stem(case_id: str) -> str:
    """A case id as a file name (ids are KEY_PATTERN, but never trust a path)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in case_id).lstrip(".")
