"""Hard cases (for headquarters' review and future training) and the check at payment.

Every checkout decision that was not a plain confirmation (corrected, asked, staff
needed) is a hard case, and so is a confirmation that staff changed afterwards
(`raised_by` says who did what: `kiosk.domain.checkout.FileHardCase`): the tray
picture cropped to the tray (the camera may also see the shopper; faces must not
leave the kiosk), the boxes the camera saw and half-saw with their candidates, the
weight, the decision with the hypotheses it weighed. The sale it belongs to (sale id)
holds the final basket. `case_record` builds the record the kiosk stores with the
sale and sends to headquarters, whose review page (`hq.review`) reads it; storing and
sending it is the store's and sync's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kiosk.domain.decision.engine import Decision
from kiosk.domain.decision.weight_model import WeightModel
from kiosk.domain.tray_view import SeenItem, TrayView

Region = tuple[int, int, int, int]  # x1, y1, x2, y2 in frame pixels


def tray_pixels(frame_size: tuple[int, int], region: tuple[float, ...]) -> Region:
    """The tray's region in a frame's pixels, from its fractions of the frame."""
    w, h = frame_size
    x1, y1, x2, y2 = region
    return (round(x1 * w), round(y1 * h), round(x2 * w), round(y2 * h))


def case_record(
    decision: Decision,
    view: TrayView,
    tray_region: Region,
    weight_g: Decimal | float | None,
    model_version: str,
    raised_by: str = "",
    steps: tuple[float, ...] | None = None,
) -> dict[str, Any]:
    """The hard case as JSON-ready data: boxes in the tray picture's pixels; the boxes
    the camera half-saw apart (`doubtful`), numbered after the sure ones as the
    decision's `half_seen` numbers them; `raised_by` a staff change that made a plain
    confirmation a case ("" when the decision itself was one); `steps` the weight the
    tray gained at each stable reading as it filled, as the decision read them."""
    x0, y0 = tray_region[0], tray_region[1]

    def boxes(items: Iterable[SeenItem]) -> list[dict[str, Any]]:
        return [
            {
                "box": [
                    round(it.box[0] - x0, 1),
                    round(it.box[1] - y0, 1),
                    round(it.box[2] - x0, 1),
                    round(it.box[3] - y0, 1),
                ],
                "candidates": [[c.sku, round(c.score, 4)] for c in it.candidates],
                "votes": it.votes,
            }
            for it in items
        ]

    return {
        "decision": decision.explain(),
        "seen": boxes(view.items),
        "doubtful": boxes(view.doubtful),
        "frame_size": list(view.frame_size),
        "tray_region": list(tray_region),
        "weight_g": None if weight_g is None else str(weight_g),
        "model_version": model_version,
        **({"raised_by": raised_by} if raised_by else {}),
        **({"weight_steps_g": [round(g, 1) for g in steps]} if steps else {}),
    }


def crop_to_tray(image: Any, tray_region: Region) -> Any:
    """The tray part of a frame (an (h, w, ...) array): nothing outside it is kept."""
    x1, y1, x2, y2 = tray_region
    h, w = image.shape[:2]
    x1, x2 = max(0, min(x1, w)), max(0, min(x2, w))
    y1, y2 = max(0, min(y1, h)), max(0, min(y2, h))
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f"tray region {tray_region} lies outside the {w}x{h} frame")
    return image[y1:y2, x1:x2]


@dataclass(frozen=True, slots=True)
class WeightCheck:
    ok: bool
    expected_g: float | None
    measured_g: Decimal | None
    z: float | None
    why: str = ""


def check_at_payment(
    weights: WeightModel,
    counts: Mapping[str, int],
    weighed: tuple[tuple[str, Decimal], ...],
    measured_g: Decimal | None,
    fit_z: float = 3.5,
) -> WeightCheck:
    """The final check when the shopper pays: does the tray still weigh the basket?

    Packaged items by their weight model; loose produce by the grams it was priced at.
    No weight, no payment: a basket that cannot be checked is not let through.
    """
    if measured_g is None or not Decimal(measured_g).is_finite():
        return WeightCheck(False, None, measured_g, None, "no stable weight")
    missing = [s for s in counts if weights.item(s) is None]
    if missing:
        return WeightCheck(False, None, measured_g, None, f"no weight for {', '.join(missing)}")
    expected = weights.expected(counts)
    loose = float(sum((g for _, g in weighed), Decimal(0)))
    mean = expected.mean_g + loose
    # the produce was weighed on this scale: its reading error counts once more
    sd = (expected.sd_g**2 + weights.scale.variance(loose)) ** 0.5
    z = (float(measured_g) - mean) / sd
    if abs(z) > fit_z:
        return WeightCheck(False, mean, measured_g, z, "the tray changed since review")
    return WeightCheck(True, mean, measured_g, z)
