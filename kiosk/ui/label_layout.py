"""Where the name tags over the camera picture go: beside their own box, never on
each other, inside the picture.

Pure geometry in the picture's pixels (no Qt), so it is tested on its own;
`BoxModel.labelPlaces` measures the tags in the screen's font and asks here.

Items on a tray touch, so "the tag at the box's top-left corner" puts the cola's
name on the crisps' name. Each tag tries, in order: above its box, inside the box's
top edge, below the box, inside its bottom edge - left-aligned with the box, then
right-aligned, then slid sideways just past a tag already placed - and takes the
first free spot, preferring one that hides less of the other items. Boxes are
placed top to bottom, so the tags read in the order the shopper's eye goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlap(self, other: Rect) -> float:
        """The area the two share."""
        dx = min(self.right, other.right) - max(self.x, other.x)
        dy = min(self.bottom, other.bottom) - max(self.y, other.y)
        return dx * dy if dx > 0 and dy > 0 else 0.0

    def grown(self, by: float) -> Rect:
        return Rect(self.x - by, self.y - by, self.w + 2 * by, self.h + 2 * by)


# A tag stays attached to its box: it shares at least this much of the box's width
# (or of its own, if narrower), so sliding never leaves it over the neighbour alone.
MIN_SHARED_WIDTH = 0.3
# What hiding other items costs, against the order of preference (1 a step): hiding
# a whole tag's area of another item is worth three steps down the list.
COVER_COST = 3.0
SHIFT_COST = 0.5  # per tag width slid sideways from the box's left edge


def place_labels(
    boxes: Sequence[Rect],
    sizes: Sequence[tuple[float, float]],
    width: float,
    height: float,
    gap: float = 4.0,
) -> list[Rect]:
    """The tag of each box (same order as `boxes`), `sizes` being (w, h) of each tag.

    A tag of zero size (a box without a name) is not placed and takes no room.
    Where no free spot exists (a pile of boxes on a small picture) the tag goes
    where it overlaps the others least.
    """
    if len(boxes) != len(sizes):
        raise ValueError(f"{len(boxes)} boxes but {len(sizes)} tag sizes")
    placed: list[Rect | None] = [None] * len(boxes)
    done: list[Rect] = []
    for i in sorted(range(len(boxes)), key=lambda k: (boxes[k].y, boxes[k].x)):
        box = boxes[i]
        w, h = sizes[i]
        if w <= 0 or h <= 0:
            placed[i] = Rect(box.x, box.y, 0.0, 0.0)
            continue
        others = [b for k, b in enumerate(boxes) if k != i]
        tag = _best_spot(box, w, h, others, done, width, height, gap)
        placed[i] = tag
        done.append(tag)
    return [p for p in placed if p is not None]


def _rows(box: Rect, h: float, height: float, gap: float) -> list[tuple[float, float]]:
    """(y, rank): above, inside the top edge, below, inside the bottom edge; then,
    as a last resort, down the inside of the box a tag's height at a time."""
    rows = [
        (box.y - h - gap, 0.0),
        (box.y + gap, 1.0),
        (box.bottom + gap, 2.0),
        (box.bottom - h - gap, 3.0),
    ]
    y, step = box.y + h + 2 * gap, h + gap
    while y + h <= box.bottom - h - gap:
        rows.append((y, 4.0 + (y - box.y) / max(box.h, 1.0)))
        y += step
    fits = [(y, r) for y, r in rows if y >= 0 and y + h <= height]
    if fits:
        return fits
    # not even one row fits in the picture (a tag taller than the room): pin it inside
    return [(min(max(box.y + gap, 0.0), max(height - h, 0.0)), 1.0)]


def _best_spot(
    box: Rect,
    w: float,
    h: float,
    others: list[Rect],
    done: list[Rect],
    width: float,
    height: float,
    gap: float,
) -> Rect:
    xs = [box.x, box.right - w]
    for t in done:
        xs += [t.right + gap, t.x - w - gap]
    shared_needed = MIN_SHARED_WIDTH * min(w, box.w)
    best: tuple[float, float, Rect] | None = None  # (overlap with tags, cost, tag)
    for y, rank in _rows(box, h, height, gap):
        for x in xs:
            x = min(max(x, 0.0), max(width - w, 0.0))
            shared = min(x + w, box.right) - max(x, box.x)
            if shared < shared_needed - 1e-6:
                continue
            tag = Rect(x, y, w, h)
            # closer than `gap` to another tag counts as touching it: the two read as one
            clash = sum(tag.overlap(t.grown(gap)) for t in done)
            clash = 0.0 if clash < 1e-6 else clash  # exactly `gap` apart is free
            cover = sum(tag.overlap(b) for b in others) / (w * h)
            cost = rank + SHIFT_COST * abs(x - box.x) / w + COVER_COST * cover
            if best is None or (clash, cost) < best[:2]:
                best = (clash, cost, tag)
    if best is None:  # cannot happen (the left-aligned spot always shares) - but be safe
        return Rect(min(max(box.x, 0.0), max(width - w, 0.0)), max(box.y, 0.0), w, h)
    return best[2]
