"""Train the second-stage item classifier (CropNet) on crops cut from scene sets.

    python -m models.training.train_crops \
        --train var/scenes/train-s1 var/scenes/train-s1b --val var/scenes/val-s1 \
        --out var/train/crops-1 --epochs 8 --seed 1 --threads 1

Crops are cut with the kiosk's own `kiosk.vision.crops` from each labelled (visible)
item's box, `--copies` times per item with the box jittered (shifted and scaled by a
few per cent, as a detector's boxes are), so the classifier learns from the boxes it
will really get rather than from perfect ones. Validation crops are unjittered.
Training adds quarter turns (a camera above the tray sees items at any angle, never
mirrored: mirrored text does not occur) and light and noise changes.

With `--mine models/repository/<name>/<version>` the classifier also learns "not an
item", an extra last output: the detector release runs on the `--mine-sets` (the
kiosk's own decode, boxes down to `--proposal-score`), its boxes on a labelled item
become crops of that item and its boxes on nothing (IoU < 0.3 with every label), with
`--negatives` random item-sized boxes per scene, become "not an item". Such a
classifier can vet the detector's boxes at run time (`kiosk.vision.refine.vet_boxes`).

With `--lookalikes` it trains the close look instead (`kiosk.vision.refine`): the
crops of the catalog's look-alike families only (crisps of three flavours, two waters,
...), usually at a larger `--crop-size` (224), so that the word that tells two
flavours apart is legible; `result.json` records the families.

Writes into --out: `log.txt`, `best.pt` (best validation accuracy), `classifier.onnx`
(opset 17, inputs `crops` [N,3,S,S] RGB 0..1 with S = `--crop-size` and `geometry`
[N,4], output `probs` [N,classes]) and `result.json` (accuracy, the most confused pairs,
the crop size, the command). A run with `--init` may change the crop size: CropNet is
convolutions and a global pool, so the weights carry over to another input size.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from kiosk.vision.crops import GEOMETRY_FEATURES, box_geometry, crops_to_tensor, cut_crops
from kiosk.vision.postprocess import box_iou
from kiosk.vision.scenes import load_scenes, read_classes
from models.training.crop_net import CROP_SIZE, CropNet, CropNetExport
from models.training.net import fuse_batchnorm

OPSET = 17


def catalog_families(labels: list[str], catalog_path: Path | None = None) -> list[list[str]]:
    """The catalog's look-alike families, as sorted lists of `labels` (families with
    fewer than two of them left out)."""
    from kiosk.catalog_file import DEMO_CATALOG, load_catalog

    catalog = load_catalog(catalog_path or DEMO_CATALOG)
    families: dict[str, list[str]] = {}
    for p in catalog:
        if p.family and p.sku in labels:
            families.setdefault(p.family, []).append(p.sku)
    return sorted(sorted(g) for g in families.values() if len(g) > 1)


def lookalike_groups(catalog_path: Path | None, scene_set: Path) -> list[list[str]]:
    """The catalog's look-alike families over the scene set's labels (`--lookalikes`)."""
    groups = catalog_families(read_classes(scene_set), catalog_path)
    if not groups:
        raise SystemExit("--lookalikes: the catalog has no family of two labelled items")
    return groups


def jitter_boxes(boxes: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Shift each edge by up to `amount` of the box's size: detector-like box noise."""
    w = (boxes[:, 2] - boxes[:, 0])[:, None]
    h = (boxes[:, 3] - boxes[:, 1])[:, None]
    d = rng.uniform(-amount, amount, (len(boxes), 4)).astype(np.float32)
    return boxes + d * np.concatenate([w, h, w, h], 1)


def cut_set(
    root: Path,
    copies: int,
    jitter: float,
    seed: int,
    log,
    size: int = CROP_SIZE,
    only: tuple[str, ...] | None = None,
) -> dict[str, np.ndarray]:
    """Every labelled item of a scene set (of the classes `only`, when given) as
    `copies` crops (+ size features, class)."""
    labels, scenes = load_scenes(root)
    wanted = np.array([labels.index(x) for x in only if x in labels]) if only else None
    rng = np.random.default_rng(seed)
    crops, geometry, classes = [], [], []
    t0 = time.time()
    for n, scene in enumerate(scenes):
        image = scene.read_image()
        h, w = image.shape[:2]
        boxes = scene.boxes_xyxy(w, h).astype(np.float32)
        ids = np.asarray(scene.class_ids)
        if wanted is not None:
            keep = np.isin(ids, wanted)
            boxes, ids = boxes[keep], ids[keep]
        if not len(boxes):
            continue
        for _ in range(copies):
            b = jitter_boxes(boxes, rng, jitter) if jitter else boxes
            crops.append(cut_crops(image, b, size))
            geometry.append(box_geometry(b, w, h))
            classes.append(ids)
        if (n + 1) % 1000 == 0:
            log(f"  {root.name}: {n + 1}/{len(scenes)} scenes cut ({time.time() - t0:.0f}s)")
    return {
        "crops": np.concatenate(crops),
        "geometry": np.concatenate(geometry),
        "classes": np.concatenate(classes).astype(np.int64),
        "labels": np.asarray(labels),
    }


