"""The second stage: each detected box classified again from a full-resolution crop.

The detector decides *where* the items are and how sure it is that an item is there
(`Detections.scores` stays the detector's); the classifier, when the release has one,
decides *which* SKU each box is, with the detector's class scores as a second opinion
(`fuse_probabilities`; `class_ids` and the top-k candidates come from the fused
distribution). Two boxes on one item that the detector called by two look-alike
names can become the same SKU here, so such duplicates are merged afterwards.

A classifier that also learned "not an item" (profile `not_an_item`) has a say in
*whether* too: the detector's boxes down to `proposal_score` go to it, and a box's
confidence combines both opinions (`vet_boxes`).

A release may add a close look (profile `classifier.close_look`): a box torn between
members of one look-alike family (`close_look_rows`) is cut again at a higher
resolution and classified by a model trained on those families only, which re-divides
the family's share of the box's probability (`apply_close_look`). Few boxes need it,
so it costs little per frame; the flavour word on the back of a crisp bag is legible
at 224 px and a blur at 128.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort

from kiosk.models.profile import ClassifierProfile, CropModelProfile
from kiosk.models.repository import ModelError, ModelRelease
from kiosk.vision.crops import FILL, GEOMETRY_FEATURES, box_geometry, crops_to_input, cut_crops
from kiosk.vision.postprocess import Detections, box_iou, greedy_suppress

# Detector candidates per box that the fusion weighs (classes below them get the floor).
FUSION_TOPK = 10

# Two boxes of the same (refined) SKU overlapping this much are one item. Touching
# items of one SKU side by side overlap far less than this.
DUPLICATE_IOU = 0.6

# A box under the detector's threshold overlapping a box above it this much is not
# rescued by the classifier (`vet_boxes`); chosen on validation (0.3 / 0.45 / 0.6).
WEAK_DUPLICATE_IOU = 0.45


def check_classifier_signature(
    session: ort.InferenceSession,
    c: CropModelProfile,
    num_classes: int,
    where: str,
    what: str = "classifier",
) -> None:
    inputs = {i.name: i for i in session.get_inputs()}
    outputs = {o.name: o for o in session.get_outputs()}
    s = c.crop_size
    nhwc = c.crops_layout == "NHWC"
    wants = [(c.crops_input, c.crops_dtype, [s, s, 3] if nhwc else [3, s, s])]
    wants.append((c.geometry_input, "float32", [GEOMETRY_FEATURES]))
    for name, dtype, tail in wants:
        arg = inputs.get(name)
        if arg is None:
            raise ModelError(f"{where}: {what} has no input {name!r} (has {sorted(inputs)})")
        want_type = "tensor(uint8)" if dtype == "uint8" else "tensor(float)"
        if arg.type != want_type or list(arg.shape[1:]) != tail:
            raise ModelError(
                f"{where}: {what} input {name!r} is {arg.type} {arg.shape}, "
                f"the profile says {dtype} [N, {', '.join(map(str, tail))}]"
            )
    if len(inputs) != 2:
        raise ModelError(f"{where}: {what} has inputs {sorted(inputs)}, expected two")
    out = outputs.get(c.output)
    if out is None:
        raise ModelError(f"{where}: {what} has no output {c.output!r} (has {sorted(outputs)})")
    if list(out.shape[1:]) != [num_classes]:
        raise ModelError(
            f"{where}: {what} output {c.output!r} has shape {out.shape}, "
            f"the profile says [N, {num_classes}] (its labels, plus 'not an item' if it has one)"
        )


class CropModel:
    """A loaded, verified, warmed-up model of crops (`CropModelProfile`)."""

    def __init__(
        self,
        profile: CropModelProfile,
        path: Path,
        outputs: int,
        where: str,
        what: str,
        providers: Sequence[str],
        options: ort.SessionOptions,
        session_factory=ort.InferenceSession,
        warm_batch: int = 8,
    ):
        self.profile = profile
        try:
            self.session = session_factory(str(path), sess_options=options, providers=providers)
        except Exception as err:  # onnxruntime raises its own exception zoo
            raise ModelError(f"{where}: onnxruntime cannot load {path.name}: {err}") from None
        check_classifier_signature(self.session, profile, outputs, where, what)
        # Warm up with a tray-sized batch: the first runs allocate and pick kernels.
        s = profile.crop_size
        blank = self._to_input(np.full((warm_batch, s, s, 3), FILL, np.uint8))
        for _ in range(2):
            self.run(blank, np.ones((warm_batch, GEOMETRY_FEATURES), np.float32))

    def crops(self, image: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The classifier's two inputs for these boxes of this frame."""
        c = self.profile
        patches = cut_crops(image, boxes, c.crop_size, c.crop_pad)
        h, w = image.shape[:2]
        return self._to_input(patches), box_geometry(boxes, w, h)

    def _to_input(self, patches: np.ndarray) -> np.ndarray:
        return crops_to_input(patches, self.profile.crops_dtype, self.profile.crops_color)

    def run(self, crops: np.ndarray, geometry: np.ndarray) -> np.ndarray:
        """The bare `session.run()`: (n, classes) probabilities."""
        c = self.profile
        feed = {c.crops_input: crops, c.geometry_input: geometry}
        return self.session.run([c.output], feed)[0]


