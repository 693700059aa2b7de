"""Train TrayNet on simulated scene sets: seeded, logged, resumable, early-stopped.

    nice -n 10 .venv/bin/python -m models.training.train \\
        --train var/scenes/train --val var/scenes/val --out var/train/run1

Run it again with the same `--out` and it resumes from `last.pt` (at the batch where
it stopped: batch order and augmentation are seeded per epoch and batch, so a resumed
run sees the same data as an uninterrupted one). Writes `log.txt` (human), and
`metrics.jsonl` (one line per validation), `best.pt` (EMA weights with the best
validation fitness), and at the end `model.onnx` + `summary.json`.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import pickle
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

from kiosk.vision.metrics import SceneOutcome, checkout_metrics
from kiosk.vision.postprocess import DecodeParams, decode
from models.training.data import (
    AugmentConfig,
    Canvases,
    ImageStack,
    augment,
    load_canvases,
    to_batch,
)
from models.training.export import export_onnx
from models.training.loss import DetectionLoss
from models.training.net import TrayNet, grow

RECIPE = "traynet-1"


class Log:
    def __init__(self, path: Path):
        self.path = path

    def __call__(self, msg: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {msg}"
        print(line, flush=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")


class EMA:
    """Exponential moving average of the weights: steadier than the last step's."""

    def __init__(self, model: torch.nn.Module, decay: float = 0.9995, tau: float = 1500.0):
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.decay = decay
        self.tau = tau
        self.updates = 0

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / self.tau))
        src = model.state_dict()
        for k, v in self.model.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(src[k].detach(), alpha=1 - d)
            else:
                v.copy_(src[k])


def cached_canvases(root: Path, input_size: tuple[int, int], log: Log) -> Canvases:
    """Letterboxing thousands of PNGs takes minutes; a resumed run reuses the result.
    The canvases are kept in a .npy file and memory-mapped (see `ImageStack`), the
    boxes and scene records beside them in a pickle."""
    w, h = input_size
    cache = root / f".canvases_{w}x{h}.v2.pkl"
    pixels = cache.with_suffix(".npy")
    fresh = (root / "classes.txt").stat().st_mtime
    if cache.exists() and pixels.exists() and cache.stat().st_mtime >= fresh:
        with cache.open("rb") as f:
            data = pickle.load(f)
        data.images = np.load(pixels, mmap_mode="r")
        if len(data.images) == len(data.scenes):
            log(f"loaded {len(data.scenes)} canvases from {cache}")
            return data
    t0 = time.time()
    data = load_canvases(root, input_size)
    # the pixels first, the pickle last: a pickle on disk means its pixels are whole
    tmp = pixels.with_suffix(".tmp.npy")
    np.save(tmp, data.images)
    os.replace(tmp, pixels)
    images, data.images = data.images, np.zeros((0, h, w, 3), np.uint8)
    tmp = cache.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cache)
    del images  # the letterboxed copy in memory: train from the mapped file instead
    data.images = np.load(pixels, mmap_mode="r")
    log(f"letterboxed {len(data.scenes)} images of {root} in {time.time() - t0:.0f}s")
    return data


def args_record(args: argparse.Namespace) -> dict[str, str]:
    """The run's arguments as strings, as they would be typed (lists space-separated)."""
    return {
        k: " ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in vars(args).items()
    }


def merge_canvases(parts: list[Canvases]) -> Canvases:
    if any(p.labels != parts[0].labels for p in parts):
        raise SystemExit("training sets have different classes.txt")
    return Canvases(
        images=ImageStack([p.images for p in parts]),
        boxes=[b for p in parts for b in p.boxes],
        classes=[c for p in parts for c in p.classes],
        scenes=[s for p in parts for s in p.scenes],
        labels=parts[0].labels,
    )


@torch.no_grad()
def predict(model: TrayNet, images: np.ndarray, batch: int = 16) -> list[np.ndarray]:
    """Letterboxed uint8 canvases → one YOLOv8-layout output (4 + C, N) per image."""
    from models.training.data import to_batch as _to_batch

    model.eval()
    outs = []
    for i in range(0, len(images), batch):
        chunk = list(images[i : i + batch])
        x, *_ = _to_batch(chunk, [np.zeros((0, 4))] * len(chunk), [np.zeros(0, int)] * len(chunk))
        boxes, logits = model(x)
        xy = (boxes[..., :2] + boxes[..., 2:]) * 0.5
        wh = boxes[..., 2:] - boxes[..., :2]
        out = torch.cat([xy, wh, logits.sigmoid()], -1).transpose(1, 2).numpy()
        outs.extend(out)
    return outs


def validate(
    model: TrayNet, data: Canvases, score_threshold: float, params: DecodeParams | None = None
) -> dict[str, object]:
    """Training-time evaluation: torch forward, then the kiosk's own decode and metrics."""
    params = params or DecodeParams(score_threshold=0.01)
    outcomes = []
    for out, boxes, classes, scene in zip(
        predict(model, data.images), data.boxes, data.classes, data.scenes, strict=True
    ):
        d = decode(out[None], params)
        outcomes.append(
            SceneOutcome(
                classes, boxes, d.class_ids, d.scores, d.boxes, scene.all_skus, scene.level
            )
        )
    return checkout_metrics(outcomes, data.labels, score_threshold)


