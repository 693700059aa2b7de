"""`kiosk eval --fusion`: checkout accuracy of vision alone and of vision + weight.

    kiosk eval --fusion --scenes 300 --seed 7 --json              # the trained model
    kiosk eval --fusion --detector simulated --scenes 3000 --json  # the engine's logic

Two sources of detector output, always labelled in the report (``detector``):

- ``model`` (the default: a real camera is the honest case): the shipped detector
  (``--model``/``--version`` in ``--repository``, loaded and verified as `kiosk eval`
  loads it, with the profile's operating thresholds, as on the kiosk) runs on the
  rendered pictures of the held-out test set `kiosk eval` renders (split ``test``,
  1280x720, cached under ``var/eval/``, the same directory name, so the two commands
  share one rendering), or of an existing set (``--scene-dir``). Each picture is one
  still frame: its items go through the pipeline's own vote (`stability.vote`) into
  the `TrayView` the engine takes. A rendered tray has one picture, so the several
  still frames the kiosk votes over are this one frame (they would differ only by
  sensor noise). The truth and every item's weight, hidden items' too (they have no
  label but do weigh), come from the set's manifests. Defaults: 200 scenes, seed 7,
  as `kiosk eval`. A model that cannot be loaded ends the command with exit code 2
  and the reason.
- ``simulated``: the detector is replaced by a documented, seeded confusion model
  (`ConfusionModel`) applied to the true contents of each scene: look-alike swaps at a
  rate, other-class swaps, missed items (more when occluded), false detections. This
  measures the *engine's logic* against a stated error model; it says nothing about a
  real camera. The scenes come from the in-process sampler (`sample_scenes`: tray
  layouts, true item weights drawn like the simulator's, a hidden item under another
  at the "hidden" level) or from a scene set's manifests (``--scene-dir``). Defaults:
  2000 scenes, seed 1.

The scale reading is simulated in both: the true weights from the scene, plus noise,
zero drift and span error, rounded to the scale's division (`ScaleSim`).

The kiosk also follows the weight steps as the tray fills (`weight_steps`), and so does
the evaluation by default: a shopper puts the wholly hidden items down first (they lie
under others), then the rest in a random order, each item with the one before it in one
step with probability ``--together`` (0.3); every step ends in a simulated stable
reading, the last one being the reading the decision weighs. How shoppers really fill
a tray is an assumption the simulator cannot check: ``weight_steps`` in the report says
which one judged, ``--together 1.0`` is a shopper who drops everything at once (no
steps to read), and ``--no-steps`` the decision on the final reading only.

Metrics (the receipt is packaged SKU counts plus the set of loose produce SKUs; the
produce is priced by weight, so its number of pieces is not on the receipt):

- cacc_vision: the detector's top class per box, as the receipt.
- cacc_fused: receipts not charged wrong: confirmed or corrected and exactly right,
  or handed to a person (ask, staff), who sees the concrete request; how many
  *ended* in a question is in ``outcomes`` (overall and per level), and
  cacc_fused_first_pass counts only the receipts the engine accepted and got right.
- false_alarm_rate: baskets with nothing hidden that vision read exactly right but the
  engine did not simply confirm. Baskets with two kinds of loose produce are left
  out (the rule is to weigh them one at a time; their number is reported).
- honest_asked_rate: baskets with nothing hidden, read right by vision or not, that the
  engine did not simply confirm: what honest shoppers live with. false_alarm_rate
  counts only those vision read right, so a detector that reads more look-alikes
  right but unsure moves baskets from "wrong, asked" into it while asking no more
  shoppers; the two together tell that apart.
- hidden_item_catch_rate: baskets with an extra item (>= 20 g) hidden from the camera
  that the engine did not accept with a wrong receipt.
- auto_correct_precision: corrected receipts that were exactly right.

The engine is built as the kiosk builds it for the model: with the calibration its
profile brings (``vision_sharpness``, ``missed_per_box``), else the engine's defaults;
``--vision-sharpness``/``--missed-per-box`` override them to choose a model's values on
validation scenes. ``calibration`` in the report says which values judged and where they
came from, and measures ``missed_per_box`` on the scenes evaluated.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np

from kiosk.catalog_file import DEMO_CATALOG, load_catalog
from kiosk.domain.catalog import Catalog, Product
from kiosk.domain.checkout import Verdict
from kiosk.domain.decision import DecisionEngine, DecisionPolicy, ScaleSpec, WeightModel
from kiosk.domain.decision.weight_steps import steps_from_readings
from kiosk.domain.tray_view import Candidate, SeenItem, TrayView
from kiosk.models.repository import DEFAULT_ROOT, ModelError, ModelRepository
from kiosk.vision.config import VisionConfig, VotingConfig
from kiosk.vision.evaluate import EVAL_CACHE, render_set
from kiosk.vision.postprocess import OutputError
from kiosk.vision.preprocess import FrameError, check_frame
from kiosk.vision.produce_size import ProduceSizer
from kiosk.vision.scenes import Scene, SceneSetError, iter_scenes, read_classes
from kiosk.vision.session import Detector
from kiosk.vision.stability import vote

TRAY_MM = (600.0, 400.0)
PX_PER_MM = 2.0
FRAME = (int(TRAY_MM[0] * PX_PER_MM), int(TRAY_MM[1] * PX_PER_MM))
HIDDEN_MIN_G = 20.0

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class SimItem:
    sku: str
    weight_g: float
    box: Box  # frame pixels
    hidden: bool = False
    occluded: float = 0.0  # share of its box covered by other items


@dataclass(frozen=True, slots=True)
class SimScene:
    scene_id: str
    level: str
    items: tuple[SimItem, ...]
    known: Mapping[str, int] = field(default_factory=dict)  # scanned before settling
    frame_size: tuple[int, int] = FRAME


# ---- scenes ---------------------------------------------------------------------

LEVELS = {  # level: (share of scenes, item count range, gap mm (negative: overlap))
    "easy": (0.25, (1, 3), 20.0),
    "medium": (0.25, (4, 6), 2.0),
    "hard": (0.20, (7, 10), -25.0),
    "hidden": (0.15, (2, 7), 2.0),
    "produce": (0.10, (1, 4), 2.0),
    "scanned": (0.05, (3, 6), 2.0),
}


def _footprint(p: Product, rng: np.random.Generator) -> tuple[float, float]:
    w, length = float(p.size_mm[0]), float(p.size_mm[1])
    return (w, length) if rng.random() < 0.5 else (length, w)


def _overlap_area(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def _place(
    fp: tuple[float, float], placed: list[Box], gap_mm: float, rng: np.random.Generator
) -> Box | None:
    """A random spot on the tray; negative gaps allow that much overlap (mm)."""
    w, h = fp[0] * PX_PER_MM, fp[1] * PX_PER_MM
    if w > FRAME[0] or h > FRAME[1]:
        return None
    for _ in range(200):
        x = rng.uniform(0, FRAME[0] - w)
        y = rng.uniform(0, FRAME[1] - h)
        box = (x, y, x + w, y + h)
        g = gap_mm * PX_PER_MM
        ok = True
        for other in placed:
            if g >= 0:
                grown = (other[0] - g, other[1] - g, other[2] + g, other[3] + g)
                if _overlap_area(box, grown) > 0:
                    ok = False
                    break
            else:
                # overlap allowed up to -gap on each axis and 35 % of the smaller box
                ov = _overlap_area(box, other)
                smaller = min(w * h, (other[2] - other[0]) * (other[3] - other[1]))
                if ov > 0.35 * smaller or _axis_overlap(box, other) > -g:
                    ok = False
                    break
        if ok:
            return box
    return None


def _axis_overlap(a: Box, b: Box) -> float:
    ox = min(a[2], b[2]) - max(a[0], b[0])
    oy = min(a[3], b[3]) - max(a[1], b[1])
    return min(ox, oy) if ox > 0 and oy > 0 else 0.0


def _weight(p: Product, rng: np.random.Generator) -> float:
    # as hardware.sim.tray.draw_weight: normal, clipped at 3 sd, kept physical
    w = p.weight_g + float(np.clip(rng.normal(), -3, 3)) * p.weight_sd_g
    return round(max(w, 0.4 * p.weight_g), 1)


def sample_scenes(catalog: Catalog, n: int, seed: int) -> list[SimScene]:
    """`n` tray scenes, reproducible from `seed` (the levels in `LEVELS`)."""
    rng = np.random.default_rng(seed)
    packaged = [p for p in catalog if not p.sold_by_weight]
    loose = [p for p in catalog if p.sold_by_weight]
    families: dict[str, list[Product]] = {}
    for p in packaged:
        if p.family:
            families.setdefault(p.family, []).append(p)
    names = list(LEVELS)
    shares = np.array([LEVELS[k][0] for k in names])
    scenes = []
    for s in range(n):
        level = names[int(rng.choice(len(names), p=shares / shares.sum()))]
        _, (lo, hi), gap = LEVELS[level]
        count = int(rng.integers(lo, hi + 1))
        chosen: list[Product] = []
        if level == "produce":
            fruit = loose[int(rng.integers(len(loose)))]
            chosen += [fruit] * count
            chosen += [
                packaged[int(i)] for i in rng.integers(len(packaged), size=rng.integers(0, 4))
            ]
        else:
            for _ in range(count):
                if level == "hard" and families and rng.random() < 0.5:
                    fam = list(families.values())[int(rng.integers(len(families)))]
                    chosen.append(fam[int(rng.integers(len(fam)))])
                else:
                    chosen.append(packaged[int(rng.integers(len(packaged)))])
        placed: list[Box] = []
        items: list[SimItem] = []
        for p in chosen:
            box = _place(_footprint(p, rng), placed, gap, rng)
            if box is None:
                continue
            placed.append(box)
            items.append(SimItem(p.sku, _weight(p, rng), box))
        if not items:
            continue
        # occlusion: later items lie on top of earlier ones
        final = []
        for i, it in enumerate(items):
            area = (it.box[2] - it.box[0]) * (it.box[3] - it.box[1])
            cover = sum(_overlap_area(it.box, o.box) for o in items[i + 1 :])
            final.append(SimItem(it.sku, it.weight_g, it.box, False, min(cover / area, 1.0)))
        if level == "hidden":
            extra = _hidden_item(final, packaged, rng)
            if extra is not None:
                final.insert(0, extra)
        known: dict[str, int] = {}
        if level == "scanned":
            visible = [it for it in final if not it.hidden]
            pick = visible[int(rng.integers(len(visible)))]
            known[pick.sku] = 1
        scenes.append(SimScene(f"sim-{seed}-{s:05d}", level, tuple(final), known))
    return scenes


def _hidden_item(
    items: list[SimItem], packaged: list[Product], rng: np.random.Generator
) -> SimItem | None:
    """An extra item of >= 20 g lying fully under one of the visible items."""
    for _ in range(50):
        cover = items[int(rng.integers(len(items)))]
        cw, ch = cover.box[2] - cover.box[0], cover.box[3] - cover.box[1]
        fits = [
            p
            for p in packaged
            if p.weight_g >= HIDDEN_MIN_G
            and sorted(p.size_mm[:2])[0] * PX_PER_MM <= min(cw, ch)
            and sorted(p.size_mm[:2])[1] * PX_PER_MM <= max(cw, ch)
        ]
        if not fits:
            continue
        p = fits[int(rng.integers(len(fits)))]
        a, b = sorted(p.size_mm[:2])
        w, h = (a, b) if cw <= ch else (b, a)
        w, h = w * PX_PER_MM, h * PX_PER_MM
        x = cover.box[0] + rng.uniform(0, cw - w)
        y = cover.box[1] + rng.uniform(0, ch - h)
        return SimItem(p.sku, _weight(p, rng), (x, y, x + w, y + h), hidden=True, occluded=1.0)
    return None


def scenes_from_manifests(root: Path, limit: int | None = None) -> list[SimScene]:
    """Scenes of a generated set (`python -m hardware.sim.scenes ... --out DIR`)."""
    paths = sorted((root / "manifests").glob("*.json"))[:limit]
    return [
        scene_from_manifest(json.loads(path.read_text(encoding="utf-8")), path.stem)
        for path in paths
    ]


def scene_from_manifest(doc: Mapping, scene_id: str) -> SimScene:
    """One manifest's truth: every item on the tray with its weight, hidden ones too."""
    size = doc.get("size") or doc.get("image_size") or [FRAME[0], FRAME[1]]
    fw, fh = float(size[0]), float(size[1])
    items = []
    for it in doc.get("items", []):
        box = it.get("visible_box") or it.get("full_box") or it.get("box") or [0, 0, 0, 0]
        box = [float(v) for v in box]
        items.append(
            SimItem(
                sku=str(it["sku"]),
                weight_g=float(it.get("weight_g", 0.0)),
                box=(box[0], box[1], box[2], box[3]),
                hidden=bool(it.get("hidden", False)),
                occluded=float(it.get("occlusion", 0.0) or 0.0),
            )
        )
    return SimScene(
        str(doc.get("id", scene_id)),
        str(doc.get("level", "")),
        tuple(items),
        frame_size=(int(fw), int(fh)),
    )


