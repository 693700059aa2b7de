"""The size check: size variants of one design told apart by how big they look.

A 330 ml and a 500 ml can of the same beer have the same lid, the same print and the
same 66 mm girth; standing on the tray they differ only in height. Seen from above,
the taller can's top is nearer the lens and so looks a few per cent bigger, and off the
camera's axis more of its wall shows. The classifier, shown a crop and the box's size
in frame units, confused the two on one standing can in six (validation): across
kiosks the camera hangs a few cm higher or lower and zooms a little differently, which
changes an item's size in the picture by more than the 8 % between the two cans.

With the kiosk's camera calibrated (`hardware.camera.pinhole.CameraModel`), the
picture's geometry answers it: for each variant, place an upright cylinder of its
girth and height so that its outline's box is centred where the detected box is,
project it, and compare the predicted box's width and height with the detected ones.
The log-size errors of the right variant spread by about 7 % (validation, detector
boxes; the profile's `sigma`, chosen on validation, is 4 %); the wrong variant's are
off by the height difference's perspective. The
variants' probabilities (the classifier's) are multiplied by that likelihood, within
the group only: probability never moves to or from other classes.

A can may also lie on its side, pointing any way: then its length tells, and each
variant's likelihood is that of its likeliest pose (upright, or lying at one of nine
headings). A box lying mostly on another box may be standing on that item (its base
unknown, so its size misleads): it is left to the classifier.

Pure numpy; `SizeCheck` keeps a table of predicted sizes per camera (`SizeTable`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hardware.camera.pinhole import CameraModel
from kiosk.vision.postprocess import box_cover

# 16 a rim, a multiple of 4: a rim's outermost points, along the image axes, are on it
_RING = np.linspace(0.0, 2.0 * np.pi, 16, endpoint=False)
# A can lying on its side may point any way; its box is searched over these headings.
LYING_HEADINGS_DEG = tuple(range(0, 180, 20))


def cylinder_points(diameter_mm: float, height_mm: float) -> np.ndarray:
    """Outline points, relative to where it stands, of a cylinder upright and lying at
    each of `LYING_HEADINGS_DEG`: (poses, k, 3) x, y, z in mm. A lying one is drawn as
    its L x d x d block (seen from above its outline is that oblong); the upright
    one's rims are `k` / 2 points each."""
    r = diameter_mm / 2
    k = 2 * len(_RING)
    upright = np.zeros((k, 3))
    upright[:, 0] = np.tile(r * np.cos(_RING), 2)
    upright[:, 1] = np.tile(r * np.sin(_RING), 2)
    upright[len(_RING) :, 2] = height_mm
    half = height_mm / 2
    corners = np.array(
        [[sx * half, sy * r, z] for sx in (-1, 1) for sy in (-1, 1) for z in (0.0, diameter_mm)]
    )
    poses = [upright]
    for deg in LYING_HEADINGS_DEG:
        t = np.radians(deg)
        rot = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
        block = corners @ rot.T
        # padded to k points by repeating a corner: the box is the same
        poses.append(np.vstack([block, np.repeat(block[:1], k - len(block), 0)]))
    return np.stack(poses)


def _boxes_at(camera: CameraModel, poses: np.ndarray, at: np.ndarray) -> np.ndarray:
    """(N, P, 4) boxes of the P poses (P, k, 3) standing at the tray points `at`: (N, 2),
    one point for every pose, or (N, P, 2), one for each."""
    at = np.asarray(at, np.float64)
    if at.ndim == 2:
        at = np.broadcast_to(at[:, None, :], (len(at), len(poses), 2))
    pts = poses[None] + np.pad(at, ((0, 0), (0, 0), (0, 1)))[:, :, None, :]
    uv = camera.project(pts.reshape(-1, 3)).reshape(*pts.shape[:3], 2)
    return np.concatenate([uv.min(2), uv.max(2)], 2)


def fitted_boxes(camera: CameraModel, centres: np.ndarray, poses: np.ndarray) -> np.ndarray:
    """(N, P, 4): the box the item in each pose (`cylinder_points`) would have if it
    stood where a detected box is centred, for each of the N image `centres` (N, 2):
    found by moving it until the centres agree (steps through the plane map at
    mid-height; the error shrinks tenfold a step)."""
    centres = np.asarray(centres, np.float64).reshape(-1, 2)
    # one plane for the first guess: the steps correct for each pose's own height
    to_tray = np.linalg.inv(camera.plane_homography(float(poses[:, :, 2].max()) / 2))

    def tray(uv: np.ndarray) -> np.ndarray:
        q = np.concatenate([uv, np.ones((*uv.shape[:-1], 1))], -1) @ to_tray.T
        return q[..., :2] / q[..., 2:]

    start = tray(centres)
    fitted = _boxes_at(camera, poses, start)
    at = np.repeat(start[:, None, :], len(poses), 1)  # (N, P, 2): each pose moves apart
    for _ in range(2):
        err = centres[:, None, :] - (fitted[..., :2] + fitted[..., 2:]) / 2
        at = at + tray(centres[:, None, :] + err) - start[:, None, :]
        fitted = _boxes_at(camera, poses, at)
    return fitted


