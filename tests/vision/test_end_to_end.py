"""The shipped model behind the simulated camera: a basket is seen, a moved item makes
the tray move and settle, and a new view follows. Real threads, real frames (sensor
noise and jitter on every frame), the real model."""

import time
from collections import Counter

import pytest

from hardware.sim.camera import SimulatedCamera
from hardware.sim.catalog import load_sim_catalog
from hardware.sim.tray import VirtualTray
from kiosk.models import ModelRepository
from kiosk.vision.config import VisionConfig
from kiosk.vision.pipeline import HealthState, VisionPipeline
from kiosk.vision.session import Detector

BASKET = [
    ("noodle-beef-cup", 150, 150, 0),
    ("banana", 420, 120, 30),
    ("milk-pure-250", 300, 300, 10),
    ("cola-classic-330", 480, 300, 0),
]


def wait_for(cond, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_a_still_basket_is_seen_and_a_moved_item_gives_a_new_view():
    repo = ModelRepository()
    if "tray-detector" not in repo.names():
        pytest.skip("no model shipped yet")
    tray = VirtualTray(load_sim_catalog(), seed=3)
    for sku, x, y, angle in BASKET:
        tray.place(sku, x, y, angle)
    views = []
    pipe = VisionPipeline(
        SimulatedCamera(tray, seed=1, pace=False),
        Detector(repo.load("tray-detector"), warmup_runs=1),
        VisionConfig(),
        on_view=views.append,
    )
    pipe.start()
    try:
        assert wait_for(lambda: views, 20), pipe.health()
        first = views[0]
        assert Counter(it.best.sku for it in first.items) == Counter(s for s, *_ in BASKET)
        assert all(it.votes == first.frames for it in first.items)
        tray.move(tray.items()[0].item_id, 200, 250, duration_s=0.4)
        assert wait_for(lambda: len(views) >= 2, 20), pipe.health()
        assert Counter(it.best.sku for it in views[1].items) == Counter(s for s, *_ in BASKET)
        health = pipe.health()
        assert health.state is HealthState.RUNNING and health.frame_errors == 0
    finally:
        pipe.stop()