# ---- the simulated detector --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfusionModel:
    """How the simulated detector errs, per visible item (rates are probabilities)."""

    miss: float = 0.002  # a clearly visible item not detected
    miss_per_occlusion: float = 0.10  # + this x the share of the item covered
    lookalike_swap: float = 0.02  # top class is a look-alike (same family)
    lookalike_per_occlusion: float = 0.05
    confident_share: float = 0.10  # of look-alike swaps: the true class far behind
    other_swap: float = 0.003  # top class is an unrelated SKU
    false_per_scene: float = 0.03  # mean number of false detections per scene (Poisson)
    frames: int = 5
    topk: int = 3
    min_score: float = 0.01  # the pipeline's candidate_min_score

    def view(self, scene: SimScene, catalog: Catalog, rng: np.random.Generator) -> TrayView:
        seen: list[SeenItem] = []
        for it in scene.items:
            if it.hidden:
                continue
            if rng.random() < self.miss + self.miss_per_occlusion * it.occluded:
                continue
            seen.append(self._detect(it, catalog, rng))
        for _ in range(int(rng.poisson(self.false_per_scene))):
            seen.append(self._false_box(scene, catalog, rng))
        return TrayView(tuple(seen), scene.frame_size, self.frames, 0.0, "simulated")

    def _detect(self, it: SimItem, catalog: Catalog, rng: np.random.Generator) -> SeenItem:
        product = catalog.get(it.sku)
        family = [p.sku for p in catalog.family(it.sku) if p.sku != it.sku]
        u = rng.random()
        p_look = (self.lookalike_swap + self.lookalike_per_occlusion * it.occluded) * bool(family)
        scores: dict[str, float] = {}
        if u < p_look:
            wrong = family[int(rng.integers(len(family)))]
            if rng.random() < self.confident_share:
                top = rng.uniform(0.7, 0.95)
                scores[wrong] = top
                scores[it.sku] = top / rng.uniform(8.0, 40.0)
            else:
                top = rng.uniform(0.4, 0.8)
                scores[wrong] = top
                scores[it.sku] = top / rng.uniform(1.05, 4.0)
        elif u < p_look + self.other_swap:
            others = [p.sku for p in catalog if p.sku != it.sku and p.sku not in family]
            wrong = others[int(rng.integers(len(others)))]
            top = rng.uniform(0.35, 0.7)
            scores[wrong] = top
            scores[it.sku] = top / rng.uniform(1.2, 3.0)
        else:
            top = rng.uniform(0.7, 0.98)
            scores[it.sku] = top
        for sku in family:
            scores.setdefault(sku, top / rng.uniform(10.0, 200.0))
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        cands = tuple(Candidate(s, float(v)) for s, v in ranked[: self.topk] if v >= self.min_score)
        del product
        votes = self.frames if rng.random() < 0.9 else self.frames - 1
        return SeenItem(_jitter(it.box, rng), cands, votes)

    def _false_box(self, scene: SimScene, catalog: Catalog, rng: np.random.Generator) -> SeenItem:
        skus = catalog.skus
        sku = skus[int(rng.integers(len(skus)))]
        p = catalog.get(sku)
        w, h = p.size_mm[0] * PX_PER_MM, p.size_mm[1] * PX_PER_MM
        fw, fh = scene.frame_size
        x, y = rng.uniform(0, max(fw - w, 1)), rng.uniform(0, max(fh - h, 1))
        score = rng.uniform(0.25, 0.6)
        votes = int(rng.integers(2, self.frames + 1))
        return SeenItem((x, y, x + w, y + h), (Candidate(sku, float(score)),), votes)


