"""Reading a catalog document from disk (JSON or TOML) into the pure domain Catalog."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from kiosk.domain.catalog import Catalog, CatalogError, parse_catalog

DEMO_CATALOG = Path(__file__).resolve().parent.parent / "assets" / "catalog" / "demo.json"


def load_catalog(path: Path | str = DEMO_CATALOG) -> Catalog:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise CatalogError(f"cannot read catalog {path}: {err.strerror}") from None
    return parse_catalog_bytes(raw, suffix=path.suffix, source=str(path))


def parse_catalog_bytes(raw: bytes, suffix: str = ".json", source: str = "catalog") -> Catalog:
    try:
        doc = tomllib.loads(raw.decode("utf-8")) if suffix == ".toml" else json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        raise CatalogError(f"{source} is not valid {suffix.lstrip('.').upper()}: {err}") from None
    if not isinstance(doc, dict):
        raise CatalogError(f"{source}: the document must be an object with 'products'")
    try:
        return parse_catalog(doc)
    except CatalogError as err:
        raise CatalogError(f"{source}: {err}") from None