def fitness(m: dict[str, object]) -> float:
    return 0.8 * float(m["cacc"]) + 0.2 * float(m["map50"])  # type: ignore[arg-type]


def lr_at(step: int, total: int, warmup: int, base: float, final_ratio: float = 0.05) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return base * (final_ratio + (1 - final_ratio) * 0.5 * (1 + math.cos(math.pi * min(t, 1.0))))


def save_atomic(obj: object, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_checkpoint_model(path: Path, use_ema: bool = True) -> tuple[TrayNet, dict]:
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    net = TrayNet(len(ckpt["labels"]), tuple(ckpt["input_size"]), **ckpt["arch"])
    net.load_state_dict(ckpt["ema"] if use_ema and "ema" in ckpt else ckpt["model"])
    return net.eval(), ckpt


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Train the tray SKU detector (TrayNet).")
    ap.add_argument("--train", type=Path, nargs="+", required=True, help="training scene set(s)")
    ap.add_argument("--val", type=Path, required=True, help="validation scene set")
    ap.add_argument("--out", type=Path, required=True, help="run directory (resumes if present)")
    ap.add_argument("--input", default="448x256", help="model input WxH (multiple of 32)")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup-epochs", type=float, default=1.0)
    ap.add_argument("--patience", type=int, default=6, help="validations without improvement")
    ap.add_argument("--val-limit", type=int, default=400, help="validation images used")
    ap.add_argument("--score-threshold", type=float, default=0.35)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-every", type=int, default=100, help="batches between checkpoints")
    ap.add_argument("--max-hours", type=float, default=0.0, help="stop (resumably) after this")
    ap.add_argument("--init", type=Path, help="start from this checkpoint's (EMA) weights")
    ap.add_argument(
        "--depths",
        default="0,1,1,1",
        help="residual blocks in stages 2-5; deeper than --init's grows it (net.grow)",
    )
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    log = Log(out / "log.txt")
    torch.set_num_threads(args.threads)
    w, h = (int(v) for v in args.input.lower().split("x"))
    input_size = (w, h)

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    parts = [cached_canvases(p, input_size, log) for p in args.train]
    train = parts[0] if len(parts) == 1 else merge_canvases(parts)
    val = cached_canvases(args.val, input_size, log)
    if train.labels != val.labels:
        raise SystemExit("train and val sets have different classes.txt")
    val.images = val.images[: args.val_limit]
    val.boxes, val.classes = val.boxes[: args.val_limit], val.classes[: args.val_limit]
    val.scenes = val.scenes[: args.val_limit]
    labels = train.labels

    depths = tuple(int(v) for v in args.depths.split(","))
    net = TrayNet(len(labels), input_size, depths=depths)
    if args.init is not None:  # fine-tune: a longer schedule or more data on a trained model
        init_net, _ = load_checkpoint_model(args.init)
        new = grow(net, init_net.state_dict())
        log(f"initialised from {args.init}" + (f"; new blocks {new}" if new else ""))
    ema = EMA(net)
    decay, no_decay = [], []
    for _name, p in net.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": args.weight_decay},
            {"params": no_decay, "weight_decay": 0},
        ],
        lr=args.lr,
    )
    criterion = DetectionLoss(len(labels))
    n = len(train.images)
    per_epoch = n // args.batch
    total_steps = per_epoch * args.epochs
    warmup = int(args.warmup_epochs * per_epoch)

    state = {"epoch": 0, "batch": 0, "best": -1.0, "bad": 0, "history": [], "train_s": 0.0}
    last = out / "last.pt"
    if last.exists():
        ckpt = torch.load(last, map_location="cpu", weights_only=False)
        net.load_state_dict(ckpt["model"])
        ema.model.load_state_dict(ckpt["ema"])
        ema.updates = ckpt["ema_updates"]
        opt.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        log(f"resumed from {last}: epoch {state['epoch']} batch {state['batch']}")
    else:
        log(
            f"start {RECIPE}: {n} train / {len(val.images)} val images, {len(labels)} classes, "
            f"input {w}x{h}, {sum(p.numel() for p in net.parameters())} params, "
            f"args {json.dumps(args_record(args))}, "
            f"torch {torch.__version__}, {platform.machine()}"
        )

    def checkpoint() -> None:
        save_atomic(
            {
                "model": net.state_dict(),
                "ema": ema.model.state_dict(),
                "ema_updates": ema.updates,
                "optimizer": opt.state_dict(),
                "state": state,
                "labels": labels,
                "input_size": list(input_size),
                "arch": net.config,
                "args": args_record(args),
            },
            last,
        )

    aug_cfg = AugmentConfig()
    started = time.time()
    stopped_early = False
    while state["epoch"] < args.epochs and not stopped_early:
        epoch = state["epoch"]
        order = np.random.default_rng([args.seed, epoch]).permutation(n)
        net.train()
        t_epoch = time.time()
        sums = {"loss": 0.0, "box": 0.0, "cls": 0.0, "k": 0}
        for b in range(state["batch"], per_epoch):
            step = epoch * per_epoch + b
            for g in opt.param_groups:
                g["lr"] = lr_at(step, total_steps, warmup, args.lr)
            rng = np.random.default_rng([args.seed, epoch, b])
            imgs, bxs, clss = [], [], []
            for i in order[b * args.batch : (b + 1) * args.batch]:
                im, bx, c = augment(train.images[i], train.boxes[i], train.classes[i], rng, aug_cfg)
                imgs.append(im)
                bxs.append(bx)
                clss.append(c)
            x, gl, gb, gm = to_batch(imgs, bxs, clss)
            boxes, logits = net(x)
            loss, parts = criterion(boxes, logits, net.anchors, gl, gb, gm)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            opt.step()
            ema.update(net)
            sums["loss"] += float(loss.detach())
            sums["box"] += parts["box"]
            sums["cls"] += parts["cls"]
            sums["k"] += 1
            state["batch"] = b + 1
            if (b + 1) % 25 == 0:
                k = sums["k"]
                rate = k * args.batch / (time.time() - t_epoch)
                log(
                    f"epoch {epoch} batch {b + 1}/{per_epoch} loss {sums['loss'] / k:.4f} "
                    f"box {sums['box'] / k:.4f} cls {sums['cls'] / k:.4f} "
                    f"lr {opt.param_groups[0]['lr']:.2e} {rate:.1f} img/s"
                )
            if (b + 1) % args.save_every == 0:
                state["train_s"] += time.time() - started
                started = time.time()
                checkpoint()
            if (
                args.max_hours
                and (time.time() - started + state["train_s"]) > args.max_hours * 3600
            ):
                state["train_s"] += time.time() - started
                checkpoint()
                log("time budget reached; run the same command to resume")
                if (out / "best.pt").exists():  # the best so far is usable meanwhile
                    export_best(out, state, args, net, input_size, labels, stopped_early, True, log)
                return 0
        # Validation with the EMA weights, through the kiosk's decode and metrics.
        t_val = time.time()
        metrics = validate(ema.model, val, args.score_threshold)
        fit = fitness(metrics)
        record = {"epoch": epoch, "fitness": fit, "val_s": round(time.time() - t_val, 1), **metrics}
        state["history"].append(record)
        with (out / "metrics.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        log(
            f"epoch {epoch} done in {time.time() - t_epoch:.0f}s: cacc {metrics['cacc']:.4f} "
            f"by level {metrics['cacc_by_level']} map50 {metrics['map50']:.4f} "
            f"P {metrics['item_precision']:.4f} R {metrics['item_recall']:.4f} fitness {fit:.4f}"
        )
        if fit > state["best"]:
            state["best"] = fit
            state["bad"] = 0
            save_atomic(
                {
                    "ema": ema.model.state_dict(),
                    "labels": labels,
                    "input_size": list(input_size),
                    "arch": net.config,
                    "epoch": epoch,
                    "metrics": metrics,
                },
                out / "best.pt",
            )
            log(f"new best (fitness {fit:.4f}) saved")
        else:
            state["bad"] += 1
            if state["bad"] >= args.patience:
                log(f"early stop: {state['bad']} validations without improvement")
                stopped_early = True
        state["epoch"] = epoch + 1
        state["batch"] = 0
        state["train_s"] += time.time() - started
        started = time.time()
        checkpoint()

    export_best(out, state, args, net, input_size, labels, stopped_early, False, log)
    return 0