def _jitter(box: Box, rng: np.random.Generator) -> Box:
    w, h = box[2] - box[0], box[3] - box[1]
    dx, dy = rng.normal(0, 2.0, 2)
    sw, sh = 1 + rng.normal(0, 0.03, 2)
    cx, cy = (box[0] + box[2]) / 2 + dx, (box[1] + box[3]) / 2 + dy
    return (cx - w * sw / 2, cy - h * sh / 2, cx + w * sw / 2, cy + h * sh / 2)


@dataclass(frozen=True, slots=True)
class ScaleSim:
    """A stable reading of the true load: noise, zero drift, span error, the division."""

    resolution_g: float = 2.0
    noise_sd_g: float = 1.0
    zero_drift_g: float = 1.5  # uniform +-
    span_sd: float = 0.0003

    def read(self, true_g: float, rng: np.random.Generator) -> Decimal:
        g = true_g * (1 + rng.normal(0, self.span_sd))
        g += rng.normal(0, self.noise_sd_g) + rng.uniform(-self.zero_drift_g, self.zero_drift_g)
        steps = Decimal(repr(g / self.resolution_g)).quantize(Decimal(1), ROUND_HALF_EVEN)
        return steps * Decimal(repr(self.resolution_g))


# ---- the trained detector --------------------------------------------------------

