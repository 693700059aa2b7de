"""The checkout decision: one still tray seen by the camera and weighed by the scale.

    decide(view, weight, known items) -> Decision
        CONFIRMED  the plain reading fits the weight and clearly beats every alternative
        CORRECTED  a nearby hypothesis (another candidate class, a false detection
                   dropped, a box the camera half-saw taken for the item it names)
                   explains image and weight, and wins by `correct_margin`
        ASK        a concrete request tied to boxes on the image
        STAFF      with the reason

Costs are negative log probabilities (see `hypotheses`). "Clearly beats" is posterior
odds over the hypotheses searched: the chosen receipt against all other receipts
together, so fifty faintly possible hidden items add up instead of each one alone
looking negligible.

Age-restricted items do not change the verdict: the checkout state machine sends
every basket holding one to an age check by staff, with the right reason. The
Decision lists them so the screen and the log can say so.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType

from kiosk.domain.basket import Basket, LineSource
from kiosk.domain.catalog import Catalog
from kiosk.domain.checkout import TrayOutcome, Verdict
from kiosk.domain.decision.hypotheses import (
    BoxChoices,
    Edit,
    EditKind,
    Hypothesis,
    ReceiptKey,
    SearchResult,
    receipt_key,
    search,
)
from kiosk.domain.decision.produce import loose_weight, split_tray
from kiosk.domain.decision.requests import (
    STAFF_TEXT,
    Named,
    Request,
    RequestKind,
    StaffReason,
)
from kiosk.domain.decision.weight_model import ItemWeight, WeightModel
from kiosk.domain.decision.weight_steps import step_fit, unexplained_steps
from kiosk.domain.tray_view import SeenItem, TrayView

_MIN_SCORE = 1e-4


@dataclass(frozen=True, slots=True)
class DecisionPolicy:
    """Thresholds of the decision, each with the reason for its value."""

    # A reading within this many standard deviations of a hypothesis "fits" it. 3.5
    # sigma: an honest basket falls outside 1 time in 2000 from weight alone.
    fit_z: float = 3.5
    # Posterior odds (log) the plain reading needs over everything else to be
    # confirmed without a question: log 9 -> at least 90 %. Lower means fewer
    # questions to honest shoppers and more wrong receipts.
    confirm_margin: float = math.log(9.0)
    # A correction needs two things: the weight must clearly demand leaving the plain
    # reading (odds of the corrected receipt over the plain one, log 199 -> 99.5 %),
    # and the corrected receipt must be as sure as a confirmation would be
    # (`correct_margin`, its odds over everything else). The look-alike doubt that a
    # correction leaves untouched is then judged like the same doubt in a plain basket.
    demand_margin: float = math.log(199.0)
    correct_margin: float = math.log(19.0)
    # A correction is the weight's reading of the tray, and an item the camera missed
    # can explain the same weight (a 500 ml beer read as 330 ml, or the 330 ml one and
    # an unseen 165 g sandwich). So a correction is automatic only if it also wins when
    # items go unseen as often as the detector misses them among this many boxes. Per
    # box seen, it belongs to the model (`calibrated`; `kiosk eval --fusion` measures
    # it on a scene set); the default is tray-detector/3's on 1,500 validation scenes
    # (210 items missed beside 7,709 boxes). The confirmation keeps `hidden_prior`: the
    # camera backs the plain reading, and a higher prior there only trades honest
    # baskets asked for wrong receipts accepted.
    missed_per_box: float = 0.027
    # Prior that a hidden item lies on the tray unseen: about 1 basket in 50. Its
    # cost is shared among the SKUs that could hide under some box.
    hidden_prior: float = 0.02
    hidden_repeat_cost: float = math.log(5.0)  # a second hidden copy of the same SKU
    # An item that explains a weight step no item the camera saw explains (the scale saw
    # it put down: `weight_steps`) costs this plus its fit to the step (z^2/2) instead
    # of its share of `hidden_prior` (about log 1,500): odds of 1 to 2 that it lies
    # unseen. The final weight still has to agree, and decides. On 2,500 validation
    # scenes of tray-detector/11 (val-s2, `kiosk eval --fusion`, items put down together
    # 3 times in 10): log 2 and 0 gave the same receipts (23 wrong against 40 without the
    # steps); log 5 let 4 more through.
    step_hidden_cost: float = math.log(2.0)
    # A step is explained when up to this many seen items, put down together, make it.
    # 3 on val-s2: the same receipts as 2, and one honest basket of 2,152 fewer asked.
    step_group: int = 3
    # Same SKU as the box it hides under (two chocolate bars stacked): more likely.
    stacked_bonus: float = math.log(4.0)
    # Calibration of the detector's scores (fitted on validation scenes, never on the
    # test set): a swap to a candidate costs sharpness x log(score ratio). Sigmoid class
    # scores are not probabilities; a detector whose second choice is rarely right
    # earns a sharpness above 1. It belongs to the model: a release's profile may bring
    # its own (`calibrated`), chosen on validation scenes with `kiosk eval --fusion
    # --scene-dir VAL --vision-sharpness S`. 1.5, fitted on the simulated detector
    # (fusion eval, seed 101, 2000 scenes), is the default for profiles without one;
    # on 1,500 validation scenes of tray-detector/3 it sits between 1.0 (the likelihood
    # fit of its scores: twice the honest baskets asked) and 2.0 (30 % fewer asked, one
    # more wrong receipt): a trade, not a free gain.
    vision_sharpness: float = 1.5
    # A look-alike of the top class that the detector did not list gets this score.
    # (The vision pipeline lists candidates down to 0.01, so an unlisted one is below.)
    lookalike_floor: float = 0.005
    # A doubtful box (the camera half-saw it: under the detector's operating threshold,
    # above its doubt threshold, `TrayView.doubtful`) is read as an item at this cost.
    # On 1,500 validation scenes of tray-detector/6 with doubtful boxes from 0.25
    # (`kiosk eval --fusion --scene-dir`), 2.0 (odds 1 in 7) turned 6 of 29 wrong
    # receipts into questions or right corrections and asked no more honest baskets;
    # 1.5 asked one more, 2.5 left one more wrong; from 0.1 at 1.0 one correction was
    # wrong. About one in four doubtful boxes there was an item the camera missed.
    doubt_cost: float = 2.0
    # A box whose class is already known (scanned, picked) is more likely that class.
    known_boost: float = math.log(20.0)
    # Cost of calling a box a false detection at score 0.5 seen in every frame;
    # falls with the score (logit) and with the share of frames that saw it.
    drop_base: float = 3.0
    min_drop_cost: float = 0.2
    # Corrections that drop a box are automatic only for weak boxes; a confident box
    # that the weight disowns is more likely an item resting off the scale.
    auto_drop_max_score: float = 0.6
    # A box lying almost wholly on a box of the same class (this share of the smaller
    # one) is as likely the detector boxing one item twice as a second item stacked on
    # the first (validation scenes, tray-detector/3: 8 of 11 such pairs were one item).
    # Dropping either costs `split_drop_cost`, so the weight decides, and where it
    # cannot (loose produce on the tray) the shopper is asked about that box.
    split_overlap: float = 0.8
    split_drop_cost: float = 0.0
    # Corrections may add a hidden item of the same SKU as the box it lies under.
    # Off by default: the shopper is asked to move the items apart instead.
    auto_add_stacked: bool = False
    # A hidden item is at most this much larger than the box hiding it (perspective,
    # box tightness).
    hide_slack: float = 1.15
    # Far outside every hypothesis: staff, not a question.
    far_z: float = 25.0
    far_g: float = 250.0
    max_shopper_attempts: int = 2
    max_edits: int = 3
    max_hidden: int = 2
    max_nodes: int = 4000
    stop_gap: float = 9.0
    # Alternatives this close to the best (log odds) are named in a request; fainter
    # ones would bury the real question under every look-alike on the tray.
    ask_window: float = math.log(20.0)

    def calibrated(
        self, vision_sharpness: float | None = None, missed_per_box: float | None = None
    ) -> DecisionPolicy:
        """This policy with the serving model's own calibration, where it brings one."""
        changes: dict[str, float] = {}
        if vision_sharpness is not None:
            if not (math.isfinite(vision_sharpness) and vision_sharpness > 0):
                raise ValueError(f"vision_sharpness must be > 0, got {vision_sharpness}")
            changes["vision_sharpness"] = float(vision_sharpness)
        if missed_per_box is not None:
            if not (math.isfinite(missed_per_box) and 0 <= missed_per_box < 1):
                raise ValueError(f"missed_per_box must be in [0, 1), got {missed_per_box}")
            changes["missed_per_box"] = float(missed_per_box)
        return replace(self, **changes) if changes else self


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    reason: str  # machine-readable: plain_fits, corrected, ambiguous, no_fit, ...
    counts: Mapping[str, int]  # packaged items on the tray, known items included
    weighed: tuple[tuple[str, Decimal], ...] = ()
    requests: tuple[Request, ...] = ()
    staff_reason: StaffReason | None = None
    measured_g: Decimal | None = None
    plain: Hypothesis | None = None
    chosen: Hypothesis | None = None
    considered: tuple[Hypothesis, ...] = ()
    posterior: float | None = None  # of the chosen receipt, over the receipts searched
    nodes: int = 0
    exhausted: bool = False
    age_restricted: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    # doubtful boxes (`TrayView.seen` index) a correction took for items, with the SKU
    half_seen: tuple[tuple[int, str], ...] = ()

    @property
    def hard_case(self) -> bool:
        return self.verdict is not Verdict.CONFIRMED

    def message(self, language: str = "en") -> str:
        zh = language.startswith("zh")
        if self.verdict is Verdict.STAFF and self.staff_reason is not None:
            return STAFF_TEXT[self.staff_reason][1 if zh else 0]
        return (" " if not zh else "").join(r.text(language) for r in self.requests)

    def to_outcome(self, language: str = "en") -> TrayOutcome:
        return TrayOutcome(
            verdict=self.verdict,
            counts=MappingProxyType(dict(self.counts)),
            weighed=self.weighed,
            message=self.message(language),
            hard_case=self.hard_case,
        )

    def explain(self) -> dict:
        """Structured and JSON-ready: for the log and the hard-case record."""
        return {
            "verdict": self.verdict.value,
            "reason": self.reason,
            "staff_reason": self.staff_reason.value if self.staff_reason else None,
            "measured_g": None if self.measured_g is None else str(self.measured_g),
            "counts": dict(sorted(self.counts.items())),
            "weighed": [[s, str(g)] for s, g in self.weighed],
            "requests": [r.to_dict() for r in self.requests],
            "posterior": None if self.posterior is None else round(self.posterior, 5),
            "plain": self.plain.to_dict() if self.plain else None,
            "chosen": self.chosen.to_dict() if self.chosen else None,
            "considered": [h.to_dict() for h in self.considered],
            "nodes": self.nodes,
            "exhausted": self.exhausted,
            "age_restricted": list(self.age_restricted),
            "notes": list(self.notes),
            "half_seen": [list(t) for t in self.half_seen],
        }


