"""Labelled tray-scene sets for training and evaluating the detector.

    python -m hardware.sim.scenes --count 2000 --seed 1 --split train --out data/train
    python -m hardware.sim.scenes --count 400  --seed 1 --split val   --out data/val
    python -m hardware.sim.scenes --count 16 --seed 7 --sheet assets/contact_sheet.png

Output (stable; other tools read it):
    DIR/images/<id>.jpg       the camera picture
    DIR/labels/<id>.txt       YOLO: `class cx cy w h`, normalised, visible box of each
                              item that can be seen (hidden items get no line)
    DIR/manifests/<id>.json   the truth: SKU multiset, each item's weight, boxes,
                              occlusion, hidden and stacked flags, level, seed
    DIR/classes.txt           one SKU per line in catalog order; class id = line index
    DIR/dataset.json          what the set is: count, seed, split, levels, size, catalog

Seeds and splits: scene i of a set is drawn from the random stream
`SeedSequence([seed, SPLIT_CODE[split], i])`, so the same (seed, split, i) always
gives the same picture, and train / val / test streams are disjoint even with the
same --seed (the split is part of the seed). Scene ids are `<split>-<seed>-<i>`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hardware.sim.art_library import DEFAULT_ART_DIR, ArtLibrary
from hardware.sim.camera_model import CameraModel, default_camera
from hardware.sim.catalog import DEMO_CATALOG, SimCatalog, load_sim_catalog
from hardware.sim.layout import LEVELS, MIXED_WEIGHTS, SceneDoesNotFit, arrange, choose_skus
from hardware.sim.render import MIN_VISIBLE_FRACTION, RenderResult, SceneLook, TrayRenderer
from hardware.sim.tray import VirtualTray

SPLIT_CODE = {"train": 0, "val": 1, "test": 2}
# 2: each manifest names the camera that took the picture (its calibration)
FORMAT_VERSION = 2
JPEG_QUALITY = 92


@dataclass(frozen=True, slots=True)
class Scene:
    scene_id: str
    level: str
    seed: tuple[int, int, int]
    render: RenderResult
    tray_items: tuple  # TrayItem, in render order
    hand: bool
    look: SceneLook
    camera: CameraModel | None = None  # the rig that took the picture


def simulator_digest(catalog_path: Path = DEMO_CATALOG, art_dir: Path = DEFAULT_ART_DIR) -> str:
    """What the pictures are a function of besides (seed, split, index): the
    simulator's code, the catalog and the art index. A cached scene set drawn by
    another simulator is not the same set (an evaluation re-renders it)."""
    here = Path(__file__).resolve().parent
    files = [*sorted(here.glob("*.py")), here.parent / "camera" / "pinhole.py", catalog_path,
             art_dir / "index.json"]  # fmt: skip
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]


def scene_rng(seed: int, split: str, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, SPLIT_CODE[split], index]))


def scene_id(seed: int, split: str, index: int) -> str:
    return f"{split}-{seed}-{index:06d}"


def jittered_camera(
    rng: np.random.Generator, width: int, height: int, zoom: float = 1.0
) -> CameraModel:
    """The same kiosk model mounted by a different fitter: a few cm and degrees off.
    `zoom` > 1 frames the tray tighter, so items near its edge are cut by the frame."""
    base = default_camera(width, height)
    px, py, pz = base.position_mm
    lx, ly, lz = base.look_at_mm
    return CameraModel(
        width=width,
        height=height,
        position_mm=(
            px + rng.uniform(-40, 40),
            py + rng.uniform(-30, 30),
            pz + rng.uniform(-20, 40),
        ),
        look_at_mm=(lx + rng.uniform(-8, 8), ly + rng.uniform(-8, 8), lz),
        focal_per_width=base.focal_per_width * rng.uniform(0.96, 1.0) * zoom,
        roll_deg=float(rng.uniform(-1.5, 1.5)),
    )


# of the 8 camera rigs scenes are drawn with, these frame the tray tighter than the
# demo kiosk: a quarter of all scenes have items cut by the edge of the picture
_TIGHT_RIGS = {6: 1.16, 7: 1.22}


def rig_camera(rig: int, size: tuple[int, int]) -> CameraModel:
    """The camera of rig `rig` (0-7) that scene sets are drawn with, at `size`."""
    rng = np.random.default_rng(9000 + rig)
    return jittered_camera(rng, *size, zoom=_TIGHT_RIGS.get(rig, 1.0))


class SceneMaker:
    """Builds and renders scenes. One per process: it caches renderers per camera."""

    def __init__(self, catalog: SimCatalog, art: ArtLibrary, size: tuple[int, int]) -> None:
        self.catalog = catalog
        self.art = art
        self.size = size
        self._renderers: dict[int, TrayRenderer] = {}

    def renderer(self, rig: int) -> TrayRenderer:
        # a handful of camera rigs, each with its own cached backdrops, instead of a new
        # camera per scene: the per-rig setup (backdrop warps) then amortises
        r = self._renderers.get(rig)
        if r is None:
            r = self._renderers[rig] = TrayRenderer(self.art, rig_camera(rig, self.size))
        return r

    def make(
        self,
        seed: int,
        split: str,
        index: int,
        level: str = "mixed",
        basket: list[str] | None = None,
    ) -> Scene:
        """Scene `index` of the (seed, split) stream. With `basket`, exactly those SKUs
        are laid out, and SceneDoesNotFit says so if the tray cannot take them."""
        rng = scene_rng(seed, split, index)
        if level == "mixed":
            names = list(MIXED_WEIGHTS)
            level = names[int(rng.choice(len(names), p=list(MIXED_WEIGHTS.values())))]
        lv = LEVELS[level]
        tray = VirtualTray(self.catalog, seed=int(rng.integers(1 << 31)), clock=lambda: 0.0)
        if basket is not None:
            unknown = [s for s in basket if s not in self.catalog.skus()]
            if unknown:
                raise ValueError(f"not in catalog {self.catalog.version}: {', '.join(unknown)}")
            arrange(tray, list(basket), lv, rng)
        for _attempt in range(0 if basket is not None else 30):
            n = int(rng.integers(lv.min_items, lv.max_items + 1))
            skus = choose_skus(self.catalog, n, rng, lv)
            try:
                arrange(tray, skus, lv, rng)
                break
            except SceneDoesNotFit:
                tray.clear()  # that basket did not fit: draw another, deterministically
        else:
            if basket is None:
                raise SceneDoesNotFit(f"no {level} basket fitted the tray in 30 draws ({index})")
        has_hand = rng.random() < lv.p_hand
        if has_hand:
            w, h = tray.size_mm
            tray.hand_enter(
                float(rng.uniform(0.1 * w, 0.9 * w)),
                float(rng.uniform(0.2 * h, 0.95 * h)),
                from_angle_deg=float(rng.uniform(40, 140)),
                skin=int(rng.integers(8)),
            )
        look = SceneLook.random(rng, lv.difficulty)
        renderer = self.renderer(int(rng.integers(8)))
        render = renderer.render(tray.snapshot(), look, rng, jitter_px=0.0)
        by_id = {it.item_id: it for it in tray.items()}
        items = tuple(by_id[r.item_id] for r in render.items)
        return Scene(
            scene_id(seed, split, index),
            level,
            (seed, SPLIT_CODE[split], index),
            render,
            items,
            has_hand,
            look,
            renderer.camera,
        )


def yolo_lines(scene: Scene, classes: dict[str, int]) -> list[str]:
    h, w = scene.render.image.shape[:2]
    lines = []
    for r in scene.render.items:
        if r.hidden or r.visible_box is None:
            continue
        x0, y0, x1, y1 = r.visible_box
        cx, cy = (x0 + x1) / 2 / w, (y0 + y1) / 2 / h
        lines.append(f"{classes[r.sku]} {cx:.6f} {cy:.6f} {(x1 - x0) / w:.6f} {(y1 - y0) / h:.6f}")
    return lines


def manifest(scene: Scene) -> dict:
    h, w = scene.render.image.shape[:2]
    items = []
    counts: dict[str, int] = {}
    for r, t in zip(scene.render.items, scene.tray_items, strict=True):
        counts[r.sku] = counts.get(r.sku, 0) + 1
        items.append(
            {
                "item_id": r.item_id,
                "sku": r.sku,
                "weight_g": r.weight_g,
                "visible_box": list(r.visible_box) if r.visible_box else None,
                "full_box": [round(v, 1) for v in r.full_box] if r.full_box else None,
                "visible_fraction": round(r.visible_fraction, 4),
                "occlusion": round(r.occlusion, 4),
                "in_frame": r.in_frame,
                "hidden": r.hidden,
                "stacked": r.stacked,
                "resting_on": t.resting_on,
                "face": t.face,
                "pose_mm": [
                    round(t.pose.x_mm, 1),
                    round(t.pose.y_mm, 1),
                    round(t.pose.angle_deg, 1),
                ],
            }
        )
    return {
        "id": scene.scene_id,
        "format": FORMAT_VERSION,
        "level": scene.level,
        "seed": list(scene.seed),
        "size": [w, h],
        "skus": dict(sorted(counts.items())),
        "total_weight_g": round(sum(r.weight_g for r in scene.render.items), 1),
        "hand": scene.hand,
        # what a kiosk with this camera knows from its calibration (the size check)
        "camera": scene.camera.to_dict() if scene.camera is not None else None,
        "items": items,
    }


# ----------------------------------------------------------------------------- workers

_MAKER: SceneMaker | None = None
_JOB: dict = {}


def _init_worker(job: dict) -> None:
    global _MAKER, _JOB
    cv2.setNumThreads(1)  # processes are the parallelism; OpenCV's threads would fight them
    catalog = load_sim_catalog(job["catalog"])
    _MAKER = SceneMaker(catalog, ArtLibrary(catalog, job["art"]), tuple(job["size"]))
    _JOB = job


def _write_one(index: int) -> tuple[int, int, int]:
    assert _MAKER is not None
    job = _JOB
    scene = _MAKER.make(job["seed"], job["split"], index, job["level"])
    out = Path(job["out"])
    sid = scene.scene_id
    cv2.imwrite(
        str(out / "images" / f"{sid}.jpg"),
        scene.render.image,
        [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY],
    )
    lines = yolo_lines(scene, job["classes"])
    (out / "labels" / f"{sid}.txt").write_text("".join(line + "\n" for line in lines))
    (out / "manifests" / f"{sid}.json").write_text(json.dumps(manifest(scene), indent=1))
    hidden = sum(r.hidden for r in scene.render.items)
    return index, len(scene.render.items), hidden


def write_set(
    out: Path,
    count: int,
    seed: int,
    split: str = "train",
    level: str = "mixed",
    size: tuple[int, int] = (1280, 720),
    workers: int = 1,
    catalog_path: Path = DEMO_CATALOG,
    art_dir: Path = DEFAULT_ART_DIR,
    start: int = 0,
) -> dict:
    """Render scenes start..start+count-1 into `out`; returns the dataset description."""
    catalog = load_sim_catalog(catalog_path)
    ArtLibrary(catalog, art_dir)  # fail here, once, if any SKU lacks art
    for sub in ("images", "labels", "manifests"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    classes = {sku: i for i, sku in enumerate(catalog.skus())}
    (out / "classes.txt").write_text("".join(s + "\n" for s in catalog.skus()))
    job = {
        "seed": seed,
        "split": split,
        "level": level,
        "out": str(out),
        "classes": classes,
        "size": list(size),
        "catalog": str(catalog_path),
        "art": str(art_dir),
    }
    t0 = time.perf_counter()
    indices = range(start, start + count)
    items = hidden = 0
    if workers <= 1:
        _init_worker(job)
        results = map(_write_one, indices)
    else:
        # spawn, not fork: forking a process that already runs OpenCV threads can deadlock
        pool = mp.get_context("spawn").Pool(workers, _init_worker, (job,))
        results = pool.imap_unordered(_write_one, indices, chunksize=4)
    for done, (_, n, hid) in enumerate(results, 1):
        items += n
        hidden += hid
        if done % 100 == 0:
            rate = done / (time.perf_counter() - t0)
            print(f"{done}/{count} scenes, {rate:.1f} scenes/s", file=sys.stderr)
    if workers > 1:
        pool.close()
        pool.join()
    elapsed = time.perf_counter() - t0
    desc = {
        "format": FORMAT_VERSION,
        "generator": "python -m hardware.sim.scenes",
        "count": count,
        "first_index": start,
        "seed": seed,
        "split": split,
        "split_code": SPLIT_CODE[split],
        "seeding": "scene i uses numpy SeedSequence([seed, split_code, i])",
        "level": level,
        "level_weights": MIXED_WEIGHTS if level == "mixed" else {level: 1.0},
        "size": list(size),
        "catalog_version": catalog.version,
        "classes": len(classes),
        "labels": "YOLO class cx cy w h, normalised, visible part of each item",
        "hidden_rule": f"no label when under {MIN_VISIBLE_FRACTION:.0%} of the item is visible",
        "simulator": simulator_digest(catalog_path, art_dir),
        "items": items,
        "hidden_items": hidden,
        "seconds": round(elapsed, 2),
        "scenes_per_s": round(count / elapsed, 2) if elapsed > 0 else None,
    }
    (out / "dataset.json").write_text(json.dumps(desc, indent=1) + "\n")
    return desc


# ----------------------------------------------------------------------------- viewer


def contact_sheet(
    scenes: list[Scene], columns: int = 4, tile_width: int = 480, boxes: bool = False
) -> np.ndarray:
    """A grid of scenes, each captioned with its id and level, optionally with boxes."""
    tiles = []
    for sc in scenes:
        img = sc.render.image.copy()
        if boxes:
            for r in sc.render.items:
                if r.visible_box is None or r.hidden:
                    continue
                x0, y0, x1, y1 = r.visible_box
                cv2.rectangle(img, (x0, y0), (x1, y1), (0, 255, 255), 2)
                cv2.putText(
                    img, r.sku, (x0 + 3, y0 + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 255, 255), 2
                )
        s = tile_width / img.shape[1]
        t = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        cap = f"{sc.scene_id}  {sc.level}  {len(sc.render.items)} items"
        cv2.rectangle(t, (0, 0), (t.shape[1], 22), (20, 20, 20), -1)
        cv2.putText(t, cap, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (240, 240, 240), 1, cv2.LINE_AA)
        tiles.append(cv2.copyMakeBorder(t, 3, 3, 3, 3, cv2.BORDER_CONSTANT, value=(255, 255, 255)))
    while len(tiles) % columns:
        tiles.append(np.full_like(tiles[0], 255))
    rows = [np.hstack(tiles[i : i + columns]) for i in range(0, len(tiles), columns)]
    return np.vstack(rows)


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, not {text!r}") from None
    if not (64 <= w <= 4096 and 64 <= h <= 4096):
        raise argparse.ArgumentTypeError("size must be between 64 and 4096 pixels each way")
    return w, h


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m hardware.sim.scenes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--split", choices=sorted(SPLIT_CODE), default="train")
    levels = ["easy", "medium", "hard", "stacked", "mixed"]  # stacked: training only
    ap.add_argument("--level", choices=levels, default="mixed")
    ap.add_argument("--size", type=_parse_size, default=(1280, 720))
    ap.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    ap.add_argument("--start", type=int, default=0, help="index of the first scene")
    ap.add_argument("--out", type=Path, help="write a labelled set here")
    ap.add_argument("--sheet", type=Path, help="write a contact sheet PNG of the scenes")
    ap.add_argument("--boxes", action="store_true", help="draw label boxes on the sheet")
    ap.add_argument(
        "--show", action="store_true", help="write a sheet and open it (or print where)"
    )
    ap.add_argument("--basket", help="sheet of this basket only: comma-separated SKUs")
    ap.add_argument("--catalog", type=Path, default=DEMO_CATALOG)
    ap.add_argument("--art", type=Path, default=DEFAULT_ART_DIR)
    args = ap.parse_args(argv)
    if args.count < 1:
        ap.error("--count must be at least 1")
    if not (args.out or args.sheet or args.show):
        ap.error("say what to make: --out DIR, --sheet PATH or --show")
    if args.out:
        desc = write_set(
            args.out,
            args.count,
            args.seed,
            args.split,
            args.level,
            args.size,
            max(1, args.workers),
            args.catalog,
            args.art,
            args.start,
        )
        print(
            f"{desc['count']} scenes in {desc['seconds']} s ({desc['scenes_per_s']} scenes/s) "
            f"-> {args.out}"
        )
    if args.sheet or args.show:
        catalog = load_sim_catalog(args.catalog)
        maker = SceneMaker(catalog, ArtLibrary(catalog, args.art), args.size)
        n = min(args.count, 64)
        basket = args.basket.split(",") if args.basket else None
        try:
            scenes = [
                maker.make(args.seed, args.split, args.start + i, args.level, basket)
                for i in range(n)
            ]
        except (SceneDoesNotFit, ValueError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        sheet = contact_sheet(scenes, boxes=args.boxes)
        path = args.sheet or Path(tempfile.gettempdir()) / f"tray-scenes-{os.getpid()}.png"
        cv2.imwrite(str(path), sheet, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(f"contact sheet of {n} scenes -> {path}")
        if args.show and os.environ.get("DISPLAY"):
            os.system(f"xdg-open '{path}' >/dev/null 2>&1 &")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