# The held-out set `kiosk eval` renders by default: its split, level and camera size.
TEST_SPLIT = "test"
TEST_LEVEL = "mixed"
TEST_SIZE = (1280, 720)


def held_out_set(count: int, seed: int, workers: int) -> Path:
    """The test set `kiosk eval --scenes count --seed seed` evaluates, rendered once and
    reused: its cache directory is named as that command names it."""
    w, h = TEST_SIZE
    name = f"{TEST_SPLIT}-s{seed}-n{count}-{TEST_LEVEL}-{w}x{h}"
    return render_set(count, seed, TEST_SPLIT, TEST_LEVEL, TEST_SIZE, workers, EVAL_CACHE / name)


def detector_views(
    data: Path,
    detector: Detector,
    catalog: Catalog,
    limit: int | None = None,
    sizer: ProduceSizer | None = None,
) -> tuple[list[SimScene], list[TrayView], list[float]]:
    """Each picture of a scene set through the detector as one still frame of the
    kiosk's camera, with the scene's truth from its manifest; also each picture's bare
    run() time (ms). `SceneSetError` when a picture and its truth disagree."""
    classes = read_classes(data)
    match_iou = VotingConfig().match_iou
    scenes, views, run_ms = [], [], []
    for picture in iter_scenes(data, limit):
        scene = _truth_of(picture, classes, catalog, data)
        image = check_frame(picture.read_image())
        if (image.shape[1], image.shape[0]) != scene.frame_size:
            raise SceneSetError(
                f"{picture.image_path} is {image.shape[1]}x{image.shape[0]}, "
                f"its manifest says {scene.frame_size[0]}x{scene.frame_size[1]}"
            )
        result = detector.detect(image, picture.camera())
        run_ms.append(result.run_s * 1000)
        # The pipeline's vote over the still frames, over the one frame a rendered tray has.
        topk = detector.params.topk
        view = vote(
            [result.items], 1, match_iou, topk, scene.frame_size, 0.0, detector.version,
            [result.doubtful],
        )  # fmt: skip
        if sizer is not None:  # the kiosk's pipeline measures produce after the vote
            view = sizer.measure(view, picture.camera())
        scenes.append(scene)
        views.append(view)
    if not scenes:
        raise SceneSetError(f"{data} has no pictures")
    return scenes, views, run_ms


