"""Publish an exported model into the on-device repository as a new immutable version.

    python -m models.training.ship --run var/train/run1 --version 1 \\
        [--classifier var/train/crops-1] \\
        [--eval eval.json] [--bench bench.json] [--onnx var/train/run1/model.onnx] \\
        [--uint8-input]

Writes `models/repository/<name>/<version>/{model.onnx, profile.json}` (and
`classifier.onnx`, the second stage trained by `models.training.train_crops`). The profile
carries everything the kiosk needs to run the model right (input size, colour order,
normalisation, letterbox, output layout, labels → SKUs, thresholds, checksum) and
what it is worth (training record, the metrics it reached, measured latency).
`--update-metrics` rewrites only the metrics/latency of a version not yet committed
(the model file and checksum cannot change: versions are immutable). `--uint8-input`
publishes both models rewritten to take the kiosk's uint8 BGR bytes and convert them
inside (`models.training.uint8_input`), as an NPU deployment takes them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import shutil
import tempfile
from pathlib import Path

from kiosk.models.profile import ModelProfile
from kiosk.models.repository import DEFAULT_ROOT, PROFILE_FILE, ModelRepository
from models.training.export import INPUT_NAME, OPSET, OUTPUT_NAME
from models.training.net import num_anchors

DEFAULT_NAME = "tray-detector"


def build_profile(
    onnx_path: Path,
    summary: dict,
    name: str,
    version: int,
    precision: str = "fp32",
    metrics: dict | None = None,
    latency: dict | None = None,
    score_threshold: float = 0.35,
    data: dict | None = None,
    command: str = "",
) -> ModelProfile:
    data_bytes = onnx_path.read_bytes()
    w, h = summary["input_size"]
    doc = {
        "schema": "kiosk.model-profile/1",
        "name": name,
        "version": version,
        "description": (
            f"TrayNet ({summary.get('recipe', '')}): compact anchor-free detector, plain "
            "Conv/ReLU, YOLOv8 output layout; trained on simulated tray scenes"
        ),
        "file": "model.onnx",
        "sha256": hashlib.sha256(data_bytes).hexdigest(),
        "size_bytes": len(data_bytes),
        "opset": OPSET,
        "min_onnxruntime": "1.17",
        "precision": precision,
        "input": {
            "name": INPUT_NAME,
            "width": w,
            "height": h,
            "layout": "NCHW",
            "color": "RGB",
            "dtype": "float32",
            "scale": 1.0 / 255.0,
            "mean": [0.0, 0.0, 0.0],
            "std": [1.0, 1.0, 1.0],
            "letterbox": True,
            "letterbox_fill": 114,
        },
        "output": {"name": OUTPUT_NAME, "format": "yolov8", "anchors": num_anchors(w, h)},
        "labels": summary["labels"],
        "thresholds": {"score": score_threshold, "iou": 0.5, "cross_class_iou": 0.7, "topk": 3},
        "training": {
            "recipe": summary.get("recipe", ""),
            "command": command,
            "seed": int(summary.get("args", {}).get("seed", 0)),
            "data": data or {},
            "epochs": summary.get("epochs_run"),
            "wall_time_s": summary.get("train_wall_s"),
        },
        "metrics": metrics or {},
        "latency": latency or {},
    }
    return ModelProfile.model_validate(doc)


METRIC_KEYS = ("val_acc", "val_crops", "train_crops", "confused")


def classifier_section(run: Path, file: str = "classifier.onnx") -> dict:
    """The profile's `classifier` section for a `train_crops` run directory (or, with
    `close_look_section`, its `close_look`): the run's model published as `file`."""
    from kiosk.vision.crops import CROP_PAD
    from models.training.crop_net import CROP_SIZE

    data = (run / "classifier.onnx").read_bytes()
    result = json.loads((run / "result.json").read_text())
    return {
        "file": file,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_bytes": len(data),
        "crop_size": int(result.get("crop_size", CROP_SIZE)),  # runs before it was recorded: 128
        "crop_pad": CROP_PAD,
        "not_an_item": bool(result.get("not_an_item", False)),
        "training": {
            "recipe": "cropnet-1",
            "command": result.get("command", ""),
            "seed": result.get("seed"),
            "epochs": result.get("epochs"),
            "wall_time_s": result.get("wall_time_s"),
        },
        "metrics": {k: result[k] for k in METRIC_KEYS if k in result},
    }


