"""A detector run directory again, from a kept checkpoint and the command that trained it,
so `ship --run` can publish a detector after `var/` (where runs live) is gone:

    python -m models.training.restore_run \\
        --checkpoint models/training/checkpoints/v15-deep.pt --out var/train/v15-deep \\
        --wall-s 3240 -- --train var/scenes/train-s6-hard ... --depths 0,2,3,3 ...

Writes OUT/model.onnx (exported from the checkpoint's EMA weights, as `train` exports its
best checkpoint) and OUT/summary.json (the record `train` writes at the end of a run, with
the arguments parsed by `train`'s own parser, so a typo in them is refused here).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from models.training.export import export_onnx
from models.training.train import load_checkpoint_model, parse_args, run_summary, write_summary


def restore(checkpoint: Path, out: Path, train_argv: list[str], wall_s: float | None) -> dict:
    net, ckpt = load_checkpoint_model(checkpoint)
    args = parse_args(train_argv if "--out" in train_argv else [*train_argv, "--out", str(out)])
    if tuple(ckpt["input_size"]) != tuple(int(v) for v in args.input.split("x")):
        raise SystemExit(f"{checkpoint} takes {ckpt['input_size']}, the command says {args.input}")
    out.mkdir(parents=True, exist_ok=True)
    export_onnx(net, out / "model.onnx")
    summary = run_summary(
        ckpt, args, net.config, ckpt["input_size"], ckpt["labels"], args.epochs, wall_s
    )
    summary["restored_from"] = str(checkpoint)
    write_summary(out, summary)
    return summary


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cut = argv.index("--") if "--" in argv else len(argv)
    own, train_argv = argv[:cut], argv[cut + 1 :]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--wall-s", type=float, help="the run's training time, as its log gave it")
    args = ap.parse_args(own)
    if not train_argv:
        ap.error("give the training command's arguments after --")
    summary = restore(args.checkpoint, args.out, train_argv, args.wall_s)
    print(f"wrote {args.out}/model.onnx and summary.json (best epoch {summary['best_epoch']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