def _cached(cache: Path, root: Path, make, log) -> tuple[dict[str, np.ndarray], bool]:
    """`make()`'s arrays, kept in `cache` next to the scene set (rebuilt when the set is
    newer, written atomically); also whether they were made now."""
    if cache.exists() and cache.stat().st_mtime >= (root / "classes.txt").stat().st_mtime:
        data = dict(np.load(cache))
        log(f"loaded {len(data['classes'])} crops from {cache}")
        return data, False
    data = make()
    tmp = cache.with_name(cache.name + ".tmp.npz")
    np.savez(tmp, **data)
    os.replace(tmp, cache)
    return data, True


def _concatenate_freeing(parts: list[dict[str, np.ndarray]], key: str) -> np.ndarray:
    """`np.concatenate` of `parts[*][key]` that drops each part once copied, so the peak
    memory is the result plus one part, not twice the result (crops at 160 px of five
    scene sets are about 9 GB)."""
    total = sum(len(p[key]) for p in parts)
    out = np.empty((total, *parts[0][key].shape[1:]), parts[0][key].dtype)
    at = 0
    for p in parts:
        n = len(p[key])
        out[at : at + n] = p.pop(key)
        at += n
    return out


def cached_set(
    root: Path,
    copies: int,
    jitter: float,
    seed: int,
    log,
    size: int = CROP_SIZE,
    only: tuple[str, ...] | None = None,
) -> dict[str, np.ndarray]:
    tag = "_only" + hashlib.sha256(" ".join(sorted(only)).encode()).hexdigest()[:8] if only else ""
    cache = root / f".crops3_{size}_c{copies}_j{jitter}_s{seed}{tag}.npz"
    data, made = _cached(
        cache, root, lambda: cut_set(root, copies, jitter, seed, log, size, only), log
    )
    if made:
        log(f"cut {len(data['classes'])} crops from {root}")
    return data


# A mined box counts as its item from this IoU up, as "not an item" below NOT_ITEM_IOU;
# the boxes in between are neither a clean item nor clean background and are left out.
ITEM_IOU = 0.5
NOT_ITEM_IOU = 0.3


def mine_set(
    root: Path,
    release_dir: Path,
    proposal_score: float,
    negatives: int,
    seed: int,
    log,
    size: int = CROP_SIZE,
) -> dict[str, np.ndarray]:
    """The boxes a shipped detector really proposes on a scene set, down to
    `proposal_score` (decoded by the kiosk's own code), as crops: a box on a labelled
    item gets that item's class, a box on nothing (background, a fragment of an item, a
    reflection, an item the camera cannot really see) gets the extra class `len(labels)`
    ("not an item"). Teaches the classifier to veto the detector's weak boxes."""
    from dataclasses import replace

    from kiosk.models.repository import ModelRepository
    from kiosk.vision.postprocess import check_output, decode
    from kiosk.vision.session import Detector

    repo = ModelRepository(release_dir.parent.parent)
    release = repo.load(release_dir.parent.name, int(release_dir.name))
    det = Detector(release, threads=1, warmup_runs=1)
    params = replace(det.params, score_threshold=proposal_score)
    labels, scenes = load_scenes(root)
    if labels != det.labels:
        raise SystemExit(f"{root} and {release.ref} have different classes")
    background = len(labels)
    rng = np.random.default_rng([seed, 77])
    crops, geometry, classes, scores = [], [], [], []
    t0 = time.time()
    for n, scene in enumerate(scenes):
        image = scene.read_image()
        h, w = image.shape[:2]
        frame = det.prepare(image)
        d = decode(check_output(det.run(frame.tensor), len(labels)), params)
        boxes = frame.letterbox.boxes_to_frame(d.boxes).astype(np.float32)
        gt = scene.boxes_xyxy(w, h)
        cls = np.full(len(boxes), -1, np.int64)
        if len(gt) and len(boxes):
            iou = box_iou(boxes, gt)
            best = iou.argmax(1)
            top = iou[np.arange(len(boxes)), best]
            cls[top >= ITEM_IOU] = scene.class_ids[best[top >= ITEM_IOU]]
            cls[top < NOT_ITEM_IOU] = background
        else:
            cls[:] = background
        if negatives:  # boxes on nothing in particular: empty tray, hands, item fragments
            boxes, cls = _add_negatives(boxes, cls, gt, w, h, negatives, background, rng)
        keep = cls >= 0
        if keep.any():
            crops.append(cut_crops(image, boxes[keep], size))
            geometry.append(box_geometry(boxes[keep], w, h))
            classes.append(cls[keep])
            scores.append(np.pad(d.scores, (0, len(cls) - len(d)))[keep])
        if (n + 1) % 1000 == 0:
            log(f"  {root.name}: {n + 1}/{len(scenes)} scenes mined ({time.time() - t0:.0f}s)")
    return {
        "crops": np.concatenate(crops),
        "geometry": np.concatenate(geometry),
        "classes": np.concatenate(classes).astype(np.int64),
        "scores": np.concatenate(scores).astype(np.float32),
        "labels": np.asarray(labels),
    }


