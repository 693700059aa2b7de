"""Loads the committed packaging art (assets/art) for the renderer: no Pillow, no fonts.

The art is drawn once offline at `px_per_mm`; the renderer asks for it pre-shrunk to
about the scale it will draw at, so every warp is a mild one (no aliasing on text and
barcodes) and no text is ever drawn per frame.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hardware.sim.catalog import SimCatalog, SimProduct, hex_to_bgr

DEFAULT_ART_DIR = Path(__file__).resolve().parents[2] / "assets" / "art"

# Flat or soft items rest their visible outline lower than their top: a bag's or an
# apple's widest silhouette is near half its height, a box's printed face is its top.
RIGID_SHAPES = frozenset({"box", "can", "cup", "carton", "pack", "bar"})


class MissingArtError(LookupError):
    """A catalog SKU has no drawing; the message names the SKU and how to draw it."""


@dataclass(frozen=True, slots=True)
class FaceArt:
    """One drawing, BGRA uint8, x along the item's width, y along its length."""

    image: np.ndarray  # colour premultiplied by alpha, so warps leave no dark fringes
    px_per_mm: float
    outline_mm: np.ndarray  # (N, 2) silhouette polygon, centred, mm; for shadows


@dataclass(frozen=True, slots=True)
class ProductArt:
    product: SimProduct
    faces: dict[str, tuple[FaceArt, ...]]
    gloss: float
    wall_bands: tuple[tuple[float, float, tuple[int, int, int]], ...]  # (z0, z1) fractions, BGR


def _outline(alpha: np.ndarray, px_per_mm: float) -> np.ndarray:
    mask = (alpha > 127).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    h, w = alpha.shape
    if not contours:
        pts = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    else:
        big = max(contours, key=cv2.contourArea)
        pts = cv2.approxPolyDP(big, 1.5, True)[:, 0, :].astype(np.float32)
    return (pts - np.array([w / 2, h / 2], np.float32)) / px_per_mm


def _wall_bands(p: SimProduct) -> tuple[tuple[float, float, tuple[int, int, int]], ...]:
    """The colours seen on an item's sides: the body colour with the flavour band.

    Look-alike cans differ here too (a red can with a yellow band is the lemon one),
    just as on a real shelf.
    """
    c0 = hex_to_bgr(p.colors[0])
    c1 = hex_to_bgr(p.colors[-1])
    if p.shape in ("can", "carton", "cup"):
        return ((0.0, 0.35, c0), (0.35, 0.55, c1), (0.55, 1.0, c0))
    return ((0.0, 1.0, c0),)


class ArtLibrary:
    """All SKUs' drawings, loaded once; scaled copies are cached per render scale."""

    def __init__(self, catalog: SimCatalog, art_dir: Path | str = DEFAULT_ART_DIR) -> None:
        self.catalog = catalog
        self.art_dir = Path(art_dir)
        index_path = self.art_dir / "index.json"
        try:
            index = json.loads(index_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise MissingArtError(f"no art index at {index_path}: {err}") from None
        self.px_per_mm = float(index["px_per_mm"])
        self._index = index["products"]
        missing = [sku for sku in catalog.skus() if sku not in self._index]
        if missing:
            raise MissingArtError(
                f"no packaging art for SKU {', '.join(missing)}: run "
                f"`python -m hardware.sim.packaging_art --only {','.join(missing)}`"
            )
        self._scaled: dict[float, dict[str, ProductArt]] = {}
        self._lock = threading.Lock()

    def at_scale(self, px_per_mm: float) -> dict[str, ProductArt]:
        """Every product's art at about `px_per_mm` (rounded so few copies are cached)."""
        key = round(min(px_per_mm, self.px_per_mm) * 4) / 4
        with self._lock:
            if key not in self._scaled:
                self._scaled[key] = {p.sku: self._load(p, key) for p in self.catalog.products}
            return self._scaled[key]

    def _load(self, p: SimProduct, ppm: float) -> ProductArt:
        entry = self._index[p.sku]
        faces: dict[str, tuple[FaceArt, ...]] = {}
        factor = ppm / self.px_per_mm
        for face, files in entry["faces"].items():
            arts = []
            for rel in files:
                path = self.art_dir / rel
                img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
                if img is None or img.ndim != 3 or img.shape[2] != 4:
                    raise MissingArtError(f"art for SKU {p.sku} is missing or not RGBA: {path}")
                width_mm = img.shape[1] / self.px_per_mm
                if factor < 0.999:
                    img = cv2.resize(img, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
                real_ppm = img.shape[1] / width_mm
                a = img[..., 3:4].astype(np.float32) / 255.0
                img = np.dstack([(img[..., :3] * a).round().astype(np.uint8), img[..., 3]])
                arts.append(FaceArt(img, real_ppm, _outline(img[..., 3], real_ppm)))
            faces[face] = tuple(arts)
        if "top" not in faces:
            raise MissingArtError(f"art for SKU {p.sku} has no top face")
        return ProductArt(p, faces, float(entry.get("gloss", 0.3)), _wall_bands(p))
