"""The demo's simulated world: a virtual tray, the simulated camera drawing it, the
simulated scale weighing it, and - until a trained model is installed - a detector
that reads the tray instead of the picture.

`TrayOracle` stands in for the neural detector when `models/` holds no release: it
projects every item on the virtual tray through the same camera model the simulated
camera draws with, so its boxes land on the drawn items. It is honest about what a
camera cannot know: an item covered by another one is not seen (partly covered, it is
a doubtful box, which the decision weighs), and a can or carton turned bottom-up shows
no flavour, so look-alikes come back as near-equal candidates (which is what makes the
kiosk ask the shopper). It is for the demo and the UI tests only; the product
recognises pixels.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from hardware.sim.camera_model import CameraModel
from hardware.sim.tray import ItemView, VirtualTray
from kiosk.domain.tray_view import Candidate, SeenItem
from kiosk.vision.postprocess import DecodeParams, Detections
from kiosk.vision.preprocess import Letterbox
from kiosk.vision.session import FrameResult, PreparedFrame

# A lower item counts as hidden when the items resting on it cover this share of it,
# and as half-seen (a doubtful box, `TrayView.doubtful`) from HALF_COVER on.
HIDDEN_COVER = 0.7
HALF_COVER = 0.25
HALF_SEEN_SCORE = 0.3  # under the operating threshold of any model we ship


_NO_TENSOR = np.zeros((1, 3, 0, 0), np.float32)


@dataclass(frozen=True, slots=True)
class _Box:
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def area(self) -> float:
        return max(0.0, self.x2 - self.x1) * max(0.0, self.y2 - self.y1)

    def cover(self, other: _Box) -> float:
        """Share of self covered by other."""
        w = min(self.x2, other.x2) - max(self.x1, other.x1)
        h = min(self.y2, other.y2) - max(self.y1, other.y1)
        return (max(0.0, w) * max(0.0, h)) / self.area if self.area else 0.0


class TrayOracle:
    """A `Detector` look-alike for `VisionPipeline`, reading the virtual tray."""

    provider = "simulated (no model installed)"
    version = "tray-oracle"

    def __init__(self, tray: VirtualTray, camera: CameraModel, families: dict[str, str | None]):
        self.tray = tray
        self.camera = camera
        self.params = DecodeParams()
        self._families = families
        self._members: dict[str, list[str]] = {}
        for sku, fam in families.items():
            if fam:
                self._members.setdefault(fam, []).append(sku)

    def _box(self, v: ItemView) -> _Box:
        w, length = v.item.footprint_mm
        a = math.radians(v.pose.angle_deg)
        ca, sa = math.cos(a), math.sin(a)
        pts = []
        for dx, dy in ((-w / 2, -length / 2), (w / 2, -length / 2),
                       (w / 2, length / 2), (-w / 2, length / 2)):  # fmt: skip
            x = v.pose.x_mm + dx * ca - dy * sa
            y = v.pose.y_mm + dx * sa + dy * ca
            pts.append((x, y, v.item.base_mm))
            pts.append((x, y, v.item.top_mm))
        uv = self.camera.project(np.array(pts))
        x1, y1 = uv.min(axis=0)
        x2, y2 = uv.max(axis=0)
        return _Box(
            float(max(0, x1)),
            float(max(0, y1)),
            float(min(self.camera.width, x2)),
            float(min(self.camera.height, y2)),
        )

    def _candidates(self, v: ItemView) -> tuple[Candidate, ...]:
        sku = v.item.sku
        family = [s for s in self._members.get(self._families.get(sku) or "", []) if s != sku]
        if not family:
            return (Candidate(sku, 0.94),)
        if v.item.face == "bottom":
            # the underside of a can: the flavour band is all that differs, barely
            return (Candidate(sku, 0.46), *(Candidate(s, 0.41 - 0.02 * i)
                                            for i, s in enumerate(family)))  # fmt: skip
        return (Candidate(sku, 0.91), *(Candidate(s, 0.03) for s in family[:2]))

    # The pipeline's two-step contract (`Detector.prepare` / `detect_prepared`): the
    # oracle needs no model input, and its "canvas" is the frame itself (motion is
    # judged on it like on a letterboxed one).
    def prepare(self, image: np.ndarray) -> PreparedFrame:
        h, w = image.shape[:2]
        return PreparedFrame(image, _NO_TENSOR, Letterbox(1.0, 0, 0, w, h, w, h), image, 0.0)

    def detect_prepared(self, frame: PreparedFrame) -> FrameResult:
        return self.detect(frame.image)

    def detect(self, image: np.ndarray) -> FrameResult:
        t0 = time.perf_counter()
        snap = self.tray.snapshot()
        boxes = {v.item.item_id: self._box(v) for v in snap.items}
        above: dict[int, list[int]] = {}
        for v in snap.items:
            if v.item.resting_on is not None:
                above.setdefault(v.item.resting_on, []).append(v.item.item_id)
        items, doubtful = [], []
        for v in snap.items:
            box = boxes[v.item.item_id]
            covered = max((box.cover(boxes[i]) for i in above.get(v.item.item_id, [])), default=0)
            if covered >= HIDDEN_COVER or box.area < 100:
                continue
            xyxy = (box.x1, box.y1, box.x2, box.y2)
            if covered >= HALF_COVER:
                doubtful.append(SeenItem(xyxy, (Candidate(v.item.sku, HALF_SEEN_SCORE),)))
            else:
                items.append(SeenItem(xyxy, self._candidates(v)))
        h, w = image.shape[:2]
        run_s = time.perf_counter() - t0
        fields = {
            "detections": Detections.empty(self.params.topk),
            "items": tuple(items),
            "letterbox": Letterbox(1.0, 0, 0, w, h, w, h),
            "canvas": image,
            "pre_s": 0.0,
            "run_s": run_s,
            "post_s": 0.0,
            "doubtful": tuple(doubtful),
        }
        # The vision helper's FrameResult is still growing fields: pass what it has.
        known = FrameResult.__dataclass_fields__
        return FrameResult(**{k: v for k, v in fields.items() if k in known})