def _truth_of(picture: Scene, classes: list[str], catalog: Catalog, data: Path) -> SimScene:
    """The manifest's truth, checked against the picture's labels: every item the
    picture shows has a label, a hidden one has none but still weighs."""
    where = data / "manifests" / f"{picture.scene_id}.json"
    if not picture.manifest:
        raise SceneSetError(f"{where} is missing: the weights on the tray are not known")
    scene = scene_from_manifest(picture.manifest, picture.scene_id)
    unknown = sorted({it.sku for it in scene.items} - set(catalog.skus))
    if unknown:
        raise SceneSetError(f"{where}: not in catalog {catalog.version}: {', '.join(unknown)}")
    shown = Counter(
        str(it["sku"])
        for it in picture.manifest.get("items", [])
        if not it.get("hidden") and it.get("visible_box")
    )
    labelled = Counter(classes[c] for c in picture.class_ids.tolist())
    if shown != labelled:
        raise SceneSetError(
            f"{where} does not match labels/{picture.scene_id}.txt: "
            f"{sorted(shown.elements())} vs {sorted(labelled.elements())}"
        )
    return scene


def _model_source(
    args: argparse.Namespace, catalog: Catalog
) -> tuple[list[SimScene], list[TrayView], dict]:
    # The model first: a broken one fails before minutes of rendering.
    release = ModelRepository(args.repository).load(args.model, args.version, catalog.skus)
    detector = Detector(release, threads=args.threads, warmup_runs=2)
    if args.scene_dir is not None:
        data, limit = args.scene_dir, args.scenes
    else:
        data, limit = held_out_set(args.scenes, args.seed, args.workers), None
    sizer = ProduceSizer.from_catalog(catalog) if args.produce_sizes else None
    scenes, views, run_ms = detector_views(data, detector, catalog, limit, sizer)
    source = {
        "detector": "model",
        "model": detector.version,
        "provider": detector.provider,
        "score_threshold": detector.params.score_threshold,
        "frames_per_view": 1,
        "produce_sizes": sizer is not None,
        "infer_ms_mean": round(float(np.mean(run_ms)), 2),
        "scenes_from": str(data),
        "profile_calibration": {
            "vision_sharpness": release.profile.vision_sharpness,
            "missed_per_box": release.profile.missed_per_box,
        },
    }
    return scenes, views, source


# ---- scoring ---------------------------------------------------------------------


def receipt(counts: Mapping[str, int], catalog: Catalog, loose: Sequence[str] = ()) -> tuple:
    pack = tuple(
        sorted(
            (s, n)
            for s, n in counts.items()
            if n > 0 and s in catalog and not catalog.get(s).sold_by_weight
        )
    )
    fruit = {
        s for s, n in counts.items() if n > 0 and s in catalog and catalog.get(s).sold_by_weight
    }
    return pack, tuple(sorted(fruit | set(loose)))


