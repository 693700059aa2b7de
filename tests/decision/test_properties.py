"""Invariants of the decision, over generated trays (hypothesis)."""

import itertools
import json
import math
from collections import Counter
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.catalog_file import load_catalog
from kiosk.domain.checkout import Verdict
from kiosk.domain.decision import DecisionEngine, DecisionPolicy, WeightModel
from kiosk.domain.decision.hypotheses import BoxChoices, Edit, EditKind, search
from kiosk.domain.tray_view import Candidate, SeenItem, TrayView

CATALOG = load_catalog()
WEIGHTS = WeightModel.from_catalog(CATALOG)
POLICY = DecisionPolicy()
ENGINE = DecisionEngine(CATALOG, WEIGHTS, POLICY)
BOLD = DecisionEngine(CATALOG, WEIGHTS, DecisionPolicy(auto_add_stacked=True))
PACKAGED = sorted(p.sku for p in CATALOG if not p.sold_by_weight)
EVERY = sorted(CATALOG.skus)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def seen_items(draw, skus=PACKAGED, max_items=7):
    n = draw(st.integers(0, max_items))
    items = []
    for k in range(n):
        sku = draw(st.sampled_from(skus))
        score = draw(st.floats(0.25, 0.99))
        alts = draw(
            st.lists(
                st.tuples(st.sampled_from([*EVERY, "not-in-catalog"]), st.floats(0.01, 1.0)),
                max_size=2,
            )
        )
        cands = [Candidate(sku, score)]
        cands += [Candidate(s, min(v, score)) for s, v in alts if s != sku]
        w, length, _ = CATALOG.get(sku).size_mm
        x, y = (k % 4) * 300.0, (k // 4) * 420.0
        box = (x, y, x + 2 * w, y + 2 * length)
        items.append(SeenItem(box, tuple(cands), draw(st.integers(1, 5))))
    return TrayView(tuple(items), (1200, 800), 5, 0.0)


def nominal(skus) -> float:
    return sum(CATALOG.get(s).weight_g for s in skus)


@st.composite
def trays(draw):
    view = draw(seen_items())
    seen = [item.best.sku for item in view.items]
    base = nominal(seen)
    weight = draw(
        st.one_of(
            st.floats(-100, 20_000, allow_nan=False).map(lambda g: Decimal(round(g))),
            st.floats(-60, 600).map(lambda d: Decimal(round(base + d))),
            st.just(Decimal(round(base))),
        )
    )
    known = draw(st.dictionaries(st.sampled_from(PACKAGED), st.integers(1, 2), max_size=2))
    # the weight steps as the tray filled: none known, the seen items one by one with
    # maybe a light item of any SKU among them, or any steps at all
    extra = draw(st.lists(st.sampled_from(PACKAGED), max_size=1))
    steps = draw(
        st.one_of(
            st.none(),
            st.permutations([nominal([s]) for s in seen + extra]).map(tuple),
            st.lists(st.floats(4.0, 3000.0), max_size=6).map(tuple),
        )
    )
    return view, weight, known, steps


def within_tolerance(counts, measured: Decimal) -> bool:
    expected = WEIGHTS.expected(counts)
    return abs(expected.z(float(max(measured, Decimal(0))))) <= POLICY.fit_z + 1e-9


@FAST
@given(trays())
def test_accepted_baskets_weigh_what_the_scale_says(case):
    view, weight, known, steps = case
    d = ENGINE.decide(view, weight, known, steps=steps)
    assert d.verdict in set(Verdict)
    json.dumps(d.explain())  # always loggable
    if d.verdict in (Verdict.CONFIRMED, Verdict.CORRECTED) and not d.weighed:
        assert within_tolerance(d.counts, weight), d.explain()
    for sku, n in known.items():  # what the shopper scanned is never taken off
        if d.verdict in (Verdict.CONFIRMED, Verdict.CORRECTED):
            assert d.counts.get(sku, 0) >= n


def _could_be_seen(view: TrayView, sku: str) -> int:
    """Boxes that may be `sku`: one of its candidates, or a look-alike of its top class."""
    n = 0
    for item in view.items:
        fam = {p.sku for p in CATALOG.family(item.best.sku)} if item.best.sku in CATALOG else set()
        if sku in {c.sku for c in item.candidates} | fam:
            n += 1
    return n


@FAST
@given(trays())
def test_a_correction_adds_nothing_unseen_by_default(case):
    view, weight, known, steps = case
    d = ENGINE.decide(view, weight, known, steps=steps)
    if d.verdict is Verdict.CORRECTED:
        for sku, n in d.counts.items():
            assert n <= max(_could_be_seen(view, sku), known.get(sku, 0)), d.explain()


@FAST
@given(trays())
def test_an_unseen_item_is_added_only_when_the_weight_demands_it(case):
    view, weight, known, steps = case
    d = BOLD.decide(view, weight, known, steps=steps)
    if d.verdict is Verdict.CORRECTED and d.chosen is not None and d.chosen.hidden:
        without = Counter(d.chosen.counts)
        without.subtract(Counter(d.chosen.hidden))
        assert not within_tolerance(+without, weight), d.explain()


@FAST
@given(st.lists(st.sampled_from(PACKAGED), min_size=1, max_size=8), st.integers(-1, 1))
def test_honest_confident_basket_is_confirmed(skus, wobble):
    items = []
    for k, sku in enumerate(skus):
        w, length, _ = CATALOG.get(sku).size_mm
        x, y = (k % 4) * 300.0, (k // 4) * 420.0
        items.append(SeenItem((x, y, x + 2 * w, y + 2 * length), (Candidate(sku, 0.95),), 5))
    view = TrayView(tuple(items), (1200, 800), 5, 0.0)
    weight = Decimal(2 * round(nominal(skus) / 2) + 2 * wobble)
    d = ENGINE.decide(view, weight)
    assert d.verdict is Verdict.CONFIRMED, d.explain()
    assert dict(d.counts) == dict(Counter(skus))


@FAST
@given(trays())
def test_decisions_are_deterministic(case):
    view, weight, known, steps = case
    a = ENGINE.decide(view, weight, known, steps=steps).explain()
    b = ENGINE.decide(view, weight, known, steps=steps).explain()
    assert a == b


# ---- the search against brute force ------------------------------------------------


@st.composite
def small_problems(draw):
    n = draw(st.integers(1, 3))
    boxes = []
    for i in range(n):
        plain = draw(st.sampled_from(PACKAGED))
        alts = [Edit(EditKind.DROP, i, None, draw(st.floats(0.1, 6)))]
        for sku in draw(st.lists(st.sampled_from(PACKAGED), max_size=2, unique=True)):
            if sku != plain:
                alts.append(Edit(EditKind.SWAP, i, sku, draw(st.floats(0, 6))))
        boxes.append(BoxChoices(plain, tuple(alts)))
    adds = []
    for sku in draw(st.lists(st.sampled_from(PACKAGED), max_size=3, unique=True)):
        c = draw(st.floats(1, 9))
        adds += [Edit(EditKind.ADD, None, sku, c, 1, (0,)), Edit(EditKind.ADD, None, sku, c + 1, 2)]
    known = draw(st.dictionaries(st.sampled_from(PACKAGED), st.integers(1, 2), max_size=1))
    weight = draw(st.floats(0, 3000))
    return boxes, adds, known, weight


def _valid(subset) -> bool:
    boxes = [e.box for e in subset if e.kind is not EditKind.ADD]
    if len(boxes) != len(set(boxes)):
        return False
    adds = Counter(e.sku for e in subset if e.kind is EditKind.ADD)
    copies = {(e.sku, e.copy) for e in subset if e.kind is EditKind.ADD}
    return all((sku, k) in copies for sku, n in adds.items() for k in range(1, n + 1))


@settings(max_examples=80, deadline=None)
@given(small_problems())
def test_best_first_search_finds_the_best_hypothesis(problem):
    boxes, adds, known, weight = problem
    result = search(boxes, adds, known, weight, WEIGHTS, max_edits=3, max_nodes=100_000)
    assert not result.exhausted
    edits = [e for b in boxes for e in b.alternatives] + adds
    brute = math.inf
    for k in range(4):
        for subset in itertools.combinations(edits, k):
            if not _valid(subset):
                continue
            counts = Counter()
            assignment = [b.plain_sku for b in boxes]
            for e in subset:
                if e.kind is EditKind.SWAP:
                    assignment[e.box] = e.sku
                elif e.kind is EditKind.DROP:
                    assignment[e.box] = None
            seen = Counter(s for s in assignment if s)
            for sku in set(seen) | set(known):
                counts[sku] = max(seen[sku], known.get(sku, 0))
            counts.update(Counter(e.sku for e in subset if e.kind is EditKind.ADD))
            cost = sum(e.cost for e in subset) + WEIGHTS.expected(counts).nll(weight)
            brute = min(brute, cost)
    found = min(h.cost for h in result.top)
    assert math.isclose(found, brute, rel_tol=1e-9, abs_tol=1e-9)
