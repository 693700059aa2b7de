"""Is the tray still? And what did the still frames agree on?

`TrayMotion` judges motion from the frames themselves: each frame is cut to the tray
region, shrunk, blurred (sensor noise averages out) and compared with the previous
frame and with the first frame of the current quiet run (so a can rolling slowly,
too slowly for frame-to-frame differences, still counts as motion). A flickering
light changes every pixel by the same factor, so frames are brought to the same mean
brightness before they are compared.

`StillFrameVoter` gathers the detections of several still frames and keeps a box
only when most of them saw it; its class scores are averaged over the frames that
saw it. One bad frame cannot add, drop or change an item.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.domain.tray_view import Candidate, SeenItem, TrayView
from kiosk.vision.config import StabilityConfig, VotingConfig
from kiosk.vision.postprocess import box_iou


@dataclass(frozen=True, slots=True)
class Motion:
    moving: bool
    still: bool  # quiet for `still_frames` frames in a row
    changed: float  # share of changed pixels against the previous frame
    drift: float  # share of changed pixels against the start of the quiet run
    quiet_frames: int


@dataclass(frozen=True, slots=True)
class _Signature:
    """A frame shrunk, blurred and in float, with its mean brightness: worked out once,
    because each signature is compared again as the previous frame and the anchor."""

    pixels: np.ndarray
    mean: float


class TrayMotion:
    def __init__(
        self,
        config: StabilityConfig = StabilityConfig(),  # noqa: B008
        region: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    ):
        self.config = config
        self.region = region
        self._prev: _Signature | None = None
        self._anchor: _Signature | None = None
        self._quiet = 0

    def reset(self) -> None:
        self._prev = self._anchor = None
        self._quiet = 0

    def _signature(self, image: np.ndarray) -> _Signature:
        h, w = image.shape[:2]
        x1, y1, x2, y2 = self.region
        crop = image[int(y1 * h) : max(int(y2 * h), int(y1 * h) + 1),
                     int(x1 * w) : max(int(x2 * w), int(x1 * w) + 1)]  # fmt: skip
        grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
        f = max(1, round(grey.shape[1] / self.config.width))
        gh, gw = max(1, grey.shape[0] // f), max(1, grey.shape[1] // f)
        small = cv2.resize(grey[: gh * f, : gw * f], (gw, gh), interpolation=cv2.INTER_AREA)
        pixels = cv2.GaussianBlur(small, (5, 5), 0).astype(np.float32)
        return _Signature(pixels, float(pixels.mean()))

    def _changed(self, cur: _Signature, ref: _Signature) -> float:
        gain = (ref.mean + 1.0) / (cur.mean + 1.0)
        diff = cur.pixels * gain
        diff -= ref.pixels
        np.abs(diff, out=diff)
        return float(np.count_nonzero(diff > self.config.pixel_delta)) / diff.size

    def update(self, image: np.ndarray) -> Motion:
        sig = self._signature(image)
        limit = self.config.moving_fraction
        if self._prev is None or self._anchor is None:
            self._prev = self._anchor = sig
            self._quiet = 0
            return Motion(False, False, 0.0, 0.0, 0)
        changed = self._changed(sig, self._prev)
        # Right after motion the anchor is the previous frame: one comparison is both.
        drift = changed if self._anchor is self._prev else self._changed(sig, self._anchor)
        self._prev = sig
        if changed > limit or drift > limit:
            self._quiet = 0
            self._anchor = sig
            return Motion(True, False, changed, drift, 0)
        self._quiet += 1
        return Motion(False, self._quiet >= self.config.still_frames, changed, drift, self._quiet)


@dataclass(slots=True)
class _Track:
    box_sum: np.ndarray
    boxes: list[tuple[float, float, float, float]]
    scores: dict[str, float]

    @property
    def mean_box(self) -> np.ndarray:
        return self.box_sum / len(self.boxes)


class StillFrameVoter:
    """Feed it the items of still frames; after `frames` of them it returns the vote."""

    def __init__(self, config: VotingConfig = VotingConfig(), topk: int = 3):  # noqa: B008
        self.config = config
        self.topk = topk
        self._frames: list[tuple[SeenItem, ...]] = []
        self._doubtful: list[tuple[SeenItem, ...]] = []

    def reset(self) -> None:
        self._frames.clear()
        self._doubtful.clear()

    @property
    def pending(self) -> int:
        return len(self._frames)

    def add(
        self,
        items: tuple[SeenItem, ...],
        frame_size: tuple[int, int],
        timestamp: float,
        model_version: str = "",
        doubtful: tuple[SeenItem, ...] = (),
    ) -> TrayView | None:
        """`doubtful`: the frame's boxes under the detector's threshold (`TrayView`)."""
        self._frames.append(items)
        self._doubtful.append(doubtful)
        if len(self._frames) < self.config.frames:
            return None
        view = vote(
            self._frames,
            self.config.required_votes,
            self.config.match_iou,
            self.topk,
            frame_size,
            timestamp,
            model_version,
            self._doubtful,
        )
        self.reset()
        return view


def vote(
    frames: list[tuple[SeenItem, ...]],
    required_votes: int,
    match_iou: float,
    topk: int,
    frame_size: tuple[int, int],
    timestamp: float,
    model_version: str = "",
    doubtful: list[tuple[SeenItem, ...]] | None = None,
) -> TrayView:
    """Boxes matched across frames by IoU (whatever their class: a look-alike flip
    between frames is the same item); a box seen by at least `required_votes` frames
    stays, with its classes' scores averaged over the frames that saw it. The frames'
    `doubtful` boxes are voted the same way, apart; one that the vote kept as an item
    (sure in enough frames, doubtful in others) is an item only."""
    seen = _voted(frames, required_votes, match_iou, topk)
    half = _voted(doubtful or [], required_votes, match_iou, topk)
    if half and seen:
        sure = np.asarray([it.box for it in seen], dtype=np.float64)
        iou = box_iou(np.asarray([it.box for it in half], dtype=np.float64), sure)
        half = [it for it, row in zip(half, iou, strict=True) if row.max() < match_iou]
    return TrayView(
        items=tuple(seen),
        frame_size=frame_size,
        frames=len(frames),
        timestamp=timestamp,
        model_version=model_version,
        doubtful=tuple(half),
    )


def _voted(
    frames: list[tuple[SeenItem, ...]], required_votes: int, match_iou: float, topk: int
) -> list[SeenItem]:
    tracks: list[_Track] = []
    for items in frames:
        if not items:
            continue
        boxes = np.asarray([it.box for it in items], dtype=np.float64)
        order = np.argsort([-it.best.score for it in items], kind="stable")
        taken: set[int] = set()
        known = len(tracks)  # boxes of one frame never match each other
        if known:
            iou = box_iou(boxes, np.stack([t.mean_box for t in tracks]))
        for i in order:
            item = items[i]
            track = None
            if known:
                cand = [(iou[i, j], j) for j in range(known) if j not in taken]
                best = max(cand, default=(0.0, -1))
                if best[0] >= match_iou:
                    track = tracks[best[1]]
                    taken.add(best[1])
            if track is None:
                track = _Track(np.zeros(4), [], {})
                tracks.append(track)
            track.box_sum = track.box_sum + boxes[i]
            track.boxes.append(item.box)
            for c in item.candidates:
                track.scores[c.sku] = track.scores.get(c.sku, 0.0) + c.score
    seen = []
    for t in tracks:
        n = len(t.boxes)
        if n < required_votes:
            continue
        ranked = sorted(t.scores.items(), key=lambda kv: (-kv[1], kv[0]))[:topk]
        box = tuple(float(v) for v in np.median(np.asarray(t.boxes), axis=0))
        cands = tuple(Candidate(sku, s / n) for sku, s in ranked)
        seen.append(SeenItem(box=box, candidates=cands, votes=n))  # type: ignore[arg-type]
    seen.sort(key=lambda it: (it.box[1], it.box[0]))  # reading order: stable for the UI
    return seen