def close_look_section(
    run: Path, trigger: float, first_weight: float, only: list[str] | None = None
) -> dict:
    """The classifier's `close_look` section for a `train_crops --lookalikes` run; with
    `only`, for the families holding one of those labels (where validation found the
    close look the better judge)."""
    result = json.loads((run / "result.json").read_text())
    groups = result.get("lookalike_groups")
    if not groups:
        raise SystemExit(f"{run} is not a close look (train_crops --lookalikes)")
    if only:
        unknown = sorted(set(only) - {x for g in groups for x in g})
        if unknown:
            raise SystemExit(f"--close-look-groups: {', '.join(unknown)} in no family of {run}")
        groups = [g for g in groups if set(g) & set(only)]
    doc = classifier_section(run, "close_look.onnx")
    del doc["not_an_item"]
    return {**doc, "groups": groups, "trigger": trigger, "first_weight": first_weight}


def to_uint8_input(
    profile: ModelProfile,
    model_file: Path,
    classifier_file: Path | None,
    scratch: Path,
    close_look_file: Path | None = None,
) -> tuple[ModelProfile, Path, Path | None, Path | None]:
    """The release rewritten to take uint8 NHWC BGR bytes, the letterboxed canvas and
    the cut crops as the kiosk holds them, converting them inside the model as an NPU
    deployment does (`models.training.uint8_input`): the files, written to `scratch`,
    and the profile that describes them."""
    from models.training.uint8_input import rewrite_file

    doc = profile.model_dump(mode="json", by_alias=True)
    p = profile.input
    model_out = scratch / profile.file
    data = rewrite_file(model_file, model_out, p.name, p.color, p.scale, p.mean, p.std)
    doc.update(sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data))
    doc["input"].update(layout="NHWC", color="BGR", dtype="uint8")

    def crops_to_uint8(src: Path, section: dict) -> Path:
        """A crop model (`section`: its part of the profile document) rewritten alike."""
        out = scratch / section["file"]
        # The crops' float form is `crops_to_tensor`'s: RGB, 0..1, no mean or std.
        data = rewrite_file(src, out, section["crops_input"], "RGB")
        section.update(
            sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
            crops_dtype="uint8", crops_layout="NHWC", crops_color="BGR",
        )  # fmt: skip
        return out

    c = doc["classifier"]
    if c is not None and classifier_file is not None:
        classifier_file = crops_to_uint8(classifier_file, c)
        if c["close_look"] is not None and close_look_file is not None:
            close_look_file = crops_to_uint8(close_look_file, c["close_look"])
    doc["description"] += "; takes the uint8 BGR image and crops, converts them inside"
    return ModelProfile.model_validate(doc), model_out, classifier_file, close_look_file


# The lines of a training log kept beside a published model: its milestones, not every batch.
MILESTONES = ("start ", "resumed", " done in ", "new best", "early stop", "finished", "budget")


def dataset_record(path: Path) -> dict:
    desc_path = path / "dataset.json"
    if not desc_path.exists():
        return {"path": str(path)}
    desc = json.loads(desc_path.read_text())
    keep = (
        "generator",
        "count",
        "first_index",
        "seed",
        "split",
        "level",
        "size",
        "catalog_version",
    )
    return {k: desc.get(k) for k in keep}


def size_check_section(catalog_path: Path, labels: list[str], sigma: float) -> dict | None:
    """The profile's `size_check` for the catalog's size variants: families of cans
    that share a girth and differ in height (their print is the same; see
    `kiosk.vision.size_check`). None when the catalog has none."""
    from hardware.sim.catalog import load_sim_catalog

    families: dict[str, list] = {}
    for p in load_sim_catalog(catalog_path).products:
        if p.family and p.shape == "can" and p.sku in labels:
            families.setdefault(p.family, []).append(p)
    groups, sizes = [], {}
    for members in families.values():
        girths = {(p.size_mm[0], p.size_mm[1]) for p in members}
        heights = {p.size_mm[2] for p in members}
        if len(members) > 1 and len(girths) == 1 and len(heights) == len(members):
            groups.append(sorted(p.sku for p in members))
            sizes.update({p.sku: (float(p.size_mm[0]), float(p.size_mm[2])) for p in members})
    if not groups:
        return None
    return {"sizes_mm": sizes, "groups": groups, "sigma": sigma}


