import cv2
import numpy as np
import pytest

from hardware.sim.render import HAND_ID, SceneLook
from hardware.sim.tray import ItemView, TraySnapshot, VirtualTray


def _render(renderer, tray, look, seed=0, **kw):
    return renderer.render(tray.snapshot(), look, np.random.default_rng(seed), noise=False, **kw)


def _iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.mark.parametrize(
    ("sku", "face"),
    [
        ("chips-cucumber-70", "top"),
        ("cola-lemon-330", "top"),
        ("cola-lemon-330", "side"),
        ("water-spring-550", "bottom"),
        ("banana", "top"),
        ("noodle-pickle-cup", "top"),
    ],
)
def test_the_label_box_is_where_the_item_is_drawn(
    sim_catalog, small_renderer, plain_look, sku, face
):
    empty = _render(small_renderer, VirtualTray(sim_catalog), plain_look)
    tray = VirtualTray(sim_catalog, seed=4)
    tray.place(sku, 260, 170, angle_deg=35, face=face)
    shown = _render(small_renderer, tray, plain_look)
    diff = cv2.absdiff(shown.image, empty.image).max(axis=2) > 12
    ys, xs = np.nonzero(diff)
    drawn = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    (item,) = shown.items
    assert not item.hidden and item.visible_fraction == pytest.approx(1.0, abs=0.02)
    assert _iou(drawn, item.visible_box) > 0.85, (drawn, item.visible_box)


def test_a_small_item_under_a_bag_is_hidden_but_listed(sim_catalog, small_renderer, plain_look):
    tray = VirtualTray(sim_catalog)
    lighter = tray.place("lighter", 300, 200, angle_deg=10)
    tray.place("chips-original-70", 300, 200, on=lighter.item_id)
    res = _render(small_renderer, tray, plain_look)
    by_sku = {r.sku: r for r in res.items}
    assert by_sku["lighter"].hidden and by_sku["lighter"].visible_px == 0
    assert not by_sku["chips-original-70"].hidden
    assert by_sku["chips-original-70"].stacked


def test_partial_cover_is_measured_as_occlusion(sim_catalog, small_renderer, plain_look):
    tray = VirtualTray(sim_catalog)
    bag = tray.place("chips-tomato-70", 300, 200)
    tray.place("biscuit-cream-100", 300, 200, angle_deg=90, on=bag.item_id)
    res = _render(small_renderer, tray, plain_look)
    bag_r = next(r for r in res.items if r.sku == "chips-tomato-70")
    assert 0.15 < bag_r.occlusion < 0.6
    assert not bag_r.hidden


def test_a_hand_occludes_what_it_covers(sim_catalog, small_renderer, plain_look):
    tray = VirtualTray(sim_catalog)
    tray.place("tea-green-500", 300, 200, angle_deg=90)
    before = _render(small_renderer, tray, plain_look).items[0]
    tray.hand_enter(290, 150, from_angle_deg=90)
    res = _render(small_renderer, tray, plain_look)
    assert (res.id_map == HAND_ID).sum() > 1000
    assert res.items[0].visible_px < before.visible_px * 0.85
    assert res.items[0].full_px == before.full_px  # still all there, only covered


def test_same_snapshot_and_seed_render_the_same_bytes(sim_catalog, small_renderer):
    tray = VirtualTray(sim_catalog, seed=9)
    tray.place("apple-fuji", 200, 200)
    tray.place("juice-orange-1l", 400, 200)
    look = SceneLook.random(np.random.default_rng(3))
    a = small_renderer.render(tray.snapshot(), look, np.random.default_rng(1), jitter_px=0.3)
    b = small_renderer.render(tray.snapshot(), look, np.random.default_rng(1), jitter_px=0.3)
    c = small_renderer.render(tray.snapshot(), look, np.random.default_rng(2), jitter_px=0.3)
    assert np.array_equal(a.image, b.image)
    assert not np.array_equal(a.image, c.image)  # another frame: other noise and shake
    assert np.abs(a.image.astype(int) - c.image.astype(int)).mean() < 6


def test_two_apples_do_not_look_alike(sim_catalog, small_renderer, plain_look):
    tray = VirtualTray(sim_catalog, seed=1)
    a = tray.place("apple-fuji", 200, 200)
    b = tray.place("apple-fuji", 400, 200)
    res = _render(small_renderer, tray, plain_look)
    crops = []
    for r in res.items:
        x0, y0, x1, y1 = r.visible_box
        crops.append(cv2.resize(res.image[y0:y1, x0:x1], (48, 48)).astype(int))
    assert a.variant != b.variant or a.look_seed != b.look_seed
    assert np.abs(crops[0] - crops[1]).mean() > 8


def test_moving_items_are_blurred(sim_catalog, small_renderer, plain_look):
    tray = VirtualTray(sim_catalog)
    tray.place("cigarettes-20", 300, 200)
    snap = tray.snapshot()
    still = small_renderer.render(snap, plain_look, np.random.default_rng(0), exposure_s=1 / 30)
    view = snap.items[0]
    sliding = TraySnapshot(snap.timestamp, (ItemView(view.item, view.pose, (900.0, 0.0)),), None)
    blurred = small_renderer.render(
        sliding, plain_look, np.random.default_rng(0), exposure_s=1 / 30
    )

    def sharpness(res):
        x0, y0, x1, y1 = res.items[0].visible_box
        gray = cv2.cvtColor(res.image[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
        return cv2.Laplacian(gray, cv2.CV_64F).var()

    assert sharpness(blurred) < 0.6 * sharpness(still)


def test_an_item_mostly_outside_the_frame_is_not_labelled_from_a_sliver(
    sim_catalog, art, plain_look
):
    from hardware.sim.camera_model import default_camera
    from hardware.sim.render import TrayRenderer

    base = default_camera(640, 360)
    tight = TrayRenderer(
        art, type(base)(640, 360, base.position_mm, base.look_at_mm, base.focal_per_width * 1.6)
    )
    tray = VirtualTray(sim_catalog)
    tray.place("chips-tomato-70", 5, 200, angle_deg=90)  # hangs off the left of the picture
    tray.place("chips-original-70", 300, 200)
    res = _render(tight, tray, plain_look)
    edge, middle = res.items
    assert edge.visible_box is not None and edge.visible_box[0] == 0
    assert edge.visible_fraction < 0.5 and edge.in_frame < 0.6
    assert edge.occlusion < 0.05  # cut by the frame, not covered
    assert middle.visible_fraction == pytest.approx(1.0, abs=0.02)
