"""A `train_crops` run directory again, from a kept checkpoint and the release that
shipped it, so `ship --classifier/--close-look` can publish a new detector beside the
same second stage after `var/` (where runs live) is gone:

    python -m models.training.restore_classifier \\
        --checkpoint models/training/checkpoints/cropnet-5.pt \\
        --release models/repository/tray-detector/8 --out var/train/crops-5
    python -m models.training.restore_classifier --close-look \\
        --checkpoint models/training/checkpoints/closelook-1.pt \\
        --release models/repository/tray-detector/8 --out var/train/look-1

Writes OUT/classifier.onnx (exported from the checkpoint, float input, as `train_crops`
exports it) and OUT/result.json (the training record the release's profile kept). The
export must be the model the release serves: its float graph is checked against the
release's (uint8-input) file on the release's own crops before anything is written.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from kiosk.vision.crops import crops_to_tensor
from models.training.crop_net import CropNet
from models.training.train_crops import export_onnx


def restore(checkpoint: Path, release: Path, out: Path, close_look: bool) -> dict:
    ckpt = torch.load(checkpoint, map_location="cpu", weights_only=False)
    profile = json.loads((release / "profile.json").read_text())
    section = profile["classifier"]
    if close_look:
        section = section.get("close_look")
        if section is None:
            raise SystemExit(f"{release} has no close look")
    labels = ckpt["labels"]
    if labels != profile["labels"]:
        raise SystemExit(f"{checkpoint}: its labels are not {release}'s")
    if ckpt["crop_size"] != section["crop_size"]:
        raise SystemExit(
            f"{checkpoint} takes {ckpt['crop_size']} px crops, {release}'s {section['file']} "
            f"{section['crop_size']} px: not the model that release serves"
        )
    outputs = len(labels) + (1 if ckpt.get("not_an_item") else 0)
    net = CropNet(outputs, ckpt.get("width", 32), crop_size=ckpt["crop_size"])
    net.load_state_dict(ckpt["model"])
    with tempfile.TemporaryDirectory() as scratch:
        exported = Path(scratch) / "classifier.onnx"
        export_onnx(net, exported)
        _same_as_shipped(exported, release / section["file"], ckpt["crop_size"])
        out.mkdir(parents=True, exist_ok=True)
        (out / "classifier.onnx").write_bytes(exported.read_bytes())
    training, metrics = section.get("training", {}), section.get("metrics", {})
    result = {
        **metrics,
        "not_an_item": bool(ckpt.get("not_an_item", False)),
        "crop_size": ckpt["crop_size"],
        **({"lookalike_groups": section["groups"]} if close_look else {}),
        "seed": training.get("seed"),
        "epochs": training.get("epochs"),
        "wall_time_s": training.get("wall_time_s"),
        "command": training.get("command", ""),
        "restored_from": f"{checkpoint} and {release}",
    }
    (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def _same_as_shipped(exported: Path, shipped: Path, size: int) -> None:
    """The float export and the shipped uint8 file give the same probabilities."""
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    crops = rng.integers(0, 256, (4, size, size, 3), dtype=np.uint8)  # NHWC BGR, as served
    geometry = rng.uniform(0, 1, (4, 4)).astype(np.float32)
    ours = ort.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
    theirs = ort.InferenceSession(str(shipped), providers=["CPUExecutionProvider"])
    a = ours.run(None, {"crops": crops_to_tensor(crops), "geometry": geometry})[0]
    b = theirs.run(None, {"crops": crops, "geometry": geometry})[0]
    if a.shape != b.shape:
        raise SystemExit(
            f"the checkpoint gives {a.shape[1]} outputs, {shipped} {b.shape[1]}: "
            "not the model that release serves"
        )
    if not np.allclose(a, b, atol=1e-4):
        raise SystemExit(
            f"the checkpoint's export differs from {shipped} by {np.abs(a - b).max():.2g}: "
            "not the model that release serves"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--release", type=Path, required=True, help="a release directory")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--close-look", action="store_true", help="the release's close look")
    args = ap.parse_args(argv)
    result = restore(args.checkpoint, args.release, args.out, args.close_look)
    print(f"{args.out}: classifier.onnx and result.json (val acc {result.get('val_acc')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