class Refiner(CropModel):
    """A loaded, verified crop classifier, and its close look when the release has one."""

    profile: ClassifierProfile

    def __init__(
        self,
        release: ModelRelease,
        providers: Sequence[str],
        options: ort.SessionOptions,
        session_factory=ort.InferenceSession,
    ):
        c = release.profile.classifier
        path = release.classifier_path
        if c is None or path is None:
            raise ModelError(f"{release.ref}: the profile has no classifier")
        outputs = release.profile.num_classes + int(c.not_an_item)
        args = (providers, options, session_factory)
        super().__init__(c, path, outputs, release.ref, "classifier", *args)
        self.close_look: CropModel | None = None
        self.family = np.full(release.profile.num_classes, -1, np.int64)
        look, look_path = c.close_look, release.close_look_path
        if look is not None and look_path is not None:
            n = release.profile.num_classes
            self.close_look = CropModel(look, look_path, n, release.ref, "close look", *args, 2)
            self.family = family_index(release.profile.labels, look.groups)

    def look_closer(
        self, image: np.ndarray, dets: Detections, probs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """`probs` (the fused item probabilities of `dets`) with the close look's say on
        the boxes torn between look-alikes; the boxes it looked at; its bare run time
        in seconds. Unchanged without a close look or a torn box."""
        look, c = self.close_look, self.profile.close_look
        rows = close_look_rows(probs, self.family, c.trigger) if look and c else ()
        if not len(rows):
            return probs, np.zeros((0, 4), np.float32), 0.0
        boxes = dets.boxes[rows]
        crops, geometry = look.crops(image, boxes)
        t0 = time.perf_counter()
        close = look.run(crops, geometry)
        run_s = time.perf_counter() - t0
        return apply_close_look(probs, rows, self.family, close, c.first_weight), boxes, run_s


def family_index(labels: Sequence[str], groups: Sequence[Sequence[str]]) -> np.ndarray:
    """Per class index, its look-alike family's number, or -1."""
    family = np.full(len(labels), -1, np.int64)
    where = {lab: i for i, lab in enumerate(labels)}
    for f, group in enumerate(groups):
        for lab in group:
            family[where[lab]] = f
    return family


def close_look_rows(probs: np.ndarray, family: np.ndarray, trigger: float) -> np.ndarray:
    """The boxes torn between look-alikes: the best class is in a family and the rest of
    that family holds at least `trigger` of the box's probability. Pure."""
    probs = np.asarray(probs, np.float32)
    if not len(probs):
        return np.zeros(0, np.int64)
    top = probs.argmax(1)
    fam = family[top]
    same = (family[None, :] == fam[:, None]) & (fam[:, None] >= 0)
    rest = np.where(same, probs, 0.0).sum(1) - probs[np.arange(len(probs)), top]
    return np.flatnonzero((fam >= 0) & (rest >= trigger))


def apply_close_look(
    probs: np.ndarray,
    rows: np.ndarray,
    family: np.ndarray,
    close: np.ndarray,
    first_weight: float,
) -> np.ndarray:
    """`probs` with each looked-at row's family share re-divided: member m gets the
    family's total × first opinion(m)^w × close look(m), normalised over the family.
    Classes outside the family keep their probability. Pure."""
    out = np.array(probs, np.float32, copy=True)
    close = np.asarray(close, np.float32)
    for r, q in zip(np.asarray(rows).tolist(), close, strict=True):
        members = family == family[int(out[r].argmax())]
        mass = float(out[r, members].sum())
        share = np.maximum(q[members], 1e-6) * np.maximum(out[r, members], 1e-12) ** first_weight
        out[r, members] = mass * share / share.sum()
    return out


def vet_boxes(
    dets: Detections,
    probs: np.ndarray,
    item_weight: float,
    threshold: float,
    sure_score: float | None = None,
) -> tuple[Detections, np.ndarray]:
    """The detector's boxes that the classifier confirms hold an item, and their item
    probabilities. `probs` is (n, classes + 1), the last column "not an item". A box's
    confidence becomes detector score^(1 - w) × P(item)^w, and boxes below `threshold`
    go: so a box the detector was unsure of stays when its full-resolution crop
    clearly shows an item, and a confident box on a reflection or a hand can go. The
    returned probabilities are over the item classes only (renormalised). `sure_score`
    (default `threshold`) is the detector score of a box it is sure of: the operating
    threshold, also when an evaluation keeps lower boxes for its precision curve."""
    probs = np.asarray(probs, np.float32)
    if probs.shape[0] != len(dets):
        raise ValueError(f"{probs.shape[0]} probability rows for {len(dets)} boxes")
    p_item = np.clip(1.0 - probs[:, -1], 0.0, 1.0)
    conf = (dets.scores ** (1.0 - item_weight) * p_item**item_weight).astype(np.float32)
    keep = conf >= threshold
    # A weak box lying on a box the detector is sure of is mostly the detector's second
    # look at that item (a half of a bag, the bag and its label), not a second item:
    # only boxes on their own are rescued. Items lying on others overlap their support
    # far less (their box is a small part of its box).
    sure = dets.scores >= (threshold if sure_score is None else sure_score)
    if sure.any() and not sure.all():
        weak = np.flatnonzero(~sure)
        on_sure = box_iou(dets.boxes[weak], dets.boxes[sure]).max(1) >= WEAK_DUPLICATE_IOU
        keep[weak[on_sure]] = False
    items = probs[keep, :-1]
    items = items / np.maximum(items.sum(1, keepdims=True), 1e-30)
    d = dets
    vetted = Detections(
        d.boxes[keep], conf[keep], d.class_ids[keep], d.topk_ids[keep], d.topk_scores[keep]
    )
    return vetted, items


def fuse_probabilities(
    dets: Detections, probs: np.ndarray, detector_weight: float, floor: float
) -> np.ndarray:
    """The two stages' opinions as one distribution per box: the classifier's
    probability × the detector's class score ^ `detector_weight`, normalised. They err
    differently (the detector sees the whole tray at a third of the resolution, the
    classifier one item at full resolution), so the product beats either. A class the
    detector did not list counts as `floor`. Weight 0 is the classifier alone."""
    probs = np.asarray(probs, np.float32)
    if detector_weight == 0 or len(dets) == 0:
        return probs
    n, k = dets.topk_ids.shape
    dense = np.full(probs.shape, floor, np.float32)
    rows = np.repeat(np.arange(n), k)
    ids, scores = dets.topk_ids.ravel(), dets.topk_scores.ravel()
    listed = ids >= 0
    dense[rows[listed], ids[listed]] = np.maximum(scores[listed], floor)
    fused = probs * dense**detector_weight
    return fused / np.maximum(fused.sum(1, keepdims=True), 1e-30)


def apply_probabilities(
    dets: Detections, probs: np.ndarray, topk: int, min_score: float = 0.01
) -> Detections:
    """Detections whose classes and candidates come from `probs` (one distribution per
    box, best first), duplicates merged. Pure: the refinement rule, testable without a
    model."""
    n = len(dets)
    if n == 0:
        return dets
    probs = np.asarray(probs, np.float32)
    if probs.shape[0] != n:
        raise ValueError(f"{probs.shape[0]} probability rows for {n} boxes")
    k = min(topk, probs.shape[1])
    order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    top_scores = np.take_along_axis(probs, order, 1)
    class_ids = order[:, 0].astype(np.int64)
    # Highest detector score first: the box that survives a merge is the surer one.
    rank = np.argsort(-dets.scores, kind="stable")
    boxes = dets.boxes[rank]
    same = class_ids[rank][:, None] == class_ids[rank][None, :]
    keep = greedy_suppress(box_iou(boxes, boxes), same, DUPLICATE_IOU)
    idx = rank[keep]
    ids, scores = order[idx], top_scores[idx]
    if k < topk:  # fewer classes than candidates: pad (np.pad costs half this function)
        ids = np.pad(ids, ((0, 0), (0, topk - k)), constant_values=-1)
        scores = np.pad(scores, ((0, 0), (0, topk - k)))
    low = scores < min_score
    low[:, 0] = False  # the winning class always stays, as in `decode`
    ids = np.where(low, -1, ids).astype(np.int64)
    scores = np.where(low, 0.0, scores).astype(np.float32)
    return Detections(dets.boxes[idx], dets.scores[idx], class_ids[idx], ids, scores)