def golden_section(
    profile: ModelProfile,
    files: dict[str, Path | None],
    picture: Path,
    scratch: Path,
) -> tuple[ModelProfile, Path]:
    """The profile with its golden outputs: what the release about to be published
    detects on `picture` (run by the kiosk's own Detector from a scratch copy of the
    release, on this machine's CPU), and the picture as the lossless PNG to ship."""
    import cv2

    from kiosk.models.profile import GoldenProfile
    from kiosk.models.repository import sha256_file
    from kiosk.vision.session import CPU, Detector

    image = cv2.imread(str(picture), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"--golden: cannot read {picture}")
    png = scratch / "golden.png"
    cv2.imwrite(str(png), image)
    trial = ModelRepository(scratch / "golden-repo").publish(
        files["model"], profile, files["classifier"], files["close_look"]
    )
    detector = Detector(trial, providers=[CPU], warmup_runs=1)
    d = detector.detect(image, None).detections
    boxes = [
        {"sku": detector.labels[int(c)], "score": round(float(s), 4),
         "box": [round(float(v), 1) for v in b]}
        for c, s, b in zip(d.class_ids, d.scores, d.boxes, strict=True)
    ]  # fmt: skip
    golden = GoldenProfile(
        file=png.name, sha256=sha256_file(png), size_bytes=png.stat().st_size,
        detections=boxes, provider=f"{CPU}, {platform.machine()}",
    )  # fmt: skip
    return profile.model_copy(update={"golden": golden}), png


