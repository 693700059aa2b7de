"""The few catalog fields the simulated world needs, read straight from the JSON.

`hardware/` never imports `kiosk`, so this is a deliberately small reader of the
catalog document rather than the domain's Catalog.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "assets" / "catalog" / "demo.json"

SHAPES = ("can", "bottle", "box", "bag", "cup", "carton", "pack", "bar", "produce")


class SimCatalogError(ValueError):
    """The catalog document lacks something the simulator needs; the message names it."""


@dataclass(frozen=True, slots=True)
class SimProduct:
    """One SKU as the simulated world sees it: looks, size as it rests, weight spread."""

    sku: str
    name_zh: str
    name_en: str
    shape: str
    size_mm: tuple[float, float, float]  # width (x), length (y), height (z) as it rests
    colors: tuple[str, ...]
    family: str | None
    weight_g: float
    weight_sd_g: float
    barcode: str = ""
    category: str = ""


@dataclass(frozen=True, slots=True)
class SimCatalog:
    version: str
    products: tuple[SimProduct, ...]

    def skus(self) -> list[str]:
        """SKUs in catalog order: the class id of a SKU is its index here."""
        return [p.sku for p in self.products]

    def product(self, sku: str) -> SimProduct:
        for p in self.products:
            if p.sku == sku:
                return p
        raise KeyError(f"SKU {sku!r} is not in catalog {self.version}")


def load_sim_catalog(path: Path | str = DEMO_CATALOG) -> SimCatalog:
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise SimCatalogError(f"cannot read catalog {path}: {err}") from None
    return parse_sim_catalog(doc, source=str(path))


def parse_sim_catalog(doc: dict, source: str = "catalog") -> SimCatalog:
    products = []
    for i, raw in enumerate(doc.get("products") or []):
        where = f"{source}: products[{i}] ({raw.get('sku', '?')})"
        try:
            size = tuple(float(v) for v in raw["size_mm"])
            product = SimProduct(
                sku=str(raw["sku"]),
                name_zh=str(raw["name_zh"]),
                name_en=str(raw["name_en"]),
                shape=str(raw["shape"]),
                size_mm=size,  # type: ignore[arg-type]
                colors=tuple(str(c) for c in raw.get("colors") or ("#888888",)),
                family=raw.get("family"),
                weight_g=float(raw["weight_g"]),
                weight_sd_g=float(raw.get("weight_sd_g", 0.0)),
                barcode=str(raw.get("barcode", "")),
                category=str(raw.get("category", "")),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise SimCatalogError(f"{where}: missing or bad field {err}") from None
        if product.shape not in SHAPES:
            raise SimCatalogError(f"{where}: unknown shape {product.shape!r}")
        if len(size) != 3 or min(size) <= 0:
            raise SimCatalogError(f"{where}: size_mm must be three positive numbers")
        products.append(product)
    if not products:
        raise SimCatalogError(f"{source}: no products")
    return SimCatalog(version=str(doc.get("version", "unknown")), products=tuple(products))


def hex_to_bgr(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    r, g, b = int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    return (b, g, r)
