"""Where a release's errors are: checkout accuracy of scenes with and without stacked
items, and the share of visible items missed among those lying on another item, those
under one, and all others.

    python -m models.training.stacking_report --data var/scenes/val-s1 var/scenes/val-s1x \\
        --versions 4 5

Runs the kiosk's own detector (both stages, vetting and all) on each picture. A scene
is right when its predicted SKU multiset equals the visible items (as `kiosk eval`); an
item is missed when no reported box covers it at IoU >= 0.5. Validation sets only.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

from kiosk.models.repository import DEFAULT_ROOT, ModelRepository
from kiosk.vision.postprocess import box_iou
from kiosk.vision.scenes import load_scenes
from kiosk.vision.session import Detector

KINDS = ("on another", "under one", "other")


def report(detector: Detector, sets: list[Path]) -> tuple[Counter, Counter]:
    scenes_c: Counter = Counter()
    items_c: Counter = Counter()
    for root in sets:
        labels, scenes = load_scenes(root, 1_000_000)
        for s in scenes:
            image = s.read_image()
            d = detector.detect(image).detections
            manifest = s.manifest["items"]
            visible = [x for x in manifest if not x["hidden"] and x["visible_box"]]
            under = {x["resting_on"] for x in manifest if x["stacked"]}
            kind = "stacked" if any(x["stacked"] for x in manifest) else "flat"
            pred = Counter(labels[c] for c in d.class_ids.tolist())
            truth = Counter(labels[c] for c in s.class_ids.tolist())
            scenes_c[(s.level, kind, "n")] += 1
            scenes_c[(s.level, kind, "right")] += pred == truth
            gt = s.boxes_xyxy(image.shape[1], image.shape[0])
            iou = box_iou(gt, d.boxes) if len(d) else np.zeros((len(gt), 0))
            for i, x in enumerate(visible[: len(gt)]):  # labels follow the visible items
                where = KINDS[2]
                if x["stacked"]:
                    where = KINDS[0]
                elif x["item_id"] in under:
                    where = KINDS[1]
                items_c[(where, "n")] += 1
                items_c[(where, "missed")] += not (iou.shape[1] and iou[i].max() >= 0.5)
    return scenes_c, items_c


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, nargs="+", required=True, help="validation sets")
    ap.add_argument("--repository", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--model", default="tray-detector")
    ap.add_argument("--versions", type=int, nargs="+", help="default: the newest")
    args = ap.parse_args(argv)
    repo = ModelRepository(args.repository)
    for version in args.versions or [None]:
        release = repo.load(args.model, version)
        scenes_c, items_c = report(Detector(release, warmup_runs=1), args.data)
        print(release.ref)
        for level in ("easy", "medium", "hard"):
            for kind in ("flat", "stacked"):
                n = scenes_c[(level, kind, "n")]
                if n:
                    right = scenes_c[(level, kind, "right")]
                    print(f"  {level:6} {kind:7} scenes right {right}/{n} = {right / n:.3f}")
        for where in KINDS:
            n, missed = items_c[(where, "n")], items_c[(where, "missed")]
            print(f"  items {where:10} missed {missed}/{n} = {missed / max(n, 1):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
