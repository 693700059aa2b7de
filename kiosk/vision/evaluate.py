"""`kiosk eval`: accuracy of the shipped detector on held-out simulated tray scenes.

    kiosk eval --scenes 1000 --seed 7 --json

Renders the scenes with `hardware.sim.scenes` (split `test`, whose random streams
never meet the training and validation sets'), caches them under `var/eval/`, runs
every image through the kiosk's own detector (letterbox, onnxruntime, decode), and
prints checkout accuracy (vision only: the weight decision is not applied here;
judged on the items the camera can see, see `kiosk.vision.metrics`), per level, item
precision/recall and mAP50. `--data DIR` evaluates an existing set.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from hardware.camera.pinhole import CameraModel
from kiosk.models.repository import DEFAULT_ROOT, ModelError, ModelRepository
from kiosk.vision.config import VisionConfig
from kiosk.vision.metrics import SceneOutcome, checkout_metrics
from kiosk.vision.scenes import SceneSetError, load_scenes
from kiosk.vision.session import Detector

ROOT = Path(__file__).resolve().parent.parent.parent
EVAL_CACHE = ROOT / "var" / "eval"
# Boxes down to this score are kept for mAP; cacc and precision/recall use the
# profile's operating threshold.
MAP_FLOOR = 0.01


def render_set(count: int, seed: int, split: str, level: str, size: tuple[int, int],
               workers: int, out: Path) -> Path:  # fmt: skip
    """The scene set for these parameters, rendered once and reused."""
    desc_path = out / "dataset.json"
    if desc_path.exists():
        desc = json.loads(desc_path.read_text())
        from hardware.sim.scenes import simulator_digest

        # the same parameters drawn by another simulator are another set: re-rendered
        if (desc.get("count"), desc.get("seed"), desc.get("split"), desc.get("level"),
                desc.get("size"), desc.get("simulator")) == (
                count, seed, split, level, list(size), simulator_digest()):  # fmt: skip
            return out
    from hardware.sim.scenes import write_set  # the simulator is only needed to render

    print(f"rendering {count} {split} scenes (seed {seed}) into {out} …", file=sys.stderr)
    write_set(out, count, seed, split, level, size, workers)
    return out


def evaluate(
    data: Path,
    detector: Detector,
    limit: int | None = None,
    score_threshold: float | None = None,
    sweep: list[float] | None = None,
    calibration: str = "true",
) -> dict[str, object]:
    """`calibration`: which camera calibration the size check measures with: "true",
    the pinhole the set names for each picture; "card", what `kiosk calibrate-camera`
    reads off a picture of the card through that camera (a fitted kiosk's); "none", no
    calibration (a kiosk never calibrated: no size check)."""
    labels, scenes = load_scenes(data, limit)
    if labels != detector.labels:
        raise SceneSetError(
            f"{data}/classes.txt does not match the model's labels "
            f"({len(labels)} vs {len(detector.labels)} classes)"
        )
    threshold = (
        score_threshold if score_threshold is not None else detector.profile.thresholds.score
    )
    outcomes = []
    run_ms = []
    calibrated = 0  # pictures whose camera the set names: the size check can run on them
    for scene in scenes:
        image = scene.read_image()
        camera = _as_calibrated(scene.camera(), calibration)
        calibrated += camera is not None
        res = detector.detect(image, camera)
        run_ms.append(res.run_s * 1000)
        d = res.detections
        gt = scene.boxes_xyxy(image.shape[1], image.shape[0])
        outcomes.append(
            SceneOutcome(
                scene.class_ids, gt, d.class_ids, d.scores, d.boxes, scene.all_skus, scene.level
            )
        )
    metrics = checkout_metrics(outcomes, labels, threshold)
    metrics["score_threshold"] = threshold
    if sweep:
        metrics["sweep"] = {
            f"{t:.2f}": checkout_metrics(outcomes, labels, t)["cacc"] for t in sweep
        }
    metrics["calibrated_scenes"] = calibrated
    metrics["calibration"] = calibration
    metrics["infer_ms_mean"] = round(float(np.mean(run_ms)), 2) if run_ms else None
    metrics["misses"] = _worst(outcomes, scenes, labels, threshold)
    return metrics


def _worst(outcomes, scenes, labels, threshold, n: int = 10) -> list[dict[str, object]]:
    """A few scenes the model got wrong, with what it said: the first thing to look at."""
    from collections import Counter

    out = []
    for o, s in zip(outcomes, scenes, strict=True):
        pred = Counter(labels[c] for c in o.pred_classes[o.pred_scores >= threshold].tolist())
        truth = Counter(labels[c] for c in o.gt_classes.tolist())  # what the camera can see
        if pred != truth:
            out.append(
                {
                    "scene": s.scene_id,
                    "level": s.level,
                    "missing": sorted((truth - pred).elements()),
                    "extra": sorted((pred - truth).elements()),
                }
            )
        if len(out) >= n:
            break
    return out


def repair_argv(argv: list[str]) -> list[str]:
    """`kiosk eval --scenes 5 --json` reaches us as `5 --json --scenes`: the top-level
    parser keeps options it does not know for the end. This command has no positional
    arguments, so a leading value means that happened: move the trailing options back
    to the front (a value then follows its option again)."""
    if not argv or argv[0].startswith("-"):
        return argv
    i = len(argv)
    while i > 0 and argv[i - 1].startswith("-"):
        i -= 1
    return argv[i:] + argv[:i]


_CARD_CALIBRATIONS: dict[CameraModel, CameraModel] = {}


def _as_calibrated(camera: CameraModel | None, calibration: str) -> CameraModel | None:
    """The camera the kiosk that took this picture would measure with (see `evaluate`)."""
    if camera is None or calibration == "true":
        return camera
    if calibration == "none":
        return None
    measured = _CARD_CALIBRATIONS.get(camera)
    if measured is None:  # a set's few rigs: one card picture each
        from kiosk.vision.camera_calibration import calibrate_simulated

        measured = calibrate_simulated(camera).camera
        _CARD_CALIBRATIONS[camera] = measured
    return measured


def main(argv: list[str] | None = None) -> int:
    if argv is not None:
        argv = repair_argv(list(argv))
    ap = argparse.ArgumentParser(prog="kiosk eval", description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=200, help="scenes to render and evaluate")
    ap.add_argument("--seed", type=int, default=7, help="seed of the held-out set")
    ap.add_argument("--split", default="test", choices=["test", "val", "train"])
    ap.add_argument("--level", default="mixed", choices=["easy", "medium", "hard", "mixed"])
    ap.add_argument("--size", default="1280x720", help="camera resolution WxH")
    ap.add_argument("--workers", type=int, default=2, help="rendering processes")
    ap.add_argument("--data", type=Path, help="evaluate this scene set instead of rendering")
    ap.add_argument("--repository", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--model", default=VisionConfig().model)
    ap.add_argument("--version", type=int, default=None)
    ap.add_argument("--threshold", type=float, default=None, help="override the score threshold")
    ap.add_argument("--threads", type=int, default=0, help="onnxruntime threads (0 = auto)")
    ap.add_argument(
        "--sweep",
        action="store_true",
        help="also report cacc at thresholds 0.15..0.70 (tune on val, never on test)",
    )
    ap.add_argument(
        "--detector-weight",
        type=float,
        default=None,
        help="override the second stage's fusion weight (tune on val, never on test)",
    )
    ap.add_argument(
        "--calibration",
        default="true",
        choices=["true", "card", "none"],
        help="the size check's camera: each picture's true pinhole, what the calibration "
        "card gives for it, or none (an uncalibrated kiosk)",
    )
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    try:
        release = ModelRepository(args.repository).load(args.model, args.version)
        detector = Detector(release, threads=args.threads, warmup_runs=2)
        detector.params = replace(detector.params, score_threshold=MAP_FLOOR)
        if args.detector_weight is not None and detector.refiner is not None:
            r = detector.refiner
            r.profile = r.profile.model_copy(update={"detector_weight": args.detector_weight})
        if args.data is not None:
            data, limit = args.data, args.scenes
        else:
            w, h = (int(v) for v in args.size.lower().split("x"))
            name = f"{args.split}-s{args.seed}-n{args.scenes}-{args.level}-{w}x{h}"
            data = render_set(args.scenes, args.seed, args.split, args.level, (w, h),
                              args.workers, EVAL_CACHE / name)  # fmt: skip
            limit = None
        t0 = time.perf_counter()
        sweep = [round(0.15 + 0.05 * i, 2) for i in range(12)] if args.sweep else None
        metrics = evaluate(data, detector, limit, args.threshold, sweep, args.calibration)
    except (ModelError, SceneSetError) as err:
        print(f"kiosk eval: {err}", file=sys.stderr)
        return 2
    result = {
        **metrics,
        "model": detector.version,
        "provider": detector.provider,
        "second_stage": (
            {"detector_weight": detector.refiner.profile.detector_weight}
            if detector.refiner is not None
            else None
        ),
        "data": str(data),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"model {result['model']} on {result['provider']}, {result['scenes']} scenes of {data}"
        )
        print(f"checkout accuracy (vision only): {result['cacc']:.4f}")
        for level, v in result["cacc_by_level"].items():  # type: ignore[union-attr]
            print(f"  {level:8s} {v:.4f}  ({result['scenes_by_level'][level]} scenes)")  # type: ignore[index]
        print(f"item precision {result['item_precision']:.4f}  recall {result['item_recall']:.4f}  "
              f"mAP50 {result['map50']:.4f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
