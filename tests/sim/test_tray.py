import threading

import numpy as np
import pytest

from hardware.sim.tray import (
    HandEntered,
    HandLeft,
    HandMoved,
    ItemMoved,
    ItemPlaced,
    ItemRemoved,
    TrayError,
    VirtualTray,
    draw_weight,
)


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_place_move_remove_emit_typed_events_in_order(sim_catalog):
    tray = VirtualTray(sim_catalog, seed=1, clock=FakeClock())
    seen = []
    tray.subscribe(seen.append)
    can = tray.place("cola-classic-330", 100, 100)
    tray.move(can.item_id, 200, 150, angle_deg=30)
    tray.remove(can.item_id)
    assert [type(e) for e in seen] == [ItemPlaced, ItemMoved, ItemRemoved]
    assert seen[1].before.pose.x_mm == 100 and seen[1].after.pose.x_mm == 200
    assert seen[1].after.pose.angle_deg == 30
    assert tray.items() == ()
    assert tray.true_weight_g() == 0


def test_unsubscribe_stops_events(sim_catalog):
    tray = VirtualTray(sim_catalog)
    seen = []
    unsubscribe = tray.subscribe(seen.append)
    tray.place("banana", 300, 200)
    unsubscribe()
    tray.place("banana", 100, 200)
    assert len(seen) == 1


def test_true_weight_is_the_sum_of_each_items_own_weight(sim_catalog):
    tray = VirtualTray(sim_catalog, seed=5)
    a = tray.place("cola-classic-330", 100, 100)
    b = tray.place("cola-classic-330", 200, 100)
    assert a.weight_g != b.weight_g  # two physical cans are not identical
    assert tray.true_weight_g() == pytest.approx(a.weight_g + b.weight_g, abs=0.05)


def test_weights_follow_the_catalog_spread(sim_catalog):
    rng = np.random.default_rng(7)
    for sku in ("cola-classic-330", "apple-fuji", "eggs-6"):
        p = sim_catalog.product(sku)
        w = np.array([draw_weight(p, rng) for _ in range(2000)])
        assert abs(w.mean() - p.weight_g) < 0.1 * p.weight_sd_g + 0.2
        assert abs(w.std() - p.weight_sd_g) < 0.1 * p.weight_sd_g + 0.1
        assert w.min() >= p.weight_g - 3 * p.weight_sd_g - 0.1


def test_same_seed_same_world(sim_catalog):
    def build(seed):
        tray = VirtualTray(sim_catalog, seed=seed)
        for x in (100, 200, 300):
            tray.place("apple-fuji", x, 200)
        return [(i.weight_g, i.variant, i.footprint_mm) for i in tray.items()]

    assert build(3) == build(3)
    assert build(3) != build(4)


def test_produce_size_follows_its_weight(sim_catalog):
    tray = VirtualTray(sim_catalog)
    light = tray.place("apple-fuji", 100, 100, weight_g=160)
    heavy = tray.place("apple-fuji", 300, 100, weight_g=320)
    # twice the weight is twice the volume; each piece's own shape moves its footprint
    # a few per cent either way, so from above the heavier one is still clearly bigger
    volume = [i.footprint_mm[0] * i.footprint_mm[1] * i.height_mm for i in (light, heavy)]
    assert volume[1] / volume[0] == pytest.approx(2.0, rel=1e-6)
    assert heavy.footprint_mm[0] > light.footprint_mm[0] * 1.05
    assert heavy.footprint_mm[0] / heavy.footprint_mm[1] == pytest.approx(82 / 82)


def test_produce_pieces_of_one_weight_differ_in_shape_not_volume(sim_catalog):
    tray = VirtualTray(sim_catalog, seed=3)
    pieces = [tray.place("apple-fuji", 60 + 70 * i, 100, weight_g=230) for i in range(5)]
    widths = {round(p.footprint_mm[0], 2) for p in pieces}
    volumes = {round(p.footprint_mm[0] * p.footprint_mm[1] * p.height_mm) for p in pieces}
    assert len(widths) == 5 and max(widths) / min(widths) < 1.25
    assert len(volumes) == 1


def test_hand_events_and_resting_pressure(sim_catalog):
    tray = VirtualTray(sim_catalog, clock=FakeClock())
    seen = []
    tray.subscribe(seen.append)
    tray.place("eggs-6", 300, 200, weight_g=372)
    tray.hand_enter(300, 350)
    assert tray.true_weight_g() == 372  # hovering weighs nothing
    tray.hand_move(300, 200, touching=True, press_g=150)
    assert tray.true_weight_g() == 522
    tray.hand_leave()
    assert tray.true_weight_g() == 372
    assert [type(e) for e in seen[1:]] == [HandEntered, HandMoved, HandLeft]


def test_items_stacked_on_a_removed_item_drop_down(sim_catalog):
    tray = VirtualTray(sim_catalog)
    box = tray.place("eggs-6", 300, 200)
    gum = tray.place("gum-mint-40", 300, 200, on=box.item_id)
    assert gum.base_mm == pytest.approx(box.height_mm) and gum.stacked
    tray.remove(box.item_id)
    (left,) = tray.items()
    assert left.item_id == gum.item_id and left.base_mm == 0 and not left.stacked


def test_motion_has_velocity_until_it_ends(sim_catalog):
    clock = FakeClock()
    tray = VirtualTray(sim_catalog, clock=clock)
    can = tray.place("cola-zero-330", 100, 100)
    tray.move(can.item_id, 300, 100, duration_s=1.0)
    clock.t += 0.5
    mid = tray.snapshot().items[0]
    assert mid.moving and 150 < mid.pose.x_mm < 250 and mid.velocity_mm_s[0] > 100
    assert tray.snapshot().moving
    clock.t += 1.0
    end = tray.snapshot().items[0]
    assert not end.moving and end.pose.x_mm == 300


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.place("no-such-sku", 10, 10),
        lambda t: t.place("banana", -5, 10),
        lambda t: t.place("banana", 10, 10, face="bottom"),
        lambda t: t.place("chips-original-70", 10, 10, face="side"),
        lambda t: t.remove(99),
        lambda t: t.hand_move(1, 1),
    ],
)
def test_bad_requests_say_what_is_wrong(sim_catalog, call):
    with pytest.raises(TrayError):
        call(VirtualTray(sim_catalog))


def test_concurrent_changes_are_all_seen_once_and_in_order(sim_catalog):
    tray = VirtualTray(sim_catalog, seed=2)
    seen = []
    tray.subscribe(seen.append)

    def worker(k):
        for i in range(25):
            item = tray.place("lighter", 50 + k * 100, 50 + i * 10)
            if i % 2:
                tray.remove(item.item_id)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    placed = [e for e in seen if isinstance(e, ItemPlaced)]
    removed = [e for e in seen if isinstance(e, ItemRemoved)]
    assert len(placed) == 100 and len(removed) == 48
    # every removal comes after its placement
    when = {e.item.item_id: n for n, e in enumerate(seen) if isinstance(e, ItemPlaced)}
    assert all(when[e.item.item_id] < seen.index(e) for e in removed)
    on_tray = {i.item_id for i in tray.items()}
    assert on_tray == {e.item.item_id for e in placed} - {e.item.item_id for e in removed}
    assert tray.true_weight_g() == pytest.approx(sum(i.weight_g for i in tray.items()), abs=0.1)
