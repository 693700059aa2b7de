"""Reviewing hard cases: what a person at headquarters sees of one, and what they say.

A hard case (`kiosk.domain.decision.hard_case`, sent by the kiosk's sync worker) holds
the tray picture, the boxes the camera saw with their candidate SKUs, the weight and
the decision. A reviewer names the true SKU of every box (or "not an item") and adds
the items no box covers; the review's outcome follows by comparing that with what the
kiosk decided. Pure functions here; the web page is `hq.review_web`, the training-set
export `hq.review_export`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NOT_AN_ITEM = ""  # a box on nothing: a shadow, a hand, a piece of an item boxed twice
MAX_MISSED_ROWS = 4  # "items the camera missed" rows on the form
SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")


class ReviewError(ValueError):
    """A review form that cannot be saved; the message says which field and why."""


@dataclass(frozen=True, slots=True)
class SeenBox:
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in the picture's pixels
    candidates: tuple[tuple[str, float], ...]  # the camera's SKUs, best first
    doubtful: bool = False  # half-seen: under the camera's threshold
    taken_for: str | None = None  # a doubtful box the decision took for this SKU

    @property
    def guess(self) -> str:
        """What the kiosk made of the box: the form's first answer."""
        if self.doubtful:
            return self.taken_for or NOT_AN_ITEM
        return self.candidates[0][0] if self.candidates else NOT_AN_ITEM


@dataclass(frozen=True, slots=True)
class CaseView:
    """One hard case as the review page shows it."""

    case_id: str
    device_id: str
    store_id: str | None
    sale_id: str | None
    received_at: float
    image_sha256: str | None
    picture_size: tuple[int, int]  # width, height of the picture (the tray crop)
    boxes: tuple[SeenBox, ...]
    verdict: str
    reason: str
    model_version: str
    weight_g: str
    decided: Mapping[str, int]  # packaged SKU -> items, as the kiosk decided
    weighed: tuple[str, ...]  # loose produce the kiosk weighed
    requests: tuple[dict, ...]  # what the kiosk asked (`Request.to_dict`); request_text
    raised_by: str = ""  # a staff change that made a plain confirmation a case
    steps_g: tuple[float, ...] = ()  # the weight steps as the tray filled
    notes: tuple[str, ...] = ()  # the decision's own remarks (a step no item explains)


def case_view(row: Mapping[str, Any]) -> CaseView:
    """From `HqDatabase.hard_case(...)`: tolerant of what an older kiosk did not send."""
    body = row["body"]
    meta = body.get("meta") or {}
    decision = meta.get("decision") or {}
    region = meta.get("tray_region")
    frame = meta.get("frame_size") or [0, 0]
    if isinstance(region, list) and len(region) == 4:
        size = (int(region[2]) - int(region[0]), int(region[3]) - int(region[1]))
    else:  # kiosks before the tray crop sent the whole frame
        size = (int(frame[0]), int(frame[1]))
    half_seen = {}
    for pair in decision.get("half_seen") or []:
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], int):
            half_seen[pair[0]] = str(pair[1])
    boxes = []
    # numbered as the kiosk numbers them: the sure boxes, then the doubtful ones
    for doubtful, group in ((False, meta.get("seen")), (True, meta.get("doubtful"))):
        for seen in group or []:
            try:
                box = tuple(float(v) for v in seen["box"][:4])
                cands = tuple((str(s), float(p)) for s, p in seen.get("candidates") or [])
            except (KeyError, TypeError, ValueError):
                continue  # a malformed box is not shown rather than breaking the page
            if len(box) == 4:
                taken = half_seen.get(len(boxes)) if doubtful else None
                boxes.append(SeenBox(box, cands, doubtful, taken))  # type: ignore[arg-type]
    return CaseView(
        case_id=row["id"],
        device_id=row["device_id"],
        store_id=row.get("store_id"),
        sale_id=body.get("sale_id"),
        received_at=float(row["received_at"]),
        image_sha256=body.get("image_sha256"),
        picture_size=size,
        boxes=tuple(boxes),
        verdict=str(decision.get("verdict", "?")),
        reason=str(decision.get("reason", "")),
        model_version=str(meta.get("model_version") or ""),
        weight_g=str(meta.get("weight_g") or decision.get("measured_g") or ""),
        decided={str(k): int(v) for k, v in (decision.get("counts") or {}).items()},
        weighed=tuple(str(w[0]) for w in decision.get("weighed") or []),
        requests=tuple(r for r in decision.get("requests") or [] if isinstance(r, dict)),
        raised_by=str(meta.get("raised_by") or ""),
        notes=tuple(str(n) for n in decision.get("notes") or [] if isinstance(n, str)),
        steps_g=tuple(
            float(g) for g in meta.get("weight_steps_g") or [] if isinstance(g, int | float)
        ),
    )


