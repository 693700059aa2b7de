"""Produce sizing: how big a piece of loose produce looks, through the calibrated camera.

A heavier apple is a bigger apple. The scale weighs the whole tray, and the weight
left for the produce after the packaged items is what the shopper pays for; an item
the camera missed hides in it (a 49 g chocolate bar moves a 180 g banana by less than
the spread of bananas). The camera can say how heavy each piece should be: its
outline, measured through the calibration, gives its linear size against the SKU's
nominal one, and the weight follows the cube of it. The decision turns that into the
piece's own expected weight (`WeightModel.piece`); this module only measures.

The measurement: the piece's widest girth (`GIRTH_HEIGHT` of its height) is an
ellipse of its nominal width and length lying flat at some heading. For each heading,
the ellipse is placed where the detected box is centred (`size_check.fitted_boxes`)
and projected; one common scale then fits the box's width and height best, and the
heading whose fit is closest is the reading. A round fruit has one heading.

Not measured (no size, the decision keeps the catalog's spread): a box that another
box covers or lies on (a covered piece looks smaller, a piece lying on something is
nearer the lens), and a box cut by the picture's edge.

Pure numpy; one table of predicted box sizes per camera (`SizeTable`), as the size
check keeps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from hardware.camera.pinhole import CameraModel
from kiosk.domain.catalog import Catalog
from kiosk.domain.tray_view import TrayView
from kiosk.vision.postprocess import box_cover
from kiosk.vision.size_check import PerCamera, SizeTable

# The silhouette of a round piece is its widest girth, a little above half its height
# (the simulator draws it there; a real fruit's is the same).
GIRTH_HEIGHT = 0.55
# Points on the ellipse: its box is then within 0.2 % of the true ellipse's box.
_RING = np.linspace(0.0, 2.0 * np.pi, 48, endpoint=False)
# An oblong piece (a banana, a potato) may point any way: 0-170 degrees in 10s.
HEADINGS_DEG = tuple(range(0, 180, 10))


def ellipse_points(width_mm: float, length_mm: float, height_mm: float) -> np.ndarray:
    """(headings, k, 3): the girth ellipse at each heading (one heading if round)."""
    z = GIRTH_HEIGHT * height_mm
    ring = np.column_stack(
        [width_mm / 2 * np.cos(_RING), length_mm / 2 * np.sin(_RING), np.full(len(_RING), z)]
    )
    headings = (0,) if math.isclose(width_mm, length_mm) else HEADINGS_DEG
    poses = []
    for deg in headings:
        t = math.radians(deg)
        rot = np.array([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])
        poses.append(ring @ rot.T)
    return np.stack(poses)


class ProduceSizer:
    """Measures the loose produce of a tray view. `products`: SKU -> nominal (width,
    length, height) mm of one piece, for the SKUs sold by weight."""

    def __init__(
        self,
        products: Mapping[str, tuple[float, float, float]],
        cover: float = 0.05,
        edge_px: float = 2.0,
    ):
        self.skus = sorted(products)
        self.sizes = {s: tuple(float(v) for v in products[s]) for s in self.skus}
        for sku, dims in self.sizes.items():
            if len(dims) != 3 or not all(math.isfinite(d) and d > 0 for d in dims):
                raise ValueError(f"produce size of {sku} must be 3 positive mm, got {dims}")
        # A box sharing more than this share of itself with another is not measured.
        self.cover = cover
        self.edge_px = edge_px
        self._poses = {s: ellipse_points(*self.sizes[s])[None] for s in self.skus}
        self._tables = PerCamera(
            lambda camera: {s: SizeTable(camera, self._poses[s]) for s in self.skus}
        )

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> ProduceSizer:
        return cls({p.sku: p.size_mm for p in catalog if p.sold_by_weight})

    def tables(self, camera: CameraModel) -> dict[str, SizeTable]:
        """This camera's tables (built once, 0.1-0.3 s a SKU; build them before the
        first frame where the camera is known, as `Detector.calibrate` does for the
        size check)."""
        return self._tables[camera]

    def scale(self, sku: str, box: np.ndarray, camera: CameraModel) -> float:
        """The piece's linear size against the nominal one, from its box (camera px)."""
        pred = self.tables(camera)[sku].lookup((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        seen = np.log(np.maximum([box[2] - box[0], box[3] - box[1]], 1e-3))
        d = seen[None, :] - pred  # (headings, 2)
        log_k = d.mean(1)
        best = int(np.argmin(((d - log_k[:, None]) ** 2).sum(1)))
        return float(math.exp(log_k[best]))

    def measure(self, view: TrayView, camera: CameraModel | None) -> TrayView:
        """`view` with each measurable box's `sizes` set for its produce candidates.
        Without a calibrated camera, or with no produce named, the view unchanged."""
        if camera is None or not self.skus:
            return view
        every = (*view.items, *view.doubtful)
        wanted = [[c.sku for c in it.candidates if c.sku in self.sizes] for it in every]
        if not any(wanted):
            return view
        boxes = np.asarray([it.box for it in every], np.float64).reshape(-1, 4)
        cover = box_cover(boxes, boxes)  # symmetric: the overlap over the smaller box
        np.fill_diagonal(cover, 0.0)
        shared = cover.max(1, initial=0.0)
        fw, fh = view.frame_size
        to_camera = camera.width / fw
        out = []
        for i, (item, skus) in enumerate(zip(every, wanted, strict=True)):
            b = boxes[i]
            edge = b[0] <= self.edge_px or b[1] <= self.edge_px
            edge = edge or b[2] >= fw - self.edge_px or b[3] >= fh - self.edge_px
            if not skus or shared[i] > self.cover or edge:
                out.append(item)
                continue
            sizes = tuple((s, round(self.scale(s, b * to_camera, camera), 4)) for s in skus)
            out.append(replace(item, sizes=sizes))
        n = len(view.items)
        return replace(view, items=tuple(out[:n]), doubtful=tuple(out[n:]))