def missed_per_box(scenes: Sequence[SimScene], views: Sequence[TrayView]) -> float | None:
    """Items in view that the detector reported no box for, per box it reported: the
    engine's `missed_per_box`. A box matches the visible item it overlaps most (IoU >=
    0.3, each item once); items hidden under others are the scale's, not counted."""
    missed = boxes = 0
    for scene, view in zip(scenes, views, strict=True):
        visible = [it.box for it in scene.items if not it.hidden]
        pairs = sorted(
            (
                (_iou(b.box, t), i, j)
                for i, b in enumerate(view.items)
                for j, t in enumerate(visible)
            ),
            reverse=True,
        )
        used_box: set[int] = set()
        used_item: set[int] = set()
        for iou, i, j in pairs:
            if iou < 0.3:
                break
            if i not in used_box and j not in used_item:
                used_box.add(i)
                used_item.add(j)
        missed += len(visible) - len(used_item)
        boxes += len(view.items)
    return round(missed / boxes, 4) if boxes else None


def _iou(a: Box, b: Box) -> float:
    inter = _overlap_area(a, b)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


EXAMPLES_KEPT = 12  # of each kind, in the report's --examples


def placement_readings(
    scene: SimScene, together: float, scale: ScaleSim, final: Decimal, rng: np.random.Generator
) -> list[Decimal]:
    """The stable readings as a shopper fills the tray: the wholly hidden items first
    (they lie under others), then the rest in a random order; each item is put down
    with the one before it, in one step, with probability `together`. The last
    reading is `final`, the reading the decision weighs."""
    hidden = [it for it in scene.items if it.hidden]
    rest = [it for it in scene.items if not it.hidden]
    order = [hidden[i] for i in rng.permutation(len(hidden))]
    order += [rest[i] for i in rng.permutation(len(rest))]
    groups: list[float] = []
    for it in order:
        if groups and rng.random() < together:
            groups[-1] += it.weight_g
        else:
            groups.append(it.weight_g)
    readings = [scale.read(float(sum(groups[: k + 1])), rng) for k in range(len(groups) - 1)]
    return [*readings, final]


