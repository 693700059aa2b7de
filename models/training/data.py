"""Scene sets → training batches.

Every image is letterboxed once, with the kiosk's own `letterbox`, to the model's
input size and kept as uint8 (in memory, or memory-mapped from the training's cache
file: `ImageStack`); augmentation works on those canvases. So the
pixels the model learns from went through exactly the resize the kiosk will do.

Augmentation is for what changes between kiosks and hours, not between products:
camera height and position (scale, shift), lighting (brightness, contrast, a little
white balance), sensor noise and blur, mirror images. No hue shift: colour is what
tells Cola Classic from Cola Lemon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from kiosk.vision.preprocess import letterbox
from kiosk.vision.scenes import Scene, load_scenes

FILL = 114


class ImageStack(Sequence):
    """Several (n, H, W, 3) image arrays read as one, without copying them together.

    The arrays may be memory-mapped cache files: at 640x352 a canvas is 0.68 MB, and
    concatenating 18,000 of them held the sets twice over for a moment (24 GB) and
    ran the machine out of memory. Mapped, the pages are the kernel's cache, which it
    drops under pressure instead of killing the run."""

    def __init__(self, parts: Sequence[np.ndarray]):
        self.parts = list(parts)
        self._starts = np.cumsum([0] + [len(p) for p in self.parts])

    def __len__(self) -> int:
        return int(self._starts[-1])

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ImageStack([self[i][None] for i in range(*index.indices(len(self)))])
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        part = int(np.searchsorted(self._starts, index, side="right")) - 1
        return self.parts[part][index - self._starts[part]]


@dataclass
class Canvases:
    images: np.ndarray | ImageStack  # (n, H, W, 3) uint8 BGR letterboxed
    boxes: list[np.ndarray]  # per image (k, 4) xyxy in input pixels
    classes: list[np.ndarray]  # per image (k,)
    scenes: list[Scene]
    labels: list[str]


def load_canvases(root: Path, input_size: tuple[int, int], limit: int | None = None) -> Canvases:
    labels, scenes = load_scenes(root, limit)
    w, h = input_size
    images = np.empty((len(scenes), h, w, 3), np.uint8)
    boxes, classes = [], []
    for i, scene in enumerate(scenes):
        frame = scene.read_image()
        canvas, geo = letterbox(frame, w, h, FILL)
        images[i] = canvas
        xyxy = scene.boxes_xyxy(frame.shape[1], frame.shape[0])
        boxes.append(geo.boxes_to_input(xyxy))
        classes.append(scene.class_ids.copy())
    return Canvases(images, boxes, classes, scenes, labels)


@dataclass(frozen=True)
class AugmentConfig:
    flip_lr: float = 0.5
    flip_ud: float = 0.5
    scale: tuple[float, float] = (0.8, 1.2)
    shift: float = 0.08  # of the input size
    brightness: float = 0.25
    contrast: float = 0.2
    white_balance: float = 0.04  # per-channel gain spread
    noise_sigma: float = 4.0
    blur_p: float = 0.15
    min_visible: float = 0.4  # a box cut by the border below this share is dropped


_NOISE_BANK = 8
_noise_cache: dict[tuple[int, ...], np.ndarray] = {}


def _noise_bank(shape: tuple[int, ...]) -> np.ndarray:
    """A few unit-variance noise images, made once: drawing fresh Gaussian noise for
    every image costs more than the rest of the augmentation together."""
    if shape not in _noise_cache:
        rng = np.random.default_rng(12345)
        _noise_cache[shape] = rng.standard_normal((_NOISE_BANK, *shape), dtype=np.float32)
    return _noise_cache[shape]


def augment(
    image: np.ndarray, boxes: np.ndarray, classes: np.ndarray, rng: np.random.Generator,
    cfg: AugmentConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    h, w = image.shape[:2]
    boxes = boxes.copy()
    # Geometry: one affine warp (scale about the centre, then shift).
    s = rng.uniform(*cfg.scale)
    tx = rng.uniform(-cfg.shift, cfg.shift) * w
    ty = rng.uniform(-cfg.shift, cfg.shift) * h
    m = np.array([[s, 0, (1 - s) * w / 2 + tx], [0, s, (1 - s) * h / 2 + ty]], np.float32)
    out = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(FILL, FILL, FILL))
    if len(boxes):
        area0 = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1) * s * s
        boxes[:, 0::2] = boxes[:, 0::2] * s + m[0, 2]
        boxes[:, 1::2] = boxes[:, 1::2] * s + m[1, 2]
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, w)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, h)
        area1 = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
        keep = area1 >= cfg.min_visible * np.maximum(area0, 1e-6)
        boxes, classes = boxes[keep], classes[keep]
    if rng.random() < cfg.flip_lr:
        out = out[:, ::-1]
        boxes[:, [0, 2]] = w - boxes[:, [2, 0]]
    if rng.random() < cfg.flip_ud:
        out = out[::-1]
        boxes[:, [1, 3]] = h - boxes[:, [3, 1]]
    # Light and sensor, on uint8 through per-channel lookup tables (cheap on a CPU
    # that is also training).
    gain = 1.0 + rng.uniform(-cfg.brightness, cfg.brightness)
    contrast = 1.0 + rng.uniform(-cfg.contrast, cfg.contrast)
    wb = 1.0 + rng.uniform(-cfg.white_balance, cfg.white_balance, size=3)
    mean = float(out[::4, ::4].mean())
    levels = np.arange(256, dtype=np.float32)
    lut = np.stack(
        [np.clip(((levels - mean) * contrast + mean) * gain * wb[c], 0, 255) for c in range(3)],
        axis=1,
    ).astype(np.uint8)[:, None, :]  # (256, 1, 3): one table per channel
    out = cv2.LUT(np.ascontiguousarray(out), lut)
    if cfg.noise_sigma > 0:
        noise = _noise_bank(out.shape)[int(rng.integers(_NOISE_BANK))]
        sigma = rng.uniform(0, cfg.noise_sigma)
        out = np.clip(out + noise * np.float32(sigma), 0, 255).astype(np.uint8)
    if rng.random() < cfg.blur_p:
        k = int(rng.choice([3, 5]))
        out = cv2.GaussianBlur(out, (k, k), 0)
    return np.ascontiguousarray(out), boxes, classes


def to_batch(
    images: list[np.ndarray], boxes: list[np.ndarray], classes: list[np.ndarray]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """uint8 BGR canvases → (float RGB 0..1 (B, 3, H, W), labels (B, M), boxes (B, M, 4),
    mask (B, M)), the same tensor layout `kiosk.vision.preprocess.to_tensor` makes."""
    x = np.stack(images)[..., ::-1].transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    m = max((len(c) for c in classes), default=0)
    b = len(images)
    lab = np.zeros((b, m), np.int64)
    box = np.zeros((b, m, 4), np.float32)
    mask = np.zeros((b, m), bool)
    for i, (bx, c) in enumerate(zip(boxes, classes, strict=True)):
        lab[i, : len(c)] = c
        box[i, : len(c)] = bx
        mask[i, : len(c)] = True
    return (
        torch.from_numpy(np.ascontiguousarray(x)),
        torch.from_numpy(lab),
        torch.from_numpy(box),
        torch.from_numpy(mask),
    )