def export_best(out, state, args, net, input_size, labels, stopped_early, budget_stopped, log):
    """`model.onnx` and `summary.json` from the run's best checkpoint."""
    best_net, best = load_checkpoint_model(out / "best.pt")
    export_onnx(best_net, out / "model.onnx")
    summary = run_summary(
        best, args, net.config, input_size, labels, state["epoch"],
        round(state["train_s"], 1), stopped_early, budget_stopped,
    )  # fmt: skip
    write_summary(out, summary)
    log(f"finished: best epoch {best['epoch']}, exported {out / 'model.onnx'}")


def run_summary(
    best: dict, args: argparse.Namespace, arch: dict, input_size, labels: list[str],
    epochs_run: int, train_wall_s: float | None, early_stopped: bool = False,
    budget_stopped: bool = False,
) -> dict:  # fmt: skip
    """The record of a run that `summary.json` holds and `ship` reads: `best` is the
    best checkpoint (its epoch and validation metrics)."""
    return {
        "recipe": RECIPE,
        "best_epoch": best["epoch"],
        "best_metrics": best.get("metrics", {}),
        "epochs_run": epochs_run,
        "early_stopped": early_stopped,
        "budget_stopped": budget_stopped,
        "train_wall_s": train_wall_s,
        "args": args_record(args),
        "arch": arch,
        "input_size": list(input_size),
        "labels": labels,
        "torch": torch.__version__,
        "python": sys.version.split()[0],
    }


def write_summary(out: Path, summary: dict) -> None:
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