def default_golden_picture(run_args: dict) -> Path | None:
    """The first picture of the run's validation set: held out from training, and a
    tray like those the kiosk sees."""
    folder = Path(run_args.get("val", "")) / "images"
    images = sorted(p for p in folder.glob("*") if p.suffix in (".jpg", ".png"))
    return images[0] if images else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, required=True, help="training run directory")
    ap.add_argument("--onnx", type=Path, help="model file (default RUN/model.onnx)")
    ap.add_argument("--classifier", type=Path, help="train_crops run directory (second stage)")
    ap.add_argument("--detector-weight", type=float, default=1.0,
                    help="fusion weight of the detector's class scores (tuned on val)")  # fmt: skip
    ap.add_argument("--proposal-score", type=float,
                    help="vet detector boxes down to this ('not an item' classifier)")  # fmt: skip
    ap.add_argument("--item-weight", type=float, default=0.5,
                    help="weight of P(item) in a vetted box's confidence")  # fmt: skip
    ap.add_argument(
        "--close-look",
        type=Path,
        help="train_crops --lookalikes run directory (a third look at look-alikes)",
    )
    ap.add_argument(
        "--close-look-trigger",
        type=float,
        default=0.05,
        help="look again when the rest of the best class's family holds this much",
    )
    ap.add_argument(
        "--close-look-weight",
        type=float,
        default=0.0,
        help="within the family: first opinion^w x close look (chosen on validation)",
    )
    ap.add_argument(
        "--close-look-groups",
        nargs="+",
        metavar="LABEL",
        help="only the families holding these labels (default: all it learnt)",
    )
    ap.add_argument("--name", default=DEFAULT_NAME)
    ap.add_argument("--version", type=int, required=True)
    ap.add_argument("--precision", default="fp32", choices=["fp32", "fp16", "int8"])
    ap.add_argument("--repository", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--eval", type=Path, help="`kiosk eval --json` output to record")
    ap.add_argument("--bench", type=Path, help="`kiosk bench vision --json` output to record")
    ap.add_argument("--score-threshold", type=float, default=0.35)
    ap.add_argument(
        "--doubt",
        type=float,
        help="boxes from this score up to --score-threshold are reported apart as doubtful "
        "(the decision asks about them); chosen on validation",
    )
    ap.add_argument(
        "--size-check",
        type=float,
        metavar="SIGMA",
        help="tell the catalog's size variants apart with the calibrated camera; SIGMA is "
        "the sd of a box side's log-size error, chosen on validation",
    )
    ap.add_argument("--catalog", type=Path, help="catalog of the sizes (default: the demo's)")
    ap.add_argument("--update-metrics", action="store_true")
    ap.add_argument(
        "--golden",
        default="auto",
        help="picture whose detections the kiosk checks at load (kiosk.vision.golden); "
        "auto: the run's first validation picture; none: no golden outputs",
    )
    ap.add_argument("--uint8-input", action="store_true",
                    help="the models take uint8 NHWC BGR, convert it inside")  # fmt: skip
    # The decision engine's calibration belongs to the model (see ModelProfile):
    # measured on validation, never on the test split.
    ap.add_argument("--missed-per-box", type=float,
                    help="visible items missed per box reported (`kiosk eval --fusion "
                         "--scene-dir VAL`: calibration.measured_missed_per_box)")  # fmt: skip
    ap.add_argument(
        "--vision-sharpness",
        type=float,
        help="the engine's trust in the class scores, chosen on validation",
    )
    args = ap.parse_args(argv)

    summary = json.loads((args.run / "summary.json").read_text())
    run_args = summary.get("args", {})
    train_paths = run_args.get("train", "").split()
    data = {
        "train": [dataset_record(Path(p)) for p in train_paths],
        "val": dataset_record(Path(run_args.get("val", ""))),
    }
    command = "python -m models.training.train " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in run_args.items()
    )
    metrics, latency = {}, {}
    if args.eval:
        ev = json.loads(args.eval.read_text())
        metrics = {k: ev[k] for k in ("cacc", "cacc_by_level", "cacc_all_items", "item_precision",
                                      "item_recall", "map50", "scenes", "score_threshold")
                   if k in ev}  # fmt: skip
        data_dir = Path(ev.get("data", ""))
        root = DEFAULT_ROOT.parent.parent
        metrics["eval_set"] = str(
            data_dir.relative_to(root) if data_dir.is_relative_to(root) else data_dir
        )
        metrics["validation_best"] = summary.get("best_metrics", {})
    if args.bench:
        b = json.loads(args.bench.read_text())
        latency[b["provider"]] = {
            "infer_ms_p50": b["infer_ms_p50"],
            "infer_ms_p95": b["infer_ms_p95"],
            "machine": f"{b.get('machine', platform.machine())}, 2 cores, camera {b.get('camera')}",
        }
    onnx_path = args.onnx or args.run / "model.onnx"
    profile = build_profile(
        onnx_path, summary, args.name, args.version, args.precision, metrics, latency,
        args.score_threshold, data, command,
    )  # fmt: skip
    # The second stage and the decision calibration are added to the profile's document
    # and validated once (the ranges of the calibration too).
    doc = profile.model_dump(mode="json", by_alias=True)
    if args.classifier:
        doc["classifier"] = classifier_section(args.classifier)
        doc["classifier"]["detector_weight"] = args.detector_weight
        if doc["classifier"]["not_an_item"]:
            doc["classifier"]["proposal_score"] = args.proposal_score
            doc["classifier"]["item_weight"] = args.item_weight
        doc["description"] += "; second stage: CropNet classifies each box's full-resolution crop"
    if args.close_look:
        if not args.classifier:
            raise SystemExit("--close-look needs --classifier: it refines the second stage")
        look = close_look_section(
            args.close_look, args.close_look_trigger, args.close_look_weight,
            args.close_look_groups,
        )  # fmt: skip
        doc["classifier"]["close_look"] = look
        doc["description"] += f"; a close look at {look['crop_size']} px between look-alikes"
    if args.doubt is not None:
        doc["thresholds"]["doubt"] = args.doubt
    if args.size_check is not None:
        from kiosk.catalog_file import DEMO_CATALOG

        section = size_check_section(args.catalog or DEMO_CATALOG, doc["labels"], args.size_check)
        if section is None:
            raise SystemExit("--size-check: the catalog has no size variants of one design")
        doc["size_check"] = section
        doc["description"] += "; a size check tells size variants apart by the camera's geometry"
    calibration = {"missed_per_box": args.missed_per_box, "vision_sharpness": args.vision_sharpness}
    doc.update({k: v for k, v in calibration.items() if v is not None})
    profile = ModelProfile.model_validate(doc)
    classifier_file = args.classifier / "classifier.onnx" if args.classifier else None
    close_look_file = args.close_look / "classifier.onnx" if args.close_look else None
    # rewritten model files live here until published (removed however the run ends)
    with tempfile.TemporaryDirectory(prefix="ship-") as scratch:
        if args.uint8_input:
            profile, onnx_path, classifier_file, close_look_file = to_uint8_input(
                profile, onnx_path, classifier_file, Path(scratch), close_look_file
            )
        repo = ModelRepository(args.repository)
        if args.update_metrics:
            target = args.repository / args.name / str(args.version)
            old = repo.load(args.name, args.version)
            if old.profile.sha256 != profile.sha256:
                raise SystemExit(
                    "the model file differs from the published one: publish a new version"
                )
            profile = profile.model_copy(update={"golden": old.profile.golden})
            (target / PROFILE_FILE).write_text(
                json.dumps(profile.model_dump(mode="json", by_alias=True), indent=2) + "\n"
            )
            print(f"updated metrics of {args.name}/{args.version}")
            return 0
        picture = (
            None
            if args.golden == "none"
            else default_golden_picture(run_args)
            if args.golden == "auto"
            else Path(args.golden)
        )
        golden_file = None
        if picture is not None:
            files = {"model": onnx_path, "classifier": classifier_file,
                     "close_look": close_look_file}  # fmt: skip
            profile, golden_file = golden_section(profile, files, picture, Path(scratch))
        release = repo.publish(onnx_path, profile, classifier_file, close_look_file, golden_file)
        shutil.copyfile(args.run / "summary.json", release.directory / "training_summary.json")
        log = args.run / "log.txt"
        if log.exists():  # the log summary: the run's milestones, not every batch
            lines = [ln for ln in log.read_text().splitlines() if any(k in ln for k in MILESTONES)]
            (release.directory / "training_log.txt").write_text("\n".join(lines) + "\n")
    print(f"published {release.ref} → {release.directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