def _add_negatives(boxes, cls, gt, w, h, n, background, rng):
    """`n` random boxes of item-like sizes that overlap no labelled item much."""
    sizes = (gt[:, 2:] - gt[:, :2]) if len(gt) else np.array([[150.0, 150.0]])
    wh = sizes[rng.integers(len(sizes), size=n)] * rng.uniform(0.4, 1.4, (n, 2))
    wh = np.minimum(wh, [w - 1, h - 1])
    x0 = rng.uniform(0, w - wh[:, 0])
    y0 = rng.uniform(0, h - wh[:, 1])
    rand = np.stack([x0, y0, x0 + wh[:, 0], y0 + wh[:, 1]], 1).astype(np.float32)
    if len(gt):
        rand = rand[box_iou(rand, gt).max(1) < NOT_ITEM_IOU]
    boxes = np.concatenate([boxes.reshape(-1, 4), rand])
    return boxes, np.concatenate([cls, np.full(len(rand), background, np.int64)])


def cached_mined(
    root: Path,
    release_dir: Path,
    proposal_score: float,
    negatives: int,
    seed: int,
    log,
    size: int = CROP_SIZE,
) -> dict[str, np.ndarray]:
    tag = f"{release_dir.parent.name}-{release_dir.name}"
    cache = root / f".mined1_{size}_{tag}_p{proposal_score}_n{negatives}_s{seed}.npz"
    data, made = _cached(
        cache, root,
        lambda: mine_set(root, release_dir, proposal_score, negatives, seed, log, size), log,
    )  # fmt: skip
    if made:
        n_bg = int((data["classes"] == len(data["labels"])).sum())
        log(f"mined {len(data['classes'])} crops ({n_bg} not an item) from {root}")
    return data


def to_tensor(crops: np.ndarray) -> torch.Tensor:
    """uint8 BGR (n, s, s, 3) → float RGB (n, 3, s, s) 0..1: the kiosk's own conversion."""
    return torch.from_numpy(crops_to_tensor(crops))