class SizeTable:
    """Each variant's predicted box size in each pose, for box centres on a grid over
    one camera's image: fitting is a few projections of hundreds of points, a table
    lookup a few microseconds, and the size changes smoothly across the picture
    (bilinear between grid points: median 0.02 %, at worst 1.4 % off the fit, where
    the wall that shows switches sides; sigma is 4 %). Built once a camera, 0.2 s."""

    STEP_PX = 32

    def __init__(self, camera: CameraModel, variants: np.ndarray):
        v, p = variants.shape[:2]
        self.shape = (v, p)
        self.xs = np.arange(0.0, camera.width + self.STEP_PX, self.STEP_PX)
        self.ys = np.arange(0.0, camera.height + self.STEP_PX, self.STEP_PX)
        gx, gy = np.meshgrid(self.xs, self.ys)
        centres = np.column_stack([gx.ravel(), gy.ravel()])
        f = fitted_boxes(camera, centres, variants.reshape(v * p, *variants.shape[2:]))
        sizes = np.log(np.maximum(f[..., 2:] - f[..., :2], 1e-3))  # (G, V*P, 2)
        self.log_sizes = sizes.reshape(len(self.ys), len(self.xs), v * p, 2)

    def lookup(self, cx: float, cy: float) -> np.ndarray:
        """(V*P, 2) log width and height predicted for a box centred at (cx, cy)."""
        fx = min(max(cx / self.STEP_PX, 0.0), len(self.xs) - 1.001)
        fy = min(max(cy / self.STEP_PX, 0.0), len(self.ys) - 1.001)
        ix, iy = int(fx), int(fy)
        tx, ty = fx - ix, fy - iy
        t = self.log_sizes
        top = t[iy, ix] * (1 - tx) + t[iy, ix + 1] * tx
        bottom = t[iy + 1, ix] * (1 - tx) + t[iy + 1, ix + 1] * tx
        return top * (1 - ty) + bottom * ty

    def log_likelihoods(self, box: Sequence[float], sigma: float) -> np.ndarray:
        """log p(box's width and height | variant, in its likeliest pose) per variant,
        up to a constant: each side's log-ratio to the predicted one is normal with sd
        `sigma`."""
        pred = self.lookup((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        seen = np.log(np.maximum([box[2] - box[0], box[3] - box[1]], 1e-3))
        err = seen[None, :] - pred
        return -(err * err).sum(1).reshape(self.shape).min(1) / (2 * sigma * sigma)


class PerCamera(dict):
    """Tables per camera, built on first use: a kiosk meets one camera, an evaluation
    of many kiosks' pictures a few; the oldest goes when `limit` are kept."""

    def __init__(self, build, limit: int = 16):
        super().__init__()
        self.build, self.limit = build, limit

    def __missing__(self, camera: CameraModel):
        if len(self) >= self.limit:
            self.pop(next(iter(self)))
        tables = self[camera] = self.build(camera)
        return tables


class SizeCheck:
    """The size check of one model release: its size groups (label indices), each
    variant's upright-cylinder size, and the profile's settings; keeps a size table
    per camera it has measured with (one on a kiosk; an evaluation of many kiosks'
    pictures meets a few)."""

    def __init__(
        self,
        groups: Sequence[Sequence[int]],
        dims: Mapping[int, tuple[float, float]],
        sigma: float,
        trigger: float = 0.5,
        max_aspect: float = 3.0,
        on_other: float = 0.5,
    ):
        self.groups = [np.asarray(g, np.int64) for g in groups]
        self.variants = [np.stack([cylinder_points(*dims[c]) for c in g]) for g in groups]
        self.sigma, self.trigger = sigma, trigger
        self.max_aspect, self.on_other = max_aspect, on_other
        self._tables = PerCamera(lambda camera: [SizeTable(camera, v) for v in self.variants])

    def tables(self, camera: CameraModel) -> list[SizeTable]:
        return self._tables[camera]

    def __call__(
        self,
        probs: np.ndarray,
        boxes: np.ndarray,
        camera: CameraModel,
        frame_size: tuple[int, int],
    ) -> tuple[np.ndarray, np.ndarray]:
        """`probs` (n, classes) with each checked box's group probability divided by
        size; also the rows it checked. A box is checked when its group holds at least
        `trigger` of its probability, it is no longer than `max_aspect` times its width
        (no variant lies longer) and no more than `on_other` of it lies on another box.
        Boxes are in frame pixels; the calibration may be at another resolution."""
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        checked: list[int] = []
        if not len(boxes) or not self.groups:
            return probs, np.zeros(0, np.int64)
        w = boxes[:, 2] - boxes[:, 0]
        h = boxes[:, 3] - boxes[:, 1]
        aspect = np.maximum(w, h) / np.maximum(np.minimum(w, h), 1e-6)
        out = probs
        cover = None
        for cols, table in zip(self.groups, self.tables(camera), strict=True):
            mass = probs[:, cols].sum(1)
            rows = np.flatnonzero((mass >= self.trigger) & (aspect <= self.max_aspect))
            if rows.size and cover is None:
                cover = box_cover(boxes, boxes)
                np.fill_diagonal(cover, 0.0)
            for i in rows.tolist():
                if cover[i].max(initial=0.0) > self.on_other:
                    continue
                ll = table.log_likelihoods(boxes[i] * (camera.width / frame_size[0]), self.sigma)
                post = probs[i, cols] * np.exp(ll - ll.max())
                if post.sum() <= 0:
                    continue
                if out is probs:
                    out = probs.copy()
                out[i, cols] = post / post.sum() * mass[i]
                checked.append(i)
        return out, np.asarray(sorted(checked), np.int64)