def evaluate(
    scenes: Sequence[SimScene],
    views: Sequence[TrayView],
    catalog: Catalog,
    engine: DecisionEngine,
    scale: ScaleSim,
    seed: int,
    together: float | None = None,
) -> dict:
    """`together`: simulate the weight steps as the tray fills (`placement_readings`)
    and give them to the decision; None gives it the final reading only."""
    rng = np.random.default_rng(seed + 7_000_003)
    # the steps' own stream: the final readings stay those of a run without steps
    step_rng = np.random.default_rng(seed + 9_000_011)
    by_level: dict[str, Counter] = {}
    tot: Counter = Counter()
    latencies = []
    examples: list[dict] = []
    alarms: list[dict] = []  # honest baskets seen right that were not simply confirmed
    for scene, view in zip(scenes, views, strict=True):
        truth = receipt(Counter(it.sku for it in scene.items), catalog)
        vision_counts: Counter[str] = Counter()
        for item in view.items:
            if item.candidates:
                vision_counts[item.candidates[0].sku] += 1
        for sku, n in scene.known.items():
            vision_counts[sku] = max(vision_counts[sku], n)
        vision_ok = receipt(vision_counts, catalog) == truth
        weight = scale.read(sum(it.weight_g for it in scene.items), rng)
        steps = None
        if together is not None:
            readings = placement_readings(scene, together, scale, weight, step_rng)
            steps = steps_from_readings(readings)
        t0 = time.perf_counter()
        d = engine.decide(view, weight, scene.known, steps=steps)
        latencies.append(time.perf_counter() - t0)
        fused = receipt(d.counts, catalog, [s for s, _ in d.weighed])
        accepted = d.verdict in (Verdict.CONFIRMED, Verdict.CORRECTED)
        right = accepted and fused == truth
        hidden = any(it.hidden and it.weight_g >= HIDDEN_MIN_G for it in scene.items)
        c = by_level.setdefault(scene.level or "?", Counter())
        for bucket in (c, tot):
            bucket["scenes"] += 1
            bucket[d.verdict.value] += 1
            bucket["vision_right"] += vision_ok
            bucket["fused_right_first_pass"] += right
            bucket["fused_not_wrong"] += right or not accepted
            bucket["wrong_accepted"] += accepted and not right
            # two loose produce on the tray must be weighed one at a time (a rule, not
            # an alarm): counted apart from the false alarms
            by_rule = len(truth[1]) > 1
            bucket["two_loose_produce"] += by_rule
            if not hidden and not by_rule:
                bucket["honest"] += 1
                bucket["honest_asked"] += d.verdict is not Verdict.CONFIRMED
            if not hidden and vision_ok and not by_rule:
                bucket["honest_seen_right"] += 1
                bucket["false_alarm"] += d.verdict is not Verdict.CONFIRMED
                if d.verdict is not Verdict.CONFIRMED:
                    bucket["false_alarm:" + d.reason] += 1
            if hidden:
                bucket["hidden"] += 1
                bucket["hidden_caught"] += not (accepted and not right)
            if d.verdict is Verdict.CORRECTED:
                bucket["corrected_right"] += right
        honest_alarm = (
            not hidden and vision_ok and len(truth[1]) <= 1 and d.verdict is not Verdict.CONFIRMED
        )
        for wanted, kept in ((accepted and not right, examples), (honest_alarm, alarms)):
            if wanted and len(kept) < EXAMPLES_KEPT:
                kept.append(
                    {
                        "scene": scene.scene_id,
                        "level": scene.level,
                        "truth": dict(truth[0]),
                        "loose": list(truth[1]),
                        "decision": d.explain() | {"considered": None},
                    }
                )
    lat = np.array(latencies) * 1000 if latencies else np.zeros(1)
    report = _rates(tot)
    report["by_level"] = {
        k: _rates(v) | {"scenes": v["scenes"]} for k, v in sorted(by_level.items())
    }
    report["decide_ms"] = {
        "p50": round(float(np.percentile(lat, 50)), 2),
        "p95": round(float(np.percentile(lat, 95)), 2),
        "max": round(float(lat.max()), 2),
    }
    report["wrong_examples"] = examples
    report["false_alarm_examples"] = alarms
    return report


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _rates(c: Counter) -> dict:
    n = c["scenes"]
    return {
        "scenes": n,
        "cacc_vision": _ratio(c["vision_right"], n),
        "cacc_fused": _ratio(c["fused_not_wrong"], n),
        "cacc_fused_first_pass": _ratio(c["fused_right_first_pass"], n),
        "wrong_accept_rate": _ratio(c["wrong_accepted"], n),
        "false_alarm_rate": _ratio(c["false_alarm"], c["honest_seen_right"]),
        "honest_asked_rate": _ratio(c["honest_asked"], c["honest"]),
        "hidden_item_catch_rate": _ratio(c["hidden_caught"], c["hidden"]),
        "auto_correct_precision": _ratio(c["corrected_right"], c["corrected"]),
        "outcomes": {v.value: c[v.value] for v in Verdict},
        "false_alarm_reasons": {
            k.split(":", 1)[1]: v for k, v in sorted(c.items()) if k.startswith("false_alarm:")
        },
        "two_loose_produce_scenes": c["two_loose_produce"],
        "hidden_scenes": c["hidden"],
        "honest_seen_right_scenes": c["honest_seen_right"],
        "honest_scenes": c["honest"],
    }


# ---- command line ----------------------------------------------------------------