def augment(x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """Quarter turns, brightness/contrast/colour gain, sensor noise."""
    k = int(rng.integers(4))
    if k:
        x = torch.rot90(x, k, dims=(2, 3))
    n = x.shape[0]
    gain = torch.from_numpy(rng.uniform(0.75, 1.25, (n, 1, 1, 1)).astype(np.float32))
    tint = torch.from_numpy(rng.uniform(0.93, 1.07, (n, 3, 1, 1)).astype(np.float32))
    bias = torch.from_numpy(rng.uniform(-0.08, 0.08, (n, 1, 1, 1)).astype(np.float32))
    x = x * gain * tint + bias
    noise = torch.from_numpy(rng.uniform(0, 0.04, (n, 1, 1, 1)).astype(np.float32))
    x = x + torch.randn_like(x) * noise
    return x.clamp_(0, 1)


@torch.no_grad()
def predict(net: CropNet, crops: np.ndarray, geometry: np.ndarray, batch: int = 256) -> np.ndarray:
    net.eval()
    out = []
    for i in range(0, len(crops), batch):
        logits = net(to_tensor(crops[i : i + batch]), torch.from_numpy(geometry[i : i + batch]))
        out.append(torch.softmax(logits, 1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def export_onnx(net: CropNet, path: Path) -> bytes:
    import copy

    model = CropNetExport(fuse_batchnorm(copy.deepcopy(net).eval())).eval()
    s = net.crop_size
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (torch.zeros(2, 3, s, s), torch.zeros(2, GEOMETRY_FEATURES)),
            buf,
            input_names=["crops", "geometry"],
            output_names=["probs"],
            dynamic_axes={"crops": {0: "n"}, "geometry": {0: "n"}, "probs": {0: "n"}},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    data = buf.getvalue()
    path.write_bytes(data)
    return data


def load_onnx_weights(path: Path, num_classes: int, width: int = 32) -> CropNetExport:
    """A torch `CropNetExport` carrying the weights of an exported classifier file
    (the train/serve consistency test runs the shipped classifier through torch)."""
    from models.training.export import load_initializers

    deploy = CropNetExport(fuse_batchnorm(CropNet(num_classes, width).eval()))
    return load_initializers(deploy, path, "CropNet")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, nargs="+", required=True)
    ap.add_argument("--val", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=0.02)
    ap.add_argument("--copies", type=int, default=2, help="jittered crops per training item")
    ap.add_argument("--jitter", type=float, default=0.06, help="box edge jitter, share of size")
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument(
        "--crop-size",
        type=int,
        default=CROP_SIZE,
        help="crop side in pixels (a multiple of 32: the stem and three halvings)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--init", type=Path, help="start from this run's best.pt (a longer schedule)")
    ap.add_argument("--mine", type=Path, metavar="RELEASE_DIR",
                    help="also learn 'not an item' (an extra, last class) from the boxes this "
                         "detector release proposes on the sets, e.g. "
                         "models/repository/tray-detector/3")  # fmt: skip
    ap.add_argument("--mine-sets", type=Path, nargs="+", help="sets to mine (default: --train)")
    ap.add_argument("--proposal-score", type=float, default=0.05,
                    help="mine detector boxes down to this score")  # fmt: skip
    ap.add_argument("--negatives", type=int, default=2,
                    help="random 'not an item' boxes per mined scene")  # fmt: skip
    ap.add_argument("--lookalikes", action="store_true",
                    help="train the close look: only the items of the catalog's look-alike "
                         "families (no mining); the run records the families")  # fmt: skip
    ap.add_argument(
        "--catalog", type=Path, help="catalog naming the families (default: the demo's)"
    )
    args = ap.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    words = sys.argv[1:] if argv is None else argv  # called in-process (tests): its own args
    command = "python -m models.training.train_crops " + " ".join(map(str, words))
    with (args.out / "log.txt").open("a") as logf:

        def log(msg: str) -> None:
            line = f"{time.strftime('%H:%M:%S')} {msg}"
            print(line, flush=True)
            logf.write(line + "\n")
            logf.flush()

        return train(args, command, log)


def train(args: argparse.Namespace, command: str, log) -> int:
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    log("command: " + command)
    size = args.crop_size
    if size % 32:
        raise SystemExit(f"--crop-size {size} is not a multiple of 32")
    groups = lookalike_groups(args.catalog, args.val) if args.lookalikes else []
    if args.lookalikes and args.mine is not None:
        raise SystemExit("--lookalikes learns flavours apart, not 'not an item': drop --mine")
    only = tuple(sorted(x for g in groups for x in g)) or None
    if groups:
        log(f"look-alike families: {groups}")
    parts = [cached_set(r, args.copies, args.jitter, args.seed, log, size, only)
             for r in args.train if args.copies]  # fmt: skip
    val = cached_set(args.val, 1, 0.0, args.seed, log, size, only)
    val_parts = [val]
    if args.mine is not None:
        for r in args.mine_sets or args.train:
            parts.append(cached_mined(r, args.mine, args.proposal_score, args.negatives,
                                      args.seed, log, size))  # fmt: skip
        val_parts.append(cached_mined(args.val, args.mine, args.proposal_score, args.negatives,
                                      args.seed, log, size))  # fmt: skip
        keys = ("crops", "geometry", "classes")
        val = {k: np.concatenate([v[k] for v in val_parts]) for k in keys}
    labels = [str(v) for v in parts[0]["labels"]]
    if any([str(v) for v in p["labels"]] != labels for p in parts):
        raise SystemExit("training sets have different classes.txt")
    crops = _concatenate_freeing(parts, "crops")  # the largest array: never held twice
    geometry = np.concatenate([p["geometry"] for p in parts])
    classes = np.concatenate([p["classes"] for p in parts])
    log(f"{len(classes)} training crops, {len(val['classes'])} validation crops, "
        f"{len(labels)} classes")  # fmt: skip

    # With --mine the last output is "not an item" (see `kiosk.vision.refine`).
    outputs = len(labels) + (args.mine is not None)
    net = CropNet(outputs, width=args.width, crop_size=size)
    if args.init is not None:
        init = torch.load(args.init, map_location="cpu", weights_only=False)
        if init["labels"] != labels:
            raise SystemExit(f"{args.init} was trained on other classes")
        state = init["model"]
        w = state["head.0.weight"]
        want = net.head[0].weight.shape
        if w.shape != want:  # an older run with fewer geometry inputs: new ones start at 0
            grown = torch.zeros(want)
            grown[:, : w.shape[1]] = w
            state["head.0.weight"] = grown
        last_w, last_b = state["head.3.weight"], state["head.3.bias"]
        if last_w.shape[0] > outputs:  # from a first stage to a close look: drop "not an item"
            state["head.3.weight"], state["head.3.bias"] = last_w[:outputs], last_b[:outputs]
        elif last_w.shape[0] < outputs:  # a classifier without "not an item": the class starts rare
            state["head.3.weight"] = torch.cat([last_w, torch.zeros(1, last_w.shape[1])])
            state["head.3.bias"] = torch.cat([last_b, torch.tensor([-3.0])])
        net.load_state_dict(state)
        log(f"initialised from {args.init} (val acc {init['val_acc']:.4f})")
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    per_epoch = len(classes) // args.batch
    total = per_epoch * args.epochs
    warmup = per_epoch // 4
    best = -1.0
    started = time.time()
    for epoch in range(args.epochs):
        order = np.random.default_rng([args.seed, epoch]).permutation(len(classes))
        net.train()
        t0, seen, loss_sum, correct = time.time(), 0, 0.0, 0
        for b in range(per_epoch):
            step = epoch * per_epoch + b
            t = max(0.0, (step - warmup) / (total - warmup))
            lr = args.lr * ((step + 1) / warmup if step < warmup else
                            0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))  # fmt: skip
            for g in opt.param_groups:
                g["lr"] = lr
            idx = np.sort(order[b * args.batch : (b + 1) * args.batch])
            rng = np.random.default_rng([args.seed, epoch, b])
            x = augment(to_tensor(crops[idx]), rng)
            s = torch.from_numpy(geometry[idx])
            y = torch.from_numpy(classes[idx])
            logits = net(x, s)
            loss = F.cross_entropy(logits, y, label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            seen += len(idx)
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == y).sum())
            if (b + 1) % 100 == 0:
                rate = seen / (time.time() - t0)
                log(f"epoch {epoch} batch {b + 1}/{per_epoch} loss {loss_sum / seen:.4f} "
                    f"acc {correct / seen:.4f} lr {lr:.2e} {rate:.0f} crops/s")  # fmt: skip
        probs = predict(net, val["crops"], val["geometry"])
        acc = float((probs.argmax(1) == val["classes"]).mean())
        log(f"epoch {epoch} done in {time.time() - t0:.0f}s: train loss {loss_sum / seen:.4f}, "
            f"val acc {acc:.4f}")  # fmt: skip
        if acc > best:
            best = acc
            torch.save(
                {"model": net.state_dict(), "labels": labels, "width": args.width,
                 "not_an_item": args.mine is not None,
                 "crop_size": size, "epoch": epoch, "val_acc": acc, "args": vars(args)},
                args.out / "best.pt",
            )  # fmt: skip

    ckpt = torch.load(args.out / "best.pt", map_location="cpu", weights_only=False)
    net.load_state_dict(ckpt["model"])
    export_onnx(net, args.out / "classifier.onnx")
    probs = predict(net, val["crops"], val["geometry"])
    pred = probs.argmax(1)
    pairs = zip(val["classes"].tolist(), pred.tolist(), strict=True)
    names = [*labels, "(not an item)"]
    confused = Counter((names[t], names[p]) for t, p in pairs if t != p)
    result = {
        "val_acc": round(float((pred == val["classes"]).mean()), 5),
        "not_an_item": args.mine is not None,
        "crop_size": size,
        **({"lookalike_groups": groups} if groups else {}),
        "best_epoch": ckpt["epoch"],
        "seed": args.seed,
        "epochs": args.epochs,
        "train_crops": len(classes),
        "val_crops": len(val["classes"]),
        "confused": [[t, p, n] for (t, p), n in confused.most_common(12)],
        "wall_time_s": round(time.time() - started),
        "command": command,
    }
    (args.out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    log(f"finished: val acc {result['val_acc']}, exported {args.out / 'classifier.onnx'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
