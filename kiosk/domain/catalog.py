"""The product catalog: validated, immutable, with the lookups the kiosk needs.

`parse_catalog` takes the decoded document (JSON or TOML) and either returns a
`Catalog` or raises `CatalogError` naming every bad field by its path. Reading the
file is the caller's business, so this stays pure.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# Guards against absurd data (a price typed in yuan-with-decimals, a weight in mg).
MAX_PRICE = 10_000_00  # 10,000 yuan for one item or one kg
MAX_WEIGHT_G = 25_000  # a single item heavier than 25 kg does not go on a tray


class CatalogError(ValueError):
    """A catalog document that must not be used; the message names the bad keys."""


class Pricing(StrEnum):
    EACH = "each"
    PER_KG = "per_kg"


class Shape(StrEnum):
    CAN = "can"
    BOTTLE = "bottle"
    BOX = "box"
    BAG = "bag"
    CUP = "cup"
    CARTON = "carton"
    PACK = "pack"
    BAR = "bar"
    PRODUCE = "produce"


def ean13_is_valid(code: str) -> bool:
    if not re.fullmatch(r"\d{13}", code):
        return False
    digits = [int(c) for c in code]
    checksum = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - checksum % 10) % 10 == digits[12]


@dataclass(frozen=True, slots=True)
class SizeWeight:
    """How a piece of loose produce's weight follows its size as the camera sees it.

    looks: the apparent linear size of a piece of nominal weight against `size_mm`
      (a fruit's outline is rounder and smaller than its bounding size).
    sd: the log standard deviation of a piece's weight once its apparent size is
      known (fruit of one size differ in shape and density; the outline misleads).
    Learned from pieces weighed alone (`python -m kiosk.evaluation.produce_sizes`).
    """

    looks: float
    sd: float


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    barcode: str
    name_zh: str
    name_en: str
    pinyin: str
    category: str
    pricing: Pricing
    price: int  # fen per item, or fen per kg when pricing is PER_KG
    weight_g: float  # nominal weight of one item
    weight_sd_g: float  # its standard deviation across items
    age_restricted: bool
    shape: Shape
    size_mm: tuple[int, int, int]  # width, length, height as it rests on the tray
    colors: tuple[str, ...]
    family: str | None
    size_weight: SizeWeight | None = None  # loose produce only

    @property
    def sold_by_weight(self) -> bool:
        return self.pricing is Pricing.PER_KG

    def name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") else self.name_en


class _SizeWeightRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    looks: float = Field(ge=0.5, le=1.5)
    sd: float = Field(gt=0.0, le=1.0)


class _ProductRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,47}$")
    barcode: str
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=60)
    pinyin: str = Field(pattern=r"^[a-z]+( [a-z]+)*$")
    category: str = Field(min_length=1)
    pricing: Pricing
    price: int = Field(gt=0, le=MAX_PRICE, strict=True)
    weight_g: float = Field(gt=0, le=MAX_WEIGHT_G)
    weight_sd_g: float = Field(ge=0, le=MAX_WEIGHT_G)
    age_restricted: bool = False
    shape: Shape
    size_mm: tuple[int, int, int]
    colors: tuple[str, ...] = Field(min_length=1)
    family: str | None = None
    size_weight: _SizeWeightRecord | None = None

    @model_validator(mode="after")
    def _size_weight_is_for_produce(self) -> _ProductRecord:
        if self.size_weight is not None and self.pricing is not Pricing.PER_KG:
            raise ValueError("size_weight is only for products sold by weight (pricing per_kg)")
        return self

    @field_validator("barcode")
    @classmethod
    def _ean13(cls, v: str) -> str:
        if not ean13_is_valid(v):
            raise ValueError(f"{v!r} is not a valid EAN-13 (13 digits, last one the check digit)")
        return v

    @field_validator("size_mm")
    @classmethod
    def _size(cls, v: tuple[int, int, int]) -> tuple[int, int, int]:
        if not all(5 <= d <= 600 for d in v):
            raise ValueError("each dimension must be between 5 and 600 mm")
        return v

    @field_validator("colors")
    @classmethod
    def _colors(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for c in v:
            if not re.fullmatch(r"#[0-9a-fA-F]{6}", c):
                raise ValueError(f"{c!r} is not a #rrggbb colour")
        return v


class _CatalogRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: int = Field(alias="schema", ge=1, le=1)
    version: str = Field(min_length=1, max_length=40)
    currency: str = Field(pattern=r"^CNY$")
    store: str = Field(min_length=1)
    note: str = ""
    products: tuple[_ProductRecord, ...] = Field(min_length=1)


def _describe(err: ValidationError, doc: Mapping[str, Any]) -> str:
    lines = []
    products = doc.get("products") if isinstance(doc, Mapping) else None
    for e in err.errors():
        loc = list(e["loc"])
        path = ".".join(str(p) for p in loc)
        # Name the SKU too: "products.17.price" alone sends people counting.
        if len(loc) >= 2 and loc[0] == "products" and isinstance(loc[1], int):
            with contextlib.suppress(AttributeError, IndexError, TypeError):
                path += f" (sku {products[loc[1]].get('sku')!r})"
        lines.append(f"  {path}: {e['msg']}")
    return "invalid catalog:\n" + "\n".join(lines)


def parse_catalog(doc: Mapping[str, Any]) -> Catalog:
    try:
        record = _CatalogRecord.model_validate(doc)
    except ValidationError as err:
        raise CatalogError(_describe(err, doc)) from None
    products = [
        Product(
            sku=p.sku,
            barcode=p.barcode,
            name_zh=p.name_zh,
            name_en=p.name_en,
            pinyin=p.pinyin,
            category=p.category,
            pricing=p.pricing,
            price=p.price,
            weight_g=p.weight_g,
            weight_sd_g=p.weight_sd_g,
            age_restricted=p.age_restricted,
            shape=p.shape,
            size_mm=p.size_mm,
            colors=p.colors,
            family=p.family,
            size_weight=(
                SizeWeight(p.size_weight.looks, p.size_weight.sd) if p.size_weight else None
            ),
        )
        for p in record.products
    ]
    return Catalog(products, version=record.version, store=record.store)


def _initials(pinyin: str) -> str:
    return "".join(word[0] for word in pinyin.split())


class Catalog:
    """Products by SKU and barcode, plus the on-screen search."""

    def __init__(self, products: Iterable[Product], version: str, store: str = "") -> None:
        self.version = version
        self.store = store
        by_sku: dict[str, Product] = {}
        by_barcode: dict[str, Product] = {}
        problems = []
        for p in products:
            if p.sku in by_sku:
                problems.append(f"  duplicate sku {p.sku!r}")
            if p.barcode in by_barcode:
                problems.append(
                    f"  duplicate barcode {p.barcode} (skus {by_barcode[p.barcode].sku!r} "
                    f"and {p.sku!r})"
                )
            by_sku[p.sku] = p
            by_barcode.setdefault(p.barcode, p)
        if problems:
            raise CatalogError("invalid catalog:\n" + "\n".join(problems))
        self._by_sku = MappingProxyType(by_sku)
        self._by_barcode = MappingProxyType(by_barcode)

    def __len__(self) -> int:
        return len(self._by_sku)

    def __iter__(self):
        return iter(self._by_sku.values())

    def __contains__(self, sku: object) -> bool:
        return sku in self._by_sku

    @property
    def skus(self) -> tuple[str, ...]:
        return tuple(self._by_sku)

    def get(self, sku: str) -> Product:
        try:
            return self._by_sku[sku]
        except KeyError:
            raise KeyError(f"unknown SKU {sku!r} (catalog {self.version})") from None

    def by_barcode(self, barcode: str) -> Product | None:
        """None for a code we do not sell: the caller tells the shopper, it is not a bug."""
        return self._by_barcode.get(barcode.strip())

    def search(self, query: str, limit: int = 20) -> list[Product]:
        """On-screen search: pinyin prefix (`kele`, `klk`), Chinese or English name.

        Ranked: prefix of the whole name or pinyin first, then a word prefix,
        then any substring; ties by name. Spaces in the query are ignored for
        pinyin so `ke le` and `kele` find the same.
        """
        q = query.strip().lower()
        if not q:
            return []
        compact = q.replace(" ", "")
        scored: list[tuple[int, str, Product]] = []
        for p in self._by_sku.values():
            py = p.pinyin.replace(" ", "")
            en = p.name_en.lower()
            words = en.split() + p.pinyin.split()
            if py.startswith(compact) or en.startswith(q) or p.name_zh.startswith(query.strip()):
                rank = 0
            elif _initials(p.pinyin).startswith(compact) or any(w.startswith(q) for w in words):
                rank = 1
            elif compact in py or q in en or query.strip() in p.name_zh or q == p.barcode:
                rank = 2
            else:
                continue
            scored.append((rank, p.name_en, p))
        scored.sort(key=lambda t: (t[0], t[1]))
        return [p for _, _, p in scored[:limit]]

    def family(self, sku: str) -> tuple[Product, ...]:
        """The look-alikes of `sku` (same family), itself included."""
        fam = self.get(sku).family
        if fam is None:
            return (self.get(sku),)
        return tuple(p for p in self._by_sku.values() if p.family == fam)
