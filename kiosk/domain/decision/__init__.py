"""Vision meets weight: the checkout decision engine (pure domain code).

`DecisionEngine.decide(view, weight, known)` reconciles one stable camera result with
one stable scale reading and the items the shopper already scanned or picked, and
returns a `Decision` (confirmed, corrected, ask the shopper, staff needed) that
explains itself and converts to the checkout's `TrayOutcome`.
"""

from kiosk.domain.decision.engine import Decision, DecisionEngine, DecisionPolicy, known_items
from kiosk.domain.decision.requests import Request, RequestKind, StaffReason
from kiosk.domain.decision.weight_model import (
    ItemWeight,
    ScaleSpec,
    WeightModel,
    refine_item_weight,
)

__all__ = [
    "Decision",
    "DecisionEngine",
    "DecisionPolicy",
    "ItemWeight",
    "Request",
    "RequestKind",
    "ScaleSpec",
    "StaffReason",
    "WeightModel",
    "known_items",
    "refine_item_weight",
]
