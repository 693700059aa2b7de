"""The nearby hypotheses of a tray, searched best-first.

A hypothesis is the plain vision reading (every box its top class, every box a real
item) changed by a few edits:

- SWAP   a box is another of its class candidates (or a look-alike of its top class),
         or a doubtful box (nothing in the plain reading) is one of its candidates;
- DROP   a box is a false detection (a reflection, a hand, the shopper's phone);
- ADD    an item lies on the tray unseen, hidden under or behind a box it fits under.

Every edit has a cost (a negative log prior or log likelihood ratio relative to the
plain reading, never below zero) and every hypothesis a weight cost (the negative
log-likelihood of the stable reading). Total cost = edits + weight. The plain reading
costs nothing on the vision side, so any other hypothesis must be *demanded* by the
weight to beat it.

Hypotheses that charge the same receipt (same SKUs, same counts) are one outcome for
the shopper: their probabilities add up (log-sum-exp of the costs) before outcomes are
compared. The search enumerates edit subsets in non-decreasing vision cost (Lawler's
ordered subset scheme), stops when nothing left can enter the two best outcomes, and
is capped by a node budget: when the cap is hit the result says so and the engine
does not auto-correct on an unfinished search.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.domain.decision.weight_model import Expected, ItemWeight, WeightModel


class EditKind(StrEnum):
    SWAP = "swap"
    DROP = "drop"
    ADD = "add"


@dataclass(frozen=True, slots=True)
class Edit:
    kind: EditKind
    box: int | None  # index into the tray's boxes; None for ADD
    sku: str | None  # new class (SWAP), hidden item (ADD), None for DROP
    cost: float  # >= 0, relative to the plain reading
    copy: int = 1  # for ADD: first or second hidden copy of this SKU
    under: tuple[int, ...] = ()  # for ADD: the boxes it could hide under

    def describe(self) -> str:
        if self.kind is EditKind.SWAP:
            return f"box {self.box} is {self.sku}"
        if self.kind is EditKind.DROP:
            return f"box {self.box} is not an item"
        where = ",".join(str(b) for b in self.under) or "?"
        return f"{self.sku} hidden under box {where}"


@dataclass(frozen=True, slots=True)
class BoxChoices:
    """What one box may be: its plain class and the alternatives as edits. A doubtful
    box's plain class is None: nothing, unless a SWAP edit makes it an item."""

    plain_sku: str | None
    alternatives: tuple[Edit, ...]  # SWAP and DROP edits of this box
    # The box's own weight if it is one of these SKUs: loose produce whose size the
    # camera measured (`WeightModel.piece`); other SKUs weigh what the catalog says.
    pieces: Mapping[str, ItemWeight] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hypothesis:
    edits: tuple[Edit, ...]
    assignment: tuple[str | None, ...]  # per box: SKU or None (dropped)
    counts: Mapping[str, int]  # everything on the tray, known items included
    vision_cost: float
    weight_cost: float
    expected: Expected
    z: float

    @property
    def cost(self) -> float:
        return self.vision_cost + self.weight_cost

    @property
    def plain(self) -> bool:
        return not self.edits

    @property
    def hidden(self) -> tuple[str, ...]:
        return tuple(e.sku for e in self.edits if e.kind is EditKind.ADD and e.sku)

    def to_dict(self) -> dict:
        return {
            "edits": [e.describe() for e in self.edits],
            "counts": dict(sorted(self.counts.items())),
            "vision_cost": round(self.vision_cost, 3),
            "weight_cost": round(self.weight_cost, 3),
            "cost": round(self.cost, 3),
            "expected_g": round(self.expected.mean_g, 1),
            "sd_g": round(self.expected.sd_g, 2),
            "z": round(self.z, 2),
        }


ReceiptKey = tuple[tuple[tuple[str, int], ...], tuple[str, ...]]


@dataclass(slots=True)
class Outcome:
    """All hypotheses that charge one receipt; `cost` is their combined cost."""

    key: ReceiptKey
    cost: float
    best: Hypothesis
    members: int = 1

    def add(self, h: Hypothesis) -> None:
        lo, hi = sorted((self.cost, h.cost))
        self.cost = lo - math.log1p(math.exp(lo - hi))
        self.members += 1
        if h.cost < self.best.cost:
            self.best = h


@dataclass(frozen=True, slots=True)
class SearchResult:
    outcomes: tuple[Outcome, ...]  # best first (lowest combined cost)
    plain: Hypothesis
    nodes: int  # hypotheses scored
    exhausted: bool  # stopped by the node budget, not by the bound
    top: tuple[Hypothesis, ...] = field(default=())  # best hypotheses, for the record


def receipt_key(counts: Mapping[str, int], sold_by_weight: frozenset[str]) -> ReceiptKey:
    """Loose produce is one weighed line whatever the number of pieces."""
    packaged = tuple(sorted((s, n) for s, n in counts.items() if n > 0 and s not in sold_by_weight))
    loose = tuple(sorted(s for s, n in counts.items() if n > 0 and s in sold_by_weight))
    return packaged, loose


