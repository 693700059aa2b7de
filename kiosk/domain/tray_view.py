"""What the camera saw on a still tray: the vision pipeline's output, the decision's input.

Lives in the domain (not in `kiosk.vision`) because the decision engine, the basket
and the hard cases all speak it, and the domain must not import services.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Candidate:
    sku: str
    score: float  # 0..1, the detector's class score (after sigmoid) for this SKU


@dataclass(frozen=True, slots=True)
class SeenItem:
    """One box on the tray with its class candidates, best first."""

    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in frame pixels
    candidates: tuple[Candidate, ...]
    votes: int = 1  # how many of the aggregated still frames saw this box
    # For loose produce the calibrated camera could measure (`kiosk.vision.produce_size`):
    # (SKU, the piece's linear size against that SKU's nominal one), per produce candidate.
    sizes: tuple[tuple[str, float], ...] = ()

    @property
    def best(self) -> Candidate:
        return self.candidates[0]


@dataclass(frozen=True, slots=True)
class TrayView:
    """One stable vision result: the vote of several still frames."""

    items: tuple[SeenItem, ...]
    frame_size: tuple[int, int]  # width, height
    frames: int  # still frames aggregated into this result
    timestamp: float  # monotonic time of the newest frame used
    model_version: str = ""
    # Boxes the camera half-saw: under the detector's operating threshold but above its
    # doubt threshold (`Thresholds.doubt`). Not part of the reading; the decision may
    # still take one for an item when the weight asks for it, or ask the shopper to
    # show it. Indexed after `items` (see `seen`).
    doubtful: tuple[SeenItem, ...] = ()

    def seen(self, index: int) -> SeenItem:
        """Box `index` counting `items` first, then `doubtful` (how requests name boxes)."""
        n = len(self.items)
        return self.items[index] if index < n else self.doubtful[index - n]

    @property
    def empty(self) -> bool:
        return not self.items
