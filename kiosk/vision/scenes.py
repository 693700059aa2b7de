"""Reading a labelled scene set (`python -m hardware.sim.scenes` output, YOLO layout).

    DIR/images/<id>.png|jpg     DIR/labels/<id>.txt  ("class cx cy w h", normalised)
    DIR/manifests/<id>.json     DIR/classes.txt      (SKU per line; class id = line)

Shared by the kiosk's evaluation and the training recipe, so both read a set the
same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from hardware.camera.pinhole import CameraModel

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


class SceneSetError(ValueError):
    """A scene set that cannot be read; the message names the file."""


@dataclass(frozen=True, slots=True)
class Scene:
    scene_id: str
    image_path: Path
    class_ids: np.ndarray  # (n,) int64: the labelled (visible) items
    boxes_norm: np.ndarray  # (n, 4) float32: cx, cy, w, h as fractions of the image
    level: str = ""
    # Every item on the tray, hidden ones too (the receipt needs them); falls back
    # to the labelled items when the set has no manifest.
    all_skus: tuple[str, ...] = ()
    manifest: dict = field(default_factory=dict, repr=False)

    def boxes_xyxy(self, width: int, height: int) -> np.ndarray:
        b = self.boxes_norm
        out = np.empty_like(b)
        out[:, 0] = (b[:, 0] - b[:, 2] / 2) * width
        out[:, 1] = (b[:, 1] - b[:, 3] / 2) * height
        out[:, 2] = (b[:, 0] + b[:, 2] / 2) * width
        out[:, 3] = (b[:, 1] + b[:, 3] / 2) * height
        return out

    def camera(self) -> CameraModel | None:
        """The calibration of the camera that took the picture, when the manifest
        names it (scene sets from format 2 on)."""
        doc = self.manifest.get("camera")
        return CameraModel.from_dict(doc) if doc else None

    def read_image(self) -> np.ndarray:
        image = cv2.imread(str(self.image_path), cv2.IMREAD_COLOR)
        if image is None:
            raise SceneSetError(f"cannot read image {self.image_path}")
        return image


def read_classes(root: Path) -> list[str]:
    path = root / "classes.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise SceneSetError(f"cannot read {path}: {err.strerror}") from None
    return [line.strip() for line in lines if line.strip()]


def parse_label_file(path: Path, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    ids, boxes = [], []
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 5:
            raise SceneSetError(f"{path}:{n}: expected 'class cx cy w h', got {line!r}")
        cls = int(parts[0])
        if not 0 <= cls < num_classes:
            raise SceneSetError(f"{path}:{n}: class {cls} outside 0..{num_classes - 1}")
        ids.append(cls)
        boxes.append([float(v) for v in parts[1:]])
    return np.asarray(ids, np.int64), np.asarray(boxes, np.float32).reshape(-1, 4)


def _manifest_level_and_skus(doc: dict) -> tuple[str, tuple[str, ...]]:
    level = str(doc.get("level", ""))
    items = doc.get("items")
    skus: tuple[str, ...] = ()
    if isinstance(items, list):
        skus = tuple(str(it["sku"]) for it in items if isinstance(it, dict) and "sku" in it)
    elif isinstance(doc.get("skus"), list):
        skus = tuple(str(s) for s in doc["skus"])
    return level, skus


def iter_scenes(root: Path | str, limit: int | None = None) -> Iterator[Scene]:
    root = Path(root)
    classes = read_classes(root)
    image_dir = root / "images"
    if not image_dir.is_dir():
        raise SceneSetError(f"{root} has no images/ directory")
    paths = sorted(p for p in image_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    for i, image_path in enumerate(paths):
        if limit is not None and i >= limit:
            return
        stem = image_path.stem
        ids, boxes = parse_label_file(root / "labels" / f"{stem}.txt", len(classes))
        manifest_path = root / "manifests" / f"{stem}.json"
        doc: dict = {}
        if manifest_path.exists():
            try:
                doc = json.loads(manifest_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as err:
                raise SceneSetError(f"cannot read {manifest_path}: {err}") from None
        level, skus = _manifest_level_and_skus(doc)
        if not skus:
            skus = tuple(classes[c] for c in ids.tolist())
        yield Scene(stem, image_path, ids, boxes, level, skus, doc)


def load_scenes(root: Path | str, limit: int | None = None) -> tuple[list[str], list[Scene]]:
    return read_classes(Path(root)), list(iter_scenes(root, limit))
