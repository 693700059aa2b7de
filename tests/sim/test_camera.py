import time

import numpy as np
import pytest

from hardware.camera.frames import CameraFault, FrameSource
from hardware.sim.camera import SimCameraFault, SimulatedCamera
from hardware.sim.tray import VirtualTray


@pytest.fixture
def camera(sim_catalog, art):
    tray = VirtualTray(sim_catalog, seed=1)
    tray.place("cola-classic-330", 200, 150)
    tray.place("chips-cucumber-70", 380, 220, angle_deg=20)
    cam = SimulatedCamera(tray, 320, 180, fps=200, art=art, seed=3)
    cam.open()
    yield cam
    cam.close()


def test_it_is_a_frame_source(camera):
    assert isinstance(camera, FrameSource)
    assert camera.resolution == (320, 180) and camera.fps == 200


def test_frames_count_and_carry_monotonic_time(camera):
    frames = [camera.read() for _ in range(3)]
    assert [f.seq for f in frames] == [1, 2, 3]
    assert frames[0].timestamp < frames[1].timestamp < frames[2].timestamp
    assert frames[0].image.shape == (180, 320, 3) and frames[0].image.dtype == np.uint8


def test_a_still_tray_gives_slightly_different_frames(camera):
    a, b = camera.read().image.astype(int), camera.read().image.astype(int)
    d = np.abs(a - b)
    assert d.mean() > 0.3  # noise and shake: never two identical frames
    assert d.mean() < 8  # but the same picture


def test_a_hand_shows_up(camera):
    before = camera.read().image.astype(int)
    camera.tray.hand_enter(300, 250, from_angle_deg=90)
    after = camera.read().image.astype(int)
    assert (np.abs(after - before).max(axis=2) > 40).mean() > 0.015


def test_it_is_paced_to_its_frame_rate(sim_catalog, art):
    cam = SimulatedCamera(VirtualTray(sim_catalog), 160, 90, fps=20, art=art)
    cam.open()
    t0 = time.monotonic()
    for _ in range(6):
        cam.read()
    assert time.monotonic() - t0 >= 5 / 20 - 0.01


def test_faults_look_like_a_real_cameras(camera):
    first = camera.read()
    camera.fault = SimCameraFault.FROZEN
    assert np.array_equal(camera.read().image, camera.read().image)
    camera.fault = SimCameraFault.BLACK
    assert camera.read().image.mean() < 12
    camera.fault = SimCameraFault.GONE
    with pytest.raises(CameraFault):
        camera.read()
    assert first.image.mean() > 40


def test_reading_a_closed_camera_fails(sim_catalog, art):
    with pytest.raises(CameraFault):
        SimulatedCamera(VirtualTray(sim_catalog), art=art).read()


def test_missing_art_is_a_camera_fault_naming_the_sku(tmp_path, sim_catalog):
    (tmp_path / "index.json").write_text('{"px_per_mm": 3, "products": {}}')
    cam = SimulatedCamera(VirtualTray(sim_catalog), 160, 90, art_dir=tmp_path)
    with pytest.raises(CameraFault, match="cola-classic-330"):
        cam.open()


def test_a_cached_still_tray_still_follows_the_world(camera):
    # the camera reuses its drawing of a still tray: a change must still show at once
    for _ in range(6):
        camera.read()
    before = camera.read().image.astype(int)
    item = camera.tray.items()[0]
    camera.tray.remove(item.item_id)
    after = camera.read().image.astype(int)
    assert (np.abs(after - before).max(axis=2) > 40).mean() > 0.01
