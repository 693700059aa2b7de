"""Item crops for the second-stage classifier: one square patch per detected box,
cut from the full-resolution camera frame.

Why a second stage: the detector sees the whole tray at 448x256, about a third of
the camera's resolution. That finds items well, but flavour variants differ in a
word on the pack (crisps "原味" against "番茄味") and can sizes only in size. The
classifier looks at each item again at the camera's own resolution, and is told the
box's size and place in frame-relative units: the camera hangs at a fixed height, so
size tells a 500 ml can from a 330 ml one, and seen from above the two differ mostly
by perspective (the taller top is nearer the lens; off-centre, more of its wall shows),
which depends on where in the frame the can stands.

Pure numpy/OpenCV; the training recipe cuts its crops with these same functions,
so what the classifier learned is what it is shown.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

CROP_PAD = 0.08  # context around the box: the pack's edge shape tells too
FILL = 114
GEOMETRY_FEATURES = 4  # see `box_geometry`


def crop_windows(boxes: np.ndarray, pad: float = CROP_PAD) -> np.ndarray:
    """(n, 4) x1, y1, x2, y2 boxes → (n, 4) square windows centred on each box, side
    = longer box side × (1 + 2·pad)."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    cx = (boxes[:, 0] + boxes[:, 2]) * 0.5
    cy = (boxes[:, 1] + boxes[:, 3]) * 0.5
    side = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) * (1 + 2 * pad)
    side = np.maximum(side, 4.0)
    half = side * 0.5
    return np.stack([cx - half, cy - half, cx + half, cy + half], 1)


def box_geometry(boxes: np.ndarray, frame_width: int, frame_height: int) -> np.ndarray:
    """(n, 4) float32 per box: its longer and shorter side over the frame width (×10,
    so the numbers sit near 1; sorted, because an item lies at any angle), then its
    centre's offset from the frame centre over the frame width (×2: -1..1 across)."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    long, short = np.maximum(w, h), np.minimum(w, h)
    dx = (boxes[:, 0] + boxes[:, 2]) * 0.5 - frame_width * 0.5
    dy = (boxes[:, 1] + boxes[:, 3]) * 0.5 - frame_height * 0.5
    scale = 1.0 / float(frame_width)
    return np.stack([long * 10 * scale, short * 10 * scale, dx * 2 * scale, dy * 2 * scale],
                    1).astype(np.float32)  # fmt: skip


def cut_crops(image: np.ndarray, boxes: np.ndarray, size: int, pad: float = CROP_PAD) -> np.ndarray:
    """BGR frame + (n, 4) boxes in frame pixels → (n, size, size, 3) uint8 BGR patches.
    The part of a window outside the frame stays grey (the letterbox grey)."""
    fh, fw = image.shape[:2]
    windows = crop_windows(boxes, pad)
    # Grey only where a window leaves the frame: most patches are wholly covered, and
    # filling them all first wrote every byte twice, into memory the model's run has
    # just pushed out of the cache.
    out = np.empty((len(windows), size, size, 3), np.uint8)
    for i, (x1, y1, x2, y2) in enumerate(windows.tolist()):
        s = size / (x2 - x1)
        ix1, iy1 = max(0, math.floor(x1)), max(0, math.floor(y1))
        ix2, iy2 = min(fw, math.ceil(x2)), min(fh, math.ceil(y2))
        if ix2 <= ix1 or iy2 <= iy1:
            out[i] = FILL  # a window wholly outside the frame: an all-grey patch
            continue
        dx1, dy1 = round((ix1 - x1) * s), round((iy1 - y1) * s)
        dx2, dy2 = min(size, round((ix2 - x1) * s)), min(size, round((iy2 - y1) * s))
        dx1, dy1 = min(max(dx1, 0), dx2 - 1), min(max(dy1, 0), dy2 - 1)
        if dx2 <= dx1 or dy2 <= dy1:
            out[i] = FILL
            continue
        if dx2 - dx1 < size or dy2 - dy1 < size:
            out[i] = FILL
        region = image[iy1:iy2, ix1:ix2]
        # Halve with area averaging while the window is over twice the patch (OpenCV's
        # fast path for exact halves: no aliasing, a tenth of the cost of area
        # resampling at an arbitrary scale), then one bilinear step to the patch.
        while s < 0.5:
            region = cv2.resize(region, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
            s *= 2.0
        patch = out[i, dy1:dy2, dx1:dx2]
        resized = cv2.resize(
            region, (dx2 - dx1, dy2 - dy1), dst=patch, interpolation=cv2.INTER_LINEAR
        )
        if resized is not patch:  # OpenCV silently allocates when it cannot use `dst`
            patch[...] = resized
    return out


def crops_to_tensor(crops: np.ndarray) -> np.ndarray:
    """(n, s, s, 3) uint8 BGR → (n, 3, s, s) float32 RGB in 0..1, the classifier's input."""
    # Reorder while the pixels are still bytes, then one contiguous cast-and-scale pass:
    # a quarter of the memory traffic of reordering floats (and no second float copy).
    planar = np.ascontiguousarray(crops.transpose(0, 3, 1, 2)[:, ::-1])
    out = np.empty(planar.shape, np.float32)
    return np.multiply(planar, np.float32(1.0 / 255.0), out=out, casting="unsafe")


def crops_to_input(crops: np.ndarray, dtype: str = "float32", color: str = "RGB") -> np.ndarray:
    """(n, s, s, 3) uint8 BGR patches → the classifier's crops input as its profile
    declares it: float32 (n, 3, s, s) RGB 0..1 (`crops_to_tensor`), or for a uint8 model
    the patches themselves (BGR: no copy) or with their channels swapped (RGB)."""
    if dtype != "uint8":
        return crops_to_tensor(crops)
    return crops if color == "BGR" else np.ascontiguousarray(crops[..., ::-1])