def request_text(r: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """A kiosk request (`Request.to_dict`) in words: "choose — box 2; A or B", the SKUs
    by their catalog names where `names` has them."""
    details = []
    boxes = [b for b in r.get("boxes") or [] if isinstance(b, int)]
    if boxes:
        details.append("box " + ", ".join(str(b + 1) for b in boxes))
    if r.get("skus"):
        details.append(" or ".join(names.get(str(s), str(s)) for s in r["skus"]))
    if isinstance(r.get("grams"), int | float):
        details.append(f"{r['grams']:.0f} g")
    kind = str(r.get("kind", "?")).replace("_", " ")
    return kind + (" — " + "; ".join(details) if details else "")


# ISO 4217 currencies without minor units; every other one here has two.
_NO_MINOR_UNITS = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "UGX"})


def money(minor: int, currency: str) -> str:
    """An amount in minor units as people read it: 1090 CNY -> "10.90 CNY"."""
    if currency.upper() in _NO_MINOR_UNITS:
        return f"{minor} {currency}"
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d} {currency}"


@dataclass(frozen=True, slots=True)
class SaleSummary:
    """What the shopper finally paid for (the sale the case belongs to)."""

    status: str
    total: int  # minor units
    currency: str
    lines: tuple[tuple[str, str, str], ...]  # (sku, quantity or grams, how it got there)

    @property
    def amount(self) -> str:
        return money(self.total, self.currency)


def sale_summary(body: Mapping[str, Any] | None) -> SaleSummary | None:
    """From the sale record headquarters holds (`SaleIn`); None when there is none."""
    if not body:
        return None
    lines = []
    for line in body.get("lines") or []:
        if not isinstance(line, dict) or line.get("voided"):
            continue
        grams = line.get("weight_g")
        amount = f"{grams} g" if grams not in (None, "") else f"{line.get('quantity', 1)} ×"
        lines.append((str(line.get("sku", "?")), amount, str(line.get("source", ""))))
    try:
        total = int(body.get("total", 0))
    except (TypeError, ValueError):
        total = 0
    return SaleSummary(
        str(body.get("status", "?")), total, str(body.get("currency", "")), tuple(lines)
    )


def true_counts(boxes: Sequence[str], missed: Mapping[str, int]) -> Counter[str]:
    """What was really on the tray: each box's SKU (not "not an item") and the missed."""
    counts = Counter(b for b in boxes if b != NOT_AN_ITEM)
    for sku, n in missed.items():
        counts[sku] += n
    return counts


def outcome(case: CaseView, boxes: Sequence[str], missed: Mapping[str, int]) -> str:
    """'right' when the kiosk's decision was the tray's truth, else 'corrected'. Loose
    produce compares by kind (the scale priced it by weight, not by piece)."""
    truth = true_counts(boxes, missed)
    loose = set(case.weighed)
    packaged = {s: n for s, n in truth.items() if s not in loose}
    right = packaged == dict(case.decided) and {s for s in truth if s in loose} == loose
    return "right" if right else "corrected"


def parse_form(
    form: Mapping[str, str], case: CaseView, known_skus: set[str] | None
) -> tuple[list[str], dict[str, int], str]:
    """The review form -> (a SKU or NOT_AN_ITEM per box, missed SKU -> count, note).
    `known_skus`: the store's catalog when there is one; a SKU it lacks is refused."""

    def sku(value: str, field: str) -> str:
        value = value.strip()
        if not SKU_RE.match(value):
            raise ReviewError(f"{field}: {value!r} is not a SKU")
        if known_skus is not None and value not in known_skus:
            raise ReviewError(f"{field}: {value} is not in the store's catalog")
        return value

    boxes = []
    for i in range(len(case.boxes)):
        field = f"box_{i}"
        if field not in form:
            raise ReviewError(f"{field}: missing (box {i + 1} needs a SKU or 'not an item')")
        value = form[field]
        boxes.append(NOT_AN_ITEM if value == NOT_AN_ITEM else sku(value, f"box {i + 1}"))
    missed: dict[str, int] = {}
    for i in range(MAX_MISSED_ROWS):
        name = form.get(f"missed_sku_{i}", "").strip()
        if not name:
            continue
        text = form.get(f"missed_n_{i}", "1").strip() or "1"
        if not text.isdigit() or not 1 <= int(text) <= 50:
            raise ReviewError(f"missed item {i + 1}: count {text!r} must be 1 to 50")
        key = sku(name, f"missed item {i + 1}")
        missed[key] = missed.get(key, 0) + int(text)
    note = form.get("note", "").strip()
    if len(note) > 2000:
        raise ReviewError("note: at most 2000 characters")
    return boxes, missed, note


def catalog_products(body: bytes | None) -> list[tuple[str, str]]:
    """(sku, name) of a published catalog's products; [] when it cannot be read."""
    if not body:
        return []
    try:
        doc = json.loads(body)
        products = doc["products"] if isinstance(doc, dict) else doc
        return sorted(
            (str(p["sku"]), str(p.get("name_en") or p.get("name") or p["sku"])) for p in products
        )
    except (ValueError, KeyError, TypeError):
        return []
