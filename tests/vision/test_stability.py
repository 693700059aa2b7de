"""Motion on the tray from frame differences; voting over still frames."""

import numpy as np
import pytest

from kiosk.domain.tray_view import Candidate, SeenItem
from kiosk.vision.config import StabilityConfig, VotingConfig
from kiosk.vision.stability import StillFrameVoter, TrayMotion, vote


def tray(rng, items=((300, 200, 80),), noise=3.0, gain=1.0, h=360, w=640):
    """A grey tray with textured square items at (x, y, size), plus sensor noise."""
    img = np.full((h, w, 3), 150, np.float32)
    for x, y, s in items:
        img[y : y + s, x : x + s] = (40, 60, 200)
        img[y + s // 4 : y + s // 2, x : x + s] = (230, 230, 230)
    img = img * gain + rng.normal(0, noise, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def test_sensor_noise_on_a_still_tray_is_not_motion():
    rng = np.random.default_rng(0)
    m = TrayMotion(StabilityConfig(still_frames=3))
    states = [m.update(tray(rng, noise=6.0)) for _ in range(10)]
    assert not any(s.moving for s in states)
    assert states[3].still and states[-1].still and not states[2].still


def test_light_flicker_is_not_motion():
    rng = np.random.default_rng(1)
    m = TrayMotion()
    states = [m.update(tray(rng, gain=g)) for g in (1.0, 1.12, 0.9, 1.08, 0.93, 1.1)]
    assert not any(s.moving for s in states)


def test_an_item_moving_is_motion_and_resets_stillness():
    rng = np.random.default_rng(2)
    m = TrayMotion(StabilityConfig(still_frames=2))
    for _ in range(4):
        m.update(tray(rng))
    assert m.update(tray(rng)).still
    moved = m.update(tray(rng, items=((330, 200, 80),)))
    assert moved.moving and not moved.still
    assert not m.update(tray(rng, items=((330, 200, 80),))).still  # settling again


def test_a_slow_drift_is_caught_against_the_start_of_the_quiet_run():
    rng = np.random.default_rng(3)
    m = TrayMotion(StabilityConfig(still_frames=100))
    # 1 px a frame: each step alone is near the noise, the drift adds up.
    states = [m.update(tray(rng, items=((300 + i, 200, 80),), noise=1.0)) for i in range(40)]
    assert any(s.moving for s in states[1:])
    assert any(s.drift > s.changed for s in states if s.moving)


def test_a_hand_entering_only_outside_the_tray_region_is_ignored():
    rng = np.random.default_rng(4)
    m = TrayMotion(region=(0.0, 0.0, 0.5, 1.0))  # the tray is the left half
    base = tray(rng, items=((100, 100, 60),))
    m.update(base)
    hand = base.copy()
    hand[:, 400:600] = 30  # a dark arm over the right half
    assert not m.update(hand).moving
    hand[:, 150:250] = 30
    assert m.update(hand).moving


def item(box, *cands, votes=1):
    return SeenItem(box=box, candidates=tuple(Candidate(s, p) for s, p in cands), votes=votes)


A = (100.0, 100.0, 160.0, 160.0)
B = (300.0, 100.0, 360.0, 170.0)


def test_vote_keeps_boxes_most_frames_saw_and_averages_scores():
    frames = [
        (item(A, ("cola", 0.9), ("lemon", 0.1)), item(B, ("chips", 0.8))),
        (item(A, ("cola", 0.7), ("lemon", 0.3)), item(B, ("chips", 0.6))),
        (item(A, ("lemon", 0.6), ("cola", 0.5)),),  # a flip and a miss in one bad frame
    ]
    view = vote(frames, 2, 0.5, 3, (640, 360), 12.0, "m/1")
    assert [it.best.sku for it in view.items] == ["cola", "chips"]
    cola = view.items[0]
    assert cola.votes == 3
    assert cola.best.score == pytest.approx((0.9 + 0.7 + 0.5) / 3)
    assert cola.candidates[1] == Candidate("lemon", pytest.approx((0.1 + 0.3 + 0.6) / 3))
    assert view.items[1].votes == 2
    assert view.frames == 3 and view.model_version == "m/1" and view.timestamp == 12.0


def test_one_frame_with_a_ghost_box_cannot_add_an_item():
    ghost = (500.0, 50.0, 540.0, 90.0)
    frames = [(item(A, ("cola", 0.9)),), (item(A, ("cola", 0.9)), item(ghost, ("gum", 0.95)))]
    frames.append((item(A, ("cola", 0.9)),))
    view = vote(frames, 2, 0.5, 3, (640, 360), 0.0)
    assert [it.best.sku for it in view.items] == ["cola"]


def test_two_touching_items_in_one_frame_stay_two():
    left = (100.0, 100.0, 160.0, 160.0)
    right = (150.0, 100.0, 210.0, 160.0)  # overlapping a little
    frames = [(item(left, ("a", 0.9)), item(right, ("a", 0.9)))] * 3
    view = vote(frames, 2, 0.5, 3, (640, 360), 0.0)
    assert len(view.items) == 2 and all(it.votes == 3 for it in view.items)


def test_empty_tray_votes_to_an_empty_view():
    view = vote([(), (), ()], 2, 0.5, 3, (640, 360), 0.0)
    assert view.empty and view.frames == 3


def test_voter_collects_the_configured_number_of_frames():
    v = StillFrameVoter(VotingConfig(frames=3), topk=2)
    one = (item(A, ("cola", 0.9), ("lemon", 0.2), ("zero", 0.1)),)
    assert v.add(one, (640, 360), 1.0) is None
    assert v.add(one, (640, 360), 2.0) is None
    view = v.add(one, (640, 360), 3.0)
    assert view is not None and len(view.items[0].candidates) == 2
    assert v.pending == 0


def test_min_votes_cannot_exceed_frames():
    with pytest.raises(ValueError, match="min_votes"):
        VotingConfig(frames=3, min_votes=4)


def test_doubtful_boxes_are_voted_apart_and_an_item_sure_in_enough_frames_stays_an_item():
    gum = (500.0, 50.0, 540.0, 90.0)
    frames = [(item(A, ("cola", 0.9)),)] * 3
    doubtful = [
        (item(B, ("chips", 0.4)), item(gum, ("gum", 0.5))),
        (item(B, ("chips", 0.3)),),
        (item(A, ("cola", 0.3)), item(gum, ("gum", 0.7))),  # A: sure in the other frames
    ]
    view = vote(frames, 2, 0.5, 3, (640, 360), 0.0, "m/1", doubtful)
    assert [it.best.sku for it in view.items] == ["cola"]
    assert [(it.best.sku, it.votes) for it in view.doubtful] == [("gum", 2), ("chips", 2)]
    assert view.seen(1) is view.doubtful[0] and view.seen(0) is view.items[0]
    # one frame's doubtful box is not enough, as for items
    lone = vote(frames, 2, 0.5, 3, (640, 360), 0.0, "", [(item(B, ("chips", 0.4)),), (), ()])
    assert lone.doubtful == ()


def test_voter_passes_doubtful_boxes_and_forgets_them_with_the_frames():
    v = StillFrameVoter(VotingConfig(frames=2), topk=2)
    one = (item(A, ("cola", 0.9)),)
    half = (item(B, ("chips", 0.3)),)
    v.add(one, (640, 360), 1.0, doubtful=half)
    v.reset()
    v.add(one, (640, 360), 2.0)
    view = v.add(one, (640, 360), 3.0, doubtful=half)
    assert view is not None and view.doubtful == ()  # seen in one frame since the reset
    v.add(one, (640, 360), 4.0, doubtful=half)
    view = v.add(one, (640, 360), 5.0, doubtful=half)
    assert [it.best.sku for it in view.doubtful] == ["chips"]
