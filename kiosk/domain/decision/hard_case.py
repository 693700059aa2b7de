"""Hard cases (for headquarters' review and future training) and the check at payment.

Every corrected, asked, overridden or staff-resolved checkout becomes a `HardCase`:
the tray image cropped to the tray (the camera also sees the shopper; faces must not
leave the kiosk), the detections, the weight, the hypotheses considered, the decision
and the final basket. Storing it with the sale and queueing it for headquarters is the
store's business; this module only builds the record, purely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kiosk.domain.checkout import Verdict
from kiosk.domain.decision.engine import Decision
from kiosk.domain.decision.weight_model import WeightModel
from kiosk.domain.tray_view import TrayView

Region = tuple[int, int, int, int]  # x1, y1, x2, y2 in frame pixels


class Resolution(StrEnum):
    CORRECTED = "corrected"  # the engine corrected the plain reading by itself
    ASKED = "asked"  # the shopper answered a question
    OVERRIDDEN = "overridden"  # staff accepted the basket as it stood, with a reason
    STAFF_RESOLVED = "staff_resolved"  # staff fixed the basket


@dataclass(frozen=True, slots=True)
class HardCase:
    sale_id: str
    at: float
    resolution: Resolution
    model_version: str
    tray_region: Region
    image_ref: str  # where the store put the cropped image ("" when none was kept)
    detections: tuple[dict[str, Any], ...]
    decision: dict[str, Any]  # Decision.explain()
    final_counts: Mapping[str, int]
    final_weighed: tuple[tuple[str, Decimal], ...]
    reason: str = ""  # staff's reason for an override

    def to_dict(self) -> dict[str, Any]:
        return {
            "sale_id": self.sale_id,
            "at": self.at,
            "resolution": self.resolution.value,
            "model_version": self.model_version,
            "tray_region": list(self.tray_region),
            "image_ref": self.image_ref,
            "detections": list(self.detections),
            "decision": self.decision,
            "final_counts": dict(sorted(self.final_counts.items())),
            "final_weighed": [[s, str(g)] for s, g in self.final_weighed],
            "reason": self.reason,
        }


def is_hard(decision: Decision) -> bool:
    return decision.verdict is not Verdict.CONFIRMED


def hard_case(
    *,
    sale_id: str,
    at: float,
    decision: Decision,
    view: TrayView,
    resolution: Resolution,
    tray_region: Region,
    final_counts: Mapping[str, int],
    final_weighed: tuple[tuple[str, Decimal], ...] = (),
    image_ref: str = "",
    reason: str = "",
) -> HardCase:
    """The record; detection boxes are given relative to the tray crop."""
    x0, y0 = tray_region[0], tray_region[1]
    detections = tuple(
        {
            "box": [
                round(item.box[0] - x0, 1),
                round(item.box[1] - y0, 1),
                round(item.box[2] - x0, 1),
                round(item.box[3] - y0, 1),
            ],
            "candidates": [[c.sku, round(c.score, 4)] for c in item.candidates],
            "votes": item.votes,
            **({"sizes": [[k, v] for k, v in item.sizes]} if item.sizes else {}),
            **({"doubtful": True} if doubtful else {}),
        }
        for doubtful, items in ((False, view.items), (True, view.doubtful))
        for item in items
    )
    return HardCase(
        sale_id=sale_id,
        at=at,
        resolution=resolution,
        model_version=view.model_version,
        tray_region=tray_region,
        image_ref=image_ref,
        detections=detections,
        decision=decision.explain(),
        final_counts=dict(final_counts),
        final_weighed=final_weighed,
        reason=reason,
    )


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