MODEL_DEFAULTS = (200, 7)  # scenes, seed: `kiosk eval`'s held-out set
SIMULATED_DEFAULTS = (2000, 1)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (np.isfinite(value) and 0 <= value < 1):
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="kiosk eval --fusion", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--detector",
        choices=("model", "simulated"),
        default="model",
        help="'model': the trained detector on the rendered held-out pictures (default); "
        "'simulated': the confusion model on the scenes' true contents",
    )
    ap.add_argument(
        "--scenes",
        type=int,
        default=None,
        help=f"number of scenes (default {MODEL_DEFAULTS[0]} with the model, "
        f"as `kiosk eval`; {SIMULATED_DEFAULTS[0]} simulated)",
    )
    ap.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the held-out test set (model) or of the sampled scenes and the "
        "detector's errors (simulated), and of the scale "
        f"(default {MODEL_DEFAULTS[1]} with the model, as `kiosk eval`; "
        f"{SIMULATED_DEFAULTS[1]} simulated)",
    )
    ap.add_argument("--catalog", type=Path, default=DEMO_CATALOG, help="catalog JSON")
    ap.add_argument(
        "--scene-dir",
        type=Path,
        default=None,
        help="an existing scene set (python -m hardware.sim.scenes): its pictures for the "
        "model instead of rendering the test set; its manifests instead of the sampler "
        "when simulated",
    )
    model = ap.add_argument_group("the trained detector (--detector model)")
    model.add_argument("--repository", type=Path, default=DEFAULT_ROOT, help="model repository")
    model.add_argument("--model", default=VisionConfig().model, help="model name")
    model.add_argument("--version", type=int, default=None, help="model version (default newest)")
    model.add_argument("--threads", type=int, default=0, help="onnxruntime threads (0 = auto)")
    model.add_argument(
        "--no-produce-sizes",
        dest="produce_sizes",
        action="store_false",
        help="do not measure loose produce (its weight then has the catalog's spread)",
    )
    model.add_argument("--workers", type=int, default=2, help="rendering processes")
    ap.add_argument("--resolution", type=float, default=2.0, help="scale division, g")
    ap.add_argument("--noise", type=float, default=1.0, help="scale noise sd, g")
    ap.add_argument(
        "--vision-sharpness",
        type=_positive,
        default=None,
        help="the engine's calibration of the class scores, instead of the model "
        "profile's (or the engine's default): to choose a model's value on validation "
        "scenes (--scene-dir), never on the test set",
    )
    ap.add_argument(
        "--missed-per-box",
        type=_share,
        default=None,
        help="items the detector misses per box it reports, for the engine's corrections, "
        "instead of the model profile's (or the engine's default); the report measures it "
        "as calibration.measured_missed_per_box",
    )
    ap.add_argument(
        "--doubt-cost",
        type=_positive,
        default=None,
        help="the engine's cost of reading a doubtful box (the profile's thresholds.doubt) "
        "as an item, instead of its default: to choose on validation scenes, never on test",
    )
    ap.add_argument("--json", action="store_true", help="print JSON only")
    ap.add_argument(
        "--examples",
        action="store_true",
        help="include wrong receipts and false alarms (up to 12 each) in the JSON",
    )
    ap.add_argument(
        "--together",
        type=float,
        default=0.3,
        help="the weight steps as the tray fills: the chance that an item is put down "
        "with the one before it (default 0.3)",
    )
    ap.add_argument(
        "--no-steps",
        action="store_true",
        help="decide on the final reading only, as a kiosk that does not follow the steps",
    )
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    defaults = MODEL_DEFAULTS if args.detector == "model" else SIMULATED_DEFAULTS
    args.scenes = defaults[0] if args.scenes is None else args.scenes
    args.seed = defaults[1] if args.seed is None else args.seed
    catalog = load_catalog(args.catalog)
    spec = ScaleSpec(resolution_g=args.resolution, noise_sd_g=args.noise)
    scale = ScaleSim(resolution_g=args.resolution, noise_sd_g=args.noise)
    if args.detector == "model":
        try:
            scenes, views, source = _model_source(args, catalog)
        except (ModelError, SceneSetError, FrameError, OutputError) as err:
            print(f"kiosk eval --fusion: {err}", file=sys.stderr)
            return 2
    else:
        if args.scene_dir is not None:
            scenes = scenes_from_manifests(args.scene_dir, args.scenes)
        else:
            scenes = sample_scenes(catalog, args.scenes, args.seed)
        confusion = ConfusionModel()
        rng = np.random.default_rng(args.seed + 1_000_003)
        views = [confusion.view(s, catalog, rng) for s in scenes]
        source = {
            "detector": "simulated",
            "confusion_model": asdict(confusion),
            "scenes_from": str(args.scene_dir) if args.scene_dir else "sampler",
        }
    # The engine as the kiosk builds it for this model: its profile's calibration.
    profile = source.pop("profile_calibration", {})
    chosen, origin = {}, {}
    for key in ("vision_sharpness", "missed_per_box"):
        chosen[key], origin[key] = profile.get(key), "profile"
        if getattr(args, key) is not None:
            chosen[key], origin[key] = getattr(args, key), "command line"
        elif chosen[key] is None:
            origin[key] = "engine default"
    policy = DecisionPolicy().calibrated(**chosen)
    if args.doubt_cost is not None:
        policy = replace(policy, doubt_cost=args.doubt_cost)
    engine = DecisionEngine(catalog, WeightModel.from_catalog(catalog, spec), policy)
    t0 = time.perf_counter()
    together = None if args.no_steps else args.together
    report = evaluate(scenes, views, catalog, engine, scale, args.seed, together)
    report["weight_steps"] = None if together is None else {"together": together}
    report["calibration"] = {
        key: {"value": getattr(policy, key), "from": origin[key]} for key in chosen
    }
    report["calibration"]["doubt_cost"] = {
        "value": policy.doubt_cost,
        "from": "engine default" if args.doubt_cost is None else "command line",
    }
    report["doubtful_boxes"] = sum(len(v.doubtful) for v in views)
    # what a release's profile should carry, measured here (on validation scenes only)
    report["calibration"]["measured_missed_per_box"] = missed_per_box(scenes, views)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    report["detector"] = source["detector"]
    if source["detector"] == "model":
        report["model"], report["provider"] = source["model"], source["provider"]
    report["source"] = source | {
        "seed": args.seed,
        "scale": asdict(scale),
        "catalog": catalog.version,
    }
    if not args.examples:
        report.pop("wrong_examples")
        report.pop("false_alarm_examples")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