def known_items(basket: Basket) -> dict[str, int]:
    """What the shopper asserted (barcode, manual pick): on the tray, weight counts."""
    return dict(basket.counts((LineSource.BARCODE, LineSource.MANUAL)))


class DecisionEngine:
    def __init__(
        self, catalog: Catalog, weights: WeightModel, policy: DecisionPolicy | None = None
    ) -> None:
        self.catalog = catalog
        self.weights = weights
        self.policy = policy or DecisionPolicy()
        self._loose = frozenset(p.sku for p in catalog if p.sold_by_weight)

    # ---- public ----

    def decide(
        self,
        view: TrayView,
        weight_g: Decimal | float | int | None,
        known: Mapping[str, int] | None = None,
        attempt: int = 0,
        steps: Sequence[float] | None = None,
    ) -> Decision:
        """`attempt`: how many times the shopper was already asked about this tray.
        `steps`: the weight the tray gained at each stable reading as it filled
        (`weight_steps.steps_from_readings`); None when not known."""
        d = self._decide(view, weight_g, dict(known or {}), steps)
        if d.verdict is Verdict.ASK and attempt >= self.policy.max_shopper_attempts:
            d = _replace(d, verdict=Verdict.STAFF, staff_reason=StaffReason.UNRESOLVED)
        ages = tuple(
            sorted(s for s in d.counts if s in self.catalog and self.catalog.get(s).age_restricted)
        )
        return _replace(d, age_restricted=ages)

    # ---- the steps ----

    def _decide(
        self,
        view: TrayView,
        weight: Decimal | float | int | None,
        known: dict[str, int],
        steps: Sequence[float] | None = None,
    ) -> Decision:
        p = self.policy
        known = {s: n for s, n in known.items() if n > 0}
        plain_counts = self._plain_counts(view, known)
        if weight is None:
            return self._staff(StaffReason.SCALE_OFFLINE, "no_weight", plain_counts)
        try:
            measured = Decimal(weight) if not isinstance(weight, float) else Decimal(repr(weight))
        except (ArithmeticError, ValueError, TypeError):
            return self._staff(StaffReason.SCALE_FAULT, "unreadable_weight", plain_counts)
        scale = self.weights.scale
        if not measured.is_finite() or measured > Decimal(repr(scale.capacity_g)):
            return self._staff(StaffReason.SCALE_FAULT, "over_capacity", plain_counts, measured)
        if measured < -Decimal(repr(scale.empty_tolerance_g)):
            return self._staff(StaffReason.SCALE_FAULT, "below_zero", plain_counts, measured)
        w = max(float(measured), 0.0)

        missing = sorted(s for s in known if self.weights.item(s) is None)
        boxes: list[BoxChoices] = []
        unknown: list[int] = []
        ignored: list[int] = []
        for i, item in enumerate(view.items):
            # edits name a box by its place among the boxes searched, not in the view
            choice = self._box_choices(len(boxes), item, view, known)
            if choice is None:
                if any(c.sku in self.catalog for c in item.candidates):
                    missing.extend(c.sku for c in item.candidates if c.sku in self.catalog)
                elif item.candidates and _score(item.candidates[0].score) > p.auto_drop_max_score:
                    unknown.append(i)
                else:
                    ignored.append(i)  # weak box of no product we sell: noise
                continue
            boxes.append(choice)
        box_index = [i for i in range(len(view.items)) if i not in unknown and i not in ignored]
        if missing:
            return self._staff(
                StaffReason.NO_ITEM_WEIGHT,
                "no_item_weight",
                plain_counts,
                measured,
                notes=tuple(f"no weight for {s}" for s in sorted(set(missing))),
            )
        if unknown:
            req = Request(
                RequestKind.SCAN,
                tuple(unknown),
                tuple(view.items[i].box for i in unknown),
            )
            return Decision(Verdict.ASK, "unknown_item", plain_counts, (), (req,), None, measured)

        empty_scale = w <= scale.empty_tolerance_g
        if not boxes and not known:
            if empty_scale:
                return Decision(Verdict.CONFIRMED, "empty_tray", {}, measured_g=measured)
            req = Request(RequestKind.BRING_INTO_VIEW, grams=w)
            return Decision(Verdict.ASK, "weight_without_items", {}, (), (req,), None, measured)
        if empty_scale and not known:
            return self._seen_not_weighed(view, box_index, boxes, plain_counts, measured)

        # Items can hide only under boxes the camera is sure of; doubtful boxes join the
        # search after them, each read as nothing unless an edit makes it an item.
        sure_index, sure_boxes = list(box_index), list(boxes)
        stepped, hidden_stepped = self._stepped_skus(steps, sure_boxes, known, view.doubtful)
        for j, item in enumerate(view.doubtful):
            choice = self._doubtful_choices(len(boxes), item, stepped)
            if choice is not None:
                boxes.append(choice)
                box_index.append(len(view.items) + j)

        def searched(hidden_prior: float) -> SearchResult:
            return search(
                boxes,
                self._hidden_additions(view, sure_index, sure_boxes, hidden_prior, hidden_stepped),
                known,
                w,
                self.weights,
                sold_by_weight=self._loose,
                max_edits=p.max_edits,
                max_nodes=p.max_nodes,
                stop_gap=p.stop_gap,
            )

        result = searched(p.hidden_prior)
        d = self._verdict(view, box_index, result, measured, w, known, searched)
        if stepped:
            note = "a weight step no item seen explains: " + ", ".join(sorted(stepped))
            d = _replace(d, notes=(*d.notes, note))
        return d

    def _stepped_skus(
        self,
        steps: Sequence[float] | None,
        boxes: list[BoxChoices],
        known: Mapping[str, int],
        doubtful: Sequence[SeenItem] = (),
    ) -> tuple[dict[str, float], dict[str, float]]:
        """The SKUs that, put down alone or beside a seen item, make a weight step that
        none of the items the camera saw (or the shopper scanned) makes, each with how
        well it makes it (z^2/2 of the best fit: a 19 g step is a lighter more than a
        24 g pack of cigarettes). Twice: for reading a half-seen box, every such step;
        for an item hidden, only the steps a half-seen box's best class does not make
        (the camera half-saw what was put down: no need of another item unseen)."""
        if not steps or len(steps) < 2:
            return {}, {}  # all put down at once: the final weight says as much
        skus = [b.plain_sku for b in boxes]
        for sku, n in known.items():
            skus += [sku] * max(n - skus.count(sku), 0)
        seen = [self._spread(s) for s in skus if self.weights.item(s) is not None]
        scale, fit = self.weights.scale, self.policy.fit_z
        odd = unexplained_steps(steps, seen, scale, fit, self.policy.step_group)
        if not odd:
            return {}, {}
        half = {c.sku for item in doubtful for c in item.candidates[:1] if self._usable(c.sku)}
        unseen = [
            st for st in odd if all(step_fit(st, self._spread(h), seen, scale) > fit for h in half)
        ]

        def fits(on: Sequence[float]) -> dict[str, float]:
            out = {}
            for product in self.catalog:
                if product.sold_by_weight or not self._usable(product.sku) or not on:
                    continue
                w = self._spread(product.sku)
                z = min(step_fit(st, w, seen, scale) for st in on)
                if z <= fit:
                    out[product.sku] = 0.5 * z * z
            return out

        return fits(odd), fits(unseen)

    def _spread(self, sku: str) -> ItemWeight:
        w = self.weights.item(sku)
        assert w is not None
        return ItemWeight(w.mean_g, self.weights.item_sd(sku))

    def _verdict(
        self,
        view: TrayView,
        box_index: list[int],
        result: SearchResult,
        measured: Decimal,
        w: float,
        known: Mapping[str, int],
        searched: Callable[[float], SearchResult],
    ) -> Decision:
        p = self.policy
        best = result.outcomes[0]
        chosen = best.best
        plain = result.plain
        others = [o.cost - best.cost for o in result.outcomes[1:]]
        rest = math.fsum(math.exp(-d) for d in others)  # may underflow to 0: then sure
        odds = -math.log(rest) if rest > 0 else math.inf
        posterior = 1.0 / (1.0 + rest)
        plain_key = receipt_key(plain.counts, self._loose)
        common = {
            "measured_g": measured,
            "plain": plain,
            "considered": result.top,
            "nodes": result.nodes,
            "exhausted": result.exhausted,
        }

        def ask(reason: str, requests: tuple[Request, ...], h: Hypothesis) -> Decision:
            return Decision(
                Verdict.ASK,
                reason,
                self._packaged(plain.counts),
                (),
                requests,
                chosen=h,
                posterior=posterior,
                **common,
            )

        if abs(chosen.z) > p.fit_z:
            off = w - chosen.expected.mean_g
            if abs(off) > max(p.far_g, p.far_z * chosen.expected.sd_g):
                d = self._staff(StaffReason.WEIGHT_FAR_OFF, "far_off", plain.counts, measured)
                return _replace(d, chosen=chosen, considered=result.top, plain=plain)
            return ask("no_fit", self._no_fit_requests(view, box_index, off), chosen)

        if best.key == plain_key:
            if odds >= p.confirm_margin:
                return self._accept(Verdict.CONFIRMED, "plain_fits", chosen, posterior, common, w)
            return ask("ambiguous", self._difference_requests(view, box_index, result), chosen)

        auto = self._auto_correctable(chosen, view, box_index, known)
        plain_cost = next(o.cost for o in result.outcomes if o.key == plain_key)
        demanded = plain_cost - best.cost >= p.demand_margin
        sure = odds >= p.correct_margin and demanded and not result.exhausted
        # the second search runs only for a correction about to be accepted (a few in 100)
        seen = sum(i < len(view.items) for i in box_index)
        if sure and auto and self._holds_with_unseen_items(best.key, seen, searched):
            half_seen = []
            for e in chosen.edits:
                i = box_index[e.box] if e.box is not None else -1
                if e.kind is EditKind.SWAP and e.sku and i >= len(view.items):
                    half_seen.append((i, e.sku))
            common["half_seen"] = tuple(half_seen)
            return self._accept(Verdict.CORRECTED, "corrected", chosen, posterior, common, w)
        why = "unsure_correction" if auto else "correction_needs_shopper"
        return ask(why, self._difference_requests(view, box_index, result), chosen)

    def _holds_with_unseen_items(
        self, key: ReceiptKey, boxes: int, searched: Callable[[float], SearchResult]
    ) -> bool:
        """The corrected receipt still wins by `correct_margin` when items go unseen at
        `missed_per_box` (see the policy)."""
        p = self.policy
        prior = 1.0 - (1.0 - p.missed_per_box) ** boxes
        if prior <= p.hidden_prior:
            return True
        again = searched(min(prior, 0.5))
        top = again.outcomes[0]
        if top.key != key or again.exhausted:
            return False
        rest = math.fsum(math.exp(top.cost - o.cost) for o in again.outcomes[1:])
        return rest == 0 or -math.log(rest) >= p.correct_margin

    def _accept(
        self,
        verdict: Verdict,
        reason: str,
        h: Hypothesis,
        posterior: float,
        common: dict,
        w: float,
    ) -> Decision:
        split = split_tray(h.counts, self.catalog)
        weighed: tuple[tuple[str, Decimal], ...] = ()
        if len(split.loose) > 1:
            names = tuple(self._named(s) for s in split.loose)
            req = Request(RequestKind.WEIGH_SEPARATELY, skus=names)
            return Decision(
                Verdict.ASK, "two_loose", split.packaged, (), (req,), chosen=h, **common
            )
        if split.loose:
            (sku,) = split.loose
            grams = loose_weight(common["measured_g"], split.packaged, self.weights)
            if grams <= 0:
                req = Request(RequestKind.SPREAD_OUT, grams=float(grams))
                return Decision(
                    Verdict.ASK,
                    "loose_without_weight",
                    split.packaged,
                    (),
                    (req,),
                    chosen=h,
                    **common,
                )
            weighed = ((sku, grams),)
        return Decision(
            verdict, reason, split.packaged, weighed, chosen=h, posterior=posterior, **common
        )

    # ---- building the search ----

    def _usable(self, sku: str) -> bool:
        return sku in self.catalog and self.weights.item(sku) is not None

    def _usable_scores(self, item: SeenItem) -> dict[str, float]:
        """The box's candidates we can weigh, best first, each SKU once, scores clamped."""
        cands: dict[str, float] = {}
        for c in item.candidates:
            if self._usable(c.sku) and c.sku not in cands and math.isfinite(c.score):
                cands[c.sku] = _score(c.score)
        return cands

    def _box_choices(
        self, k: int, item: SeenItem, view: TrayView, known: Mapping[str, int]
    ) -> BoxChoices | None:
        """Box `item`'s alternatives; `k` is its place among the boxes searched."""
        p = self.policy
        cands = self._usable_scores(item)
        if not cands:
            return None
        top_sku, top = next(iter(cands.items()))
        floor = min(min(cands.values()), p.lookalike_floor)
        for look in self.catalog.family(top_sku):
            if look.sku not in cands and self._usable(look.sku):
                cands[look.sku] = floor
        alts = []
        for sku, s in cands.items():
            if sku == top_sku:
                continue
            cost = p.vision_sharpness * math.log(top / s)
            if sku in known:
                cost -= p.known_boost
            alts.append(Edit(EditKind.SWAP, k, sku, max(cost, 0.0)))
        votes = item.votes / view.frames if view.frames > 0 else 1.0
        votes = min(max(votes, 0.05), 1.0)
        drop = max(p.drop_base + math.log(top / (1.0 - top)) + math.log(votes), p.min_drop_cost)
        if self._boxed_twice(item, top_sku, view):
            drop = min(drop, p.split_drop_cost)
        alts.append(Edit(EditKind.DROP, k, None, drop))
        return BoxChoices(top_sku, tuple(alts), self._pieces(item))

    def _doubtful_choices(
        self, k: int, item: SeenItem, stepped: Mapping[str, float] | None = None
    ) -> BoxChoices | None:
        """A doubtful box: nothing in the plain reading; each listed class it may be, at
        `doubt_cost` plus its distance from the box's best class. A class the weight
        steps ask for (`stepped`) costs its fit to the step instead of `doubt_cost`: the
        camera half-saw what the scale saw put down, a better reading than one hidden."""
        p = self.policy
        stepped = stepped or {}
        cands = self._usable_scores(item)
        if not cands:
            return None
        top = next(iter(cands.values()))
        alts = tuple(
            Edit(
                EditKind.SWAP,
                k,
                sku,
                stepped.get(sku, p.doubt_cost) + p.vision_sharpness * math.log(top / s),
            )
            for sku, s in cands.items()
        )
        return BoxChoices(None, alts, self._pieces(item))

    def _pieces(self, item: SeenItem) -> dict[str, ItemWeight]:
        """The box's own weight for each produce SKU whose size the camera measured."""
        pieces = {}
        for sku, scale in item.sizes:
            w = self.weights.piece(sku, scale) if self._usable(sku) else None
            if w is not None:
                pieces[sku] = w
        return pieces

    def _boxed_twice(self, item: SeenItem, sku: str, view: TrayView) -> bool:
        """Another box of the same class covers nearly all of this one, or it of it."""
        for other in view.items:
            if other is item:
                continue
            first = next((c.sku for c in other.candidates if self._usable(c.sku)), None)
            if first == sku and _covered(item.box, other.box) >= self.policy.split_overlap:
                return True
        return False

    def _hidden_additions(
        self,
        view: TrayView,
        box_index: list[int],
        boxes: list[BoxChoices],
        hidden_prior: float,
        stepped: Mapping[str, float] | None = None,
    ) -> list[Edit]:
        """Items that could lie unseen under a box (or under two overlapping boxes)."""
        p = self.policy
        if not boxes or p.max_hidden <= 0:
            return []
        px_per_mm = self._px_per_mm(view, box_index, boxes)
        if px_per_mm is None:
            return []
        covers: list[tuple[tuple[int, ...], tuple[float, float]]] = []
        for k, i in enumerate(box_index):
            covers.append(((k,), _dims(view.items[i].box)))
            for k2 in range(k + 1, len(box_index)):
                a, b = view.items[i].box, view.items[box_index[k2]].box
                if _overlap(a, b):
                    covers.append(((k, k2), _dims(_union(a, b))))
        plausible: dict[str, tuple[int, ...]] = {}
        for product in self.catalog:
            if product.sold_by_weight or not self._usable(product.sku):
                continue
            small, large = sorted(product.size_mm[:2])
            under: set[int] = set()
            for ks, (bs, bl) in covers:
                if (
                    small * px_per_mm <= bs * p.hide_slack
                    and large * px_per_mm <= bl * p.hide_slack
                ):
                    under.update(ks)
            if under:
                plausible[product.sku] = tuple(sorted(under))
        if not plausible:
            return []
        base = -math.log(hidden_prior) + math.log(len(plausible))
        edits = []
        for sku, under in plausible.items():
            cost = base
            if any(boxes[k].plain_sku == sku for k in under):
                cost = max(cost - p.stacked_bonus, 0.0)
            if stepped and sku in stepped:  # the scale saw it put down
                cost = min(cost, p.step_hidden_cost + stepped[sku])
            for copy in range(1, p.max_hidden + 1):
                extra = (copy - 1) * p.hidden_repeat_cost
                edits.append(Edit(EditKind.ADD, None, sku, cost + extra, copy, under))
        return edits

    def _px_per_mm(
        self, view: TrayView, box_index: list[int], boxes: list[BoxChoices]
    ) -> float | None:
        ratios = []
        for k, i in enumerate(box_index):
            w, h = _dims(view.items[i].box)
            size = self.catalog.get(boxes[k].plain_sku).size_mm
            if w > 0 and h > 0:
                ratios.append(math.sqrt((w * h) / (size[0] * size[1])))
        return statistics.median(ratios) if ratios else None

    # ---- requests ----

    def _auto_correctable(
        self, h: Hypothesis, view: TrayView, box_index: list[int], known: Mapping[str, int]
    ) -> bool:
        p = self.policy
        for e in h.edits:
            if e.kind is EditKind.SWAP:
                # A class the camera did not even list is the weight's guess alone, and
                # the catalog's look-alike families are not every pair a camera confuses
                # (a 500 ml can read as 330 ml: the scale says 175 g too much, and a
                # spring water "corrected" to the 170 g lighter bottle fits as well).
                # A person picks; what the shopper scanned or picked is listed enough.
                item = view.seen(box_index[e.box])  # type: ignore[index]
                listed = {c.sku for c in item.candidates}
                if e.sku not in listed and e.sku not in known:
                    return False
            elif e.kind is EditKind.DROP:
                item = view.items[box_index[e.box]]  # type: ignore[index]
                if _score(item.candidates[0].score) > p.auto_drop_max_score:
                    return False
            elif e.kind is EditKind.ADD:
                stacked = any(h.assignment[k] == e.sku for k in e.under)
                if not (p.auto_add_stacked and stacked):
                    return False
        return True

    def _difference_requests(
        self, view: TrayView, box_index: list[int], result: SearchResult
    ) -> tuple[Request, ...]:
        """What separates the plain reading from the close alternatives, box by box."""
        p = self.policy
        best = result.outcomes[0]
        plain = result.plain
        # The alternatives worth a question: the chosen one when it is not the plain
        # reading, and every receipt within `ask_window` of the best.
        close = [o.best for o in result.outcomes if o.cost - best.cost <= p.ask_window][:4]
        if plain not in close:
            close.append(plain)
        options: dict[int, list[str | None]] = {}
        hidden_under: set[int] = set()
        grams = []
        for h in close:
            for k, sku in enumerate(h.assignment):
                opts = options.setdefault(k, [plain.assignment[k]])
                if sku not in opts:
                    opts.append(sku)
            for e in h.edits:
                if e.kind is EditKind.ADD:
                    hidden_under.update(e.under)
                    grams.append(self.weights.item(e.sku).mean_g)  # type: ignore[arg-type, union-attr]
        requests: list[Request] = []
        for k, opts in sorted(options.items()):
            if len(opts) < 2:
                continue
            i = box_index[k]
            box = view.seen(i).box
            skus = [s for s in opts if s is not None]
            if i >= len(view.items):  # a doubtful box: shown clearly, the camera will tell
                named = tuple(self._named(s) for s in skus)
                requests.append(Request(RequestKind.SHOW_ITEM, (i,), (box,), named))
                continue
            if None in opts:
                requests.append(Request(RequestKind.CHECK_ITEM, (i,), (box,)))
            if len(skus) >= 2:
                named = tuple(self._named(s) for s in skus)
                requests.append(Request(RequestKind.CHOOSE, (i,), (box,), named))
        if hidden_under:
            idx = tuple(box_index[k] for k in sorted(hidden_under))
            requests.append(
                Request(
                    RequestKind.SEPARATE,
                    idx,
                    tuple(view.items[i].box for i in idx),
                    grams=min(grams) if grams else None,
                )
            )
        if not requests:
            requests.append(Request(RequestKind.SPREAD_OUT))
        return tuple(requests)

    def _no_fit_requests(
        self, view: TrayView, box_index: list[int], off_g: float
    ) -> tuple[Request, ...]:
        if off_g > 0:
            overlapping = sorted(
                {
                    i
                    for a in box_index
                    for i in box_index
                    if i != a and _overlap(view.seen(a).box, view.seen(i).box)
                }
            )
            boxes = tuple(overlapping)
            return (
                Request(
                    RequestKind.SPREAD_OUT,
                    boxes,
                    tuple(view.seen(i).box for i in boxes),
                    grams=off_g,
                ),
            )
        # too light: only the boxes of the reading can be what is not there
        box_index = [i for i in box_index if i < len(view.items)]
        weak = tuple(
            i
            for i in box_index
            if _score(view.items[i].candidates[0].score) <= self.policy.auto_drop_max_score
        )
        if weak:
            return (Request(RequestKind.CHECK_ITEM, weak, tuple(view.items[i].box for i in weak)),)
        boxes = tuple(box_index)
        return (
            Request(
                RequestKind.PLACE_ON_TRAY,
                boxes,
                tuple(view.items[i].box for i in boxes),
                grams=off_g,
            ),
        )

    def _seen_not_weighed(
        self,
        view: TrayView,
        box_index: list[int],
        boxes: list[BoxChoices],
        plain_counts: Mapping[str, int],
        measured: Decimal,
    ) -> Decision:
        """Boxes on an empty scale: ghosts if all are weak, else items not resting on it."""
        p = self.policy
        scores = [_score(view.items[i].candidates[0].score) for i in box_index]
        if all(s <= p.auto_drop_max_score for s in scores):
            return Decision(
                Verdict.CORRECTED,
                "ghost_detections",
                {},
                measured_g=measured,
                notes=tuple(f"box {i} dropped: nothing on the scale" for i in box_index),
            )
        idx = tuple(box_index)
        req = Request(RequestKind.PLACE_ON_TRAY, idx, tuple(view.items[i].box for i in idx))
        return Decision(
            Verdict.ASK, "items_without_weight", plain_counts, (), (req,), None, measured
        )

    # ---- small helpers ----

    def _named(self, sku: str) -> Named:
        prod = self.catalog.get(sku)
        return Named(sku, prod.name_en, prod.name_zh)

    def _plain_counts(self, view: TrayView, known: Mapping[str, int]) -> dict[str, int]:
        seen: Counter[str] = Counter()
        for item in view.items:
            for c in item.candidates:
                if c.sku in self.catalog:
                    seen[c.sku] += 1
                    break
        counts = {s: max(seen[s], known.get(s, 0)) for s in set(seen) | set(known)}
        return self._packaged(counts)

    def _packaged(self, counts: Mapping[str, int]) -> dict[str, int]:
        return dict(sorted((s, n) for s, n in counts.items() if n > 0 and s not in self._loose))

    def _staff(
        self,
        reason: StaffReason,
        code: str,
        counts: Mapping[str, int],
        measured: Decimal | None = None,
        notes: tuple[str, ...] = (),
    ) -> Decision:
        return Decision(
            Verdict.STAFF,
            code,
            self._packaged(counts),
            staff_reason=reason,
            measured_g=measured,
            notes=notes,
        )


def _replace(d: Decision, **changes) -> Decision:
    return replace(d, **changes)


def _score(s: float) -> float:
    return min(max(float(s), _MIN_SCORE), 1.0 - _MIN_SCORE)


def _dims(box: tuple[float, float, float, float]) -> tuple[float, float]:
    w, h = abs(box[2] - box[0]), abs(box[3] - box[1])
    return (min(w, h), max(w, h))


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _covered(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Share of the smaller of two boxes that lies inside the other."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min(_area(a), _area(b))
    return w * h / smaller if w > 0 and h > 0 and smaller > 0 else 0.0


def _area(box: tuple[float, ...]) -> float:
    return abs(box[2] - box[0]) * abs(box[3] - box[1])


def _union(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float, float]:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