def search(
    boxes: Sequence[BoxChoices],
    additions: Sequence[Edit],
    known: Mapping[str, int],
    measured_g: float,
    weights: WeightModel,
    sold_by_weight: frozenset[str] = frozenset(),
    max_edits: int = 3,
    max_nodes: int = 4000,
    stop_gap: float = 9.0,
    keep_top: int = 8,
) -> SearchResult:
    """Best-first over edit subsets; see the module docstring.

    `boxes[i].plain_sku` must have a weight in `weights` (or be None: a doubtful box),
    and so must every edit's SKU and every known SKU (the engine checks before calling).
    """
    edits: list[Edit] = []
    for b in boxes:
        edits.extend(b.alternatives)
    edits.extend(additions)
    for e in edits:
        if not (e.cost >= 0 and math.isfinite(e.cost)):
            raise ValueError(f"edit costs must be finite and >= 0: {e}")
    edits.sort(key=lambda e: (e.cost, e.kind, e.box if e.box is not None else -1, e.sku or ""))
    plain_assignment = tuple(b.plain_sku for b in boxes)

    def score(subset: tuple[int, ...]) -> Hypothesis:
        chosen = tuple(edits[i] for i in subset)
        assignment = list(plain_assignment)
        seen: Counter[str] = Counter()
        hidden: Counter[str] = Counter()
        for e in chosen:
            if e.kind is EditKind.ADD:
                hidden[e.sku or ""] += 1
            elif e.box is not None:
                assignment[e.box] = e.sku if e.kind is EditKind.SWAP else None
        for sku in assignment:
            if sku is not None:
                seen[sku] += 1
        counts: Counter[str] = Counter()
        for sku in set(seen) | set(known):
            # Known items (scanned, picked) lie on the tray; a box may be one of them.
            counts[sku] = max(seen[sku], known.get(sku, 0))
        for sku, n in hidden.items():
            counts[sku] += n
        pieces = [
            (sku, boxes[i].pieces[sku])
            for i, sku in enumerate(assignment)
            if sku is not None and sku in boxes[i].pieces
        ]
        expected = weights.expected(counts, pieces)
        return Hypothesis(
            edits=chosen,
            assignment=tuple(assignment),
            counts=dict(counts),
            vision_cost=sum(e.cost for e in chosen),
            weight_cost=expected.nll(measured_g),
            expected=expected,
            z=expected.z(measured_g),
        )

    def conflict_at(subset: tuple[int, ...]) -> int:
        """Position of the first element that conflicts with an earlier one, or -1."""
        boxes_used: set[int] = set()
        adds: Counter[str] = Counter()
        for pos, i in enumerate(subset):
            e = edits[i]
            if e.kind is EditKind.ADD:
                adds[e.sku or ""] += 1
                # copy 2 of an SKU only together with copy 1 (else it is a duplicate)
                if e.copy != adds[e.sku or ""]:
                    return pos
            else:
                if e.box in boxes_used:
                    return pos
                boxes_used.add(e.box)  # type: ignore[arg-type]
        return -1

    outcomes: dict[ReceiptKey, Outcome] = {}
    first: Outcome | None = None
    top: list[Hypothesis] = []

    def record(h: Hypothesis) -> None:
        nonlocal first
        key = receipt_key(h.counts, sold_by_weight)
        o = outcomes.get(key)
        if o is None:
            o = outcomes[key] = Outcome(key, h.cost, h)
        else:
            o.add(h)
        if first is None or o.cost < first.cost:
            first = o
        top.append(h)
        if len(top) > 4 * keep_top:
            top.sort(key=lambda x: x.cost)
            del top[keep_top:]

    plain = score(())
    record(plain)
    floor = _weight_cost_floor(plain, boxes, weights, max_edits)
    nodes = 1
    exhausted = False
    heap: list[tuple[float, tuple[int, ...]]] = []
    if edits:
        heapq.heappush(heap, (edits[0].cost, (0,)))
    while heap:
        v, subset = heapq.heappop(heap)
        assert first is not None
        if v + floor > first.cost + stop_gap:
            break  # everything left is at least e^stop_gap times less likely
        if nodes >= max_nodes:
            exhausted = True
            break
        last = subset[-1]
        bad = conflict_at(subset)
        if bad == -1:
            record(score(subset))
            nodes += 1
        # children: extend with the next edit, or replace the last one by it
        if last + 1 < len(edits):
            if bad == -1 and len(subset) < max_edits:
                heapq.heappush(heap, (v + edits[last + 1].cost, (*subset, last + 1)))
            if bad in (-1, len(subset) - 1):
                nxt = (*subset[:-1], last + 1)
                heapq.heappush(heap, (v - edits[last].cost + edits[last + 1].cost, nxt))
    ranked = tuple(sorted(outcomes.values(), key=lambda o: (o.cost, o.key)))
    top.sort(key=lambda x: x.cost)
    return SearchResult(ranked, plain, nodes, exhausted, tuple(top[:keep_top]))


def _weight_cost_floor(
    plain: Hypothesis, boxes: Sequence[BoxChoices], weights: WeightModel, max_edits: int
) -> float:
    """A lower bound of any hypothesis's weight cost: 0.5 z^2 >= 0, and its spread can
    shrink at most by removing the `max_edits` most variable seen items."""
    item_vars = sorted(
        (
            weights.weight_sd(b.pieces[b.plain_sku]) ** 2
            if b.plain_sku in b.pieces
            else weights.item_sd(b.plain_sku) ** 2
            for b in boxes
            if b.plain_sku is not None
        ),
        reverse=True,
    )
    span = weights.scale.span_error * plain.expected.mean_g
    var = plain.expected.sd_g**2 - span**2 - sum(item_vars[:max_edits])
    var = max(var, weights.scale.variance(0.0))
    return 0.5 * math.log(var)
