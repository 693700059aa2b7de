"""`kiosk run`: the product's composition on configured devices, not simulators.

The real drivers are used exactly as on a terminal: the serial scale driver talks
to a scale simulator on a pseudo-terminal, the OpenCV camera reads a video file of
the tray, and the shipped model recognises it.
"""

import time

import cv2
import numpy as np
import pytest

from kiosk.cli import main
from kiosk.config import ConfigError, load_config
from kiosk.domain.checkout import Phase

pytestmark = pytest.mark.timeout(90)


def wait_for(what, predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture()
def tray_video(tmp_path):
    """A few seconds of an empty tray as a camera sees it: sensor noise in every frame."""
    from hardware.sim.camera import SimulatedCamera
    from hardware.sim.catalog import load_sim_catalog
    from hardware.sim.tray import VirtualTray

    tray = VirtualTray(load_sim_catalog(), seed=3)
    camera = SimulatedCamera(tray, width=640, height=360, fps=10, pace=False)
    camera.open()
    path = tmp_path / "tray.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 360))
    try:
        for _ in range(30):
            writer.write(camera.read(timeout=5).image)
    finally:
        writer.release()
        camera.close()
    return path


@pytest.fixture()
def scale_sim():
    from hardware.sim.scale import ScaleSimulator
    from hardware.sim.scale_load import PlatformLoad

    sim = ScaleSimulator(PlatformLoad(0.0), "mtsics").start()
    yield sim
    sim.stop()


def test_kiosk_run_starts_on_configured_devices(tmp_path, tray_video, scale_sim):
    from kiosk.app import KioskApp

    conf = tmp_path / "kiosk.toml"
    conf.write_text(
        f'[device]\nid = "shop7-k2"\n[store]\ndata_dir = "{tmp_path / "data"}"\n'
        "[sync]\nenabled = false\n"
        f'[camera]\nsource = "{tray_video}"\nloop_file = true\n'
        f'[scale]\ntype = "mtsics"\nurl = "{scale_sim.path}"\n'
    )
    config = load_config(conf, environ={})
    app = KioskApp(config, simulated=False).start()
    try:
        assert app.world is None and app.printer is None and app.scanner is None
        assert app.detector_note.startswith("tray-detector/")
        wait_for("the scale READY", lambda: app._scale_status().ok)
        wait_for("camera frames", lambda: app.diagnostics().camera_fps > 0)
        wait_for("a stable weight", lambda: app.last_weight is not None and app.last_weight.stable)
        d = app.diagnostics()
        assert d.model_version.startswith("tray-detector/")
        assert d.provider == "CPUExecutionProvider"
        # the model tells beer sizes apart only with the camera calibrated: staff see why not
        assert d.size_check.startswith("off: the camera is not calibrated")
        assert app.service.checkout.phase is Phase.IDLE
        assert app.service.checkout.sale_prefix.startswith("shop7-k2-")
    finally:
        app.stop()


def test_headquarters_sees_a_running_kiosks_model_provider_devices_and_size_check(
    tmp_path, tray_video, scale_sim
):
    from hq.app import Limits, create_app
    from hq.db import HqDatabase
    from hq.images import HqImageStore
    from hq.testing import ServerThread
    from kiosk.app import KioskApp

    db = HqDatabase.for_path(tmp_path / "hq" / "hq.sqlite3")
    db.migrate()
    db.set_device_token("shop7-k2", "shop7", "token-of-k2")
    server = ServerThread(create_app(db, HqImageStore(tmp_path / "hq" / "img"), Limits())).start()
    conf = tmp_path / "kiosk.toml"
    conf.write_text(
        f'[device]\nid = "shop7-k2"\n[store]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[sync]\nurl = "{server.url}"\ndevice_token = "token-of-k2"\n'
        "allow_plain_http_loopback = true\nheartbeat_interval_s = 0.2\n"
        f'[camera]\nsource = "{tray_video}"\nloop_file = true\n'
        f'[scale]\ntype = "mtsics"\nurl = "{scale_sim.path}"\n'
    )
    app = KioskApp(load_config(conf, environ={}), simulated=False).start()

    def beat() -> dict:
        (device,) = db.devices()
        return device["last_heartbeat"] or {}

    try:
        wait_for(
            "a heartbeat with the scale ready",
            lambda: beat().get("devices", {}).get("scale", "").startswith("ok - ready"),
        )
        seen = beat()
    finally:
        app.stop()
        server.stop()
        db.close()
    # what staff at headquarters read to tell a kiosk that needs a visit
    assert seen["model_version"].startswith("tray-detector/")
    assert seen["execution_provider"] == "CPUExecutionProvider"
    assert seen["devices"]["camera"].startswith("ok")
    assert seen["devices"]["printer"] == "none configured"
    assert seen["size_check"].startswith("off: the camera is not calibrated")


def test_kiosk_run_without_devices_says_which_are_missing(tmp_path, capsys):
    from kiosk.app import KioskApp

    config = load_config(environ={"KIOSK__STORE__DATA_DIR": str(tmp_path)})
    with pytest.raises(ConfigError, match=r"add \[camera\] and \[scale\]"):
        KioskApp(config, simulated=False)
    conf = tmp_path / "k.toml"
    conf.write_text(f'[store]\ndata_dir = "{tmp_path}"\n')
    assert main(["--config", str(conf), "run"]) == 2
    assert "kiosk run needs the devices" in capsys.readouterr().err


def test_device_sections_are_validated_by_their_type(tmp_path):
    conf = tmp_path / "k.toml"
    conf.write_text('[scale]\ntype = "nci"\nurl = "/dev/ttyUSB0"\nbogus = 1\n')
    with pytest.raises(ConfigError, match=r"scale\.nci\.bogus"):
        load_config(conf, environ={})
    conf.write_text('[scale]\ntype = "weighbridge"\nurl = "/dev/ttyUSB0"\n')
    with pytest.raises(ConfigError, match="scale"):
        load_config(conf, environ={})
    assert np  # numpy is what the frames are made of; imported for the fixture


def test_the_demo_kiosk_on_its_model_is_calibrated_from_the_card_like_a_fitted_one(
    tmp_path, monkeypatch
):
    from kiosk.app import KioskApp

    monkeypatch.setenv("KIOSK_DEMO_DETECTOR", "model")  # below the demo's bar: forced

    config = load_config(
        environ={"KIOSK__STORE__DATA_DIR": str(tmp_path), "KIOSK__SYNC__ENABLED": "false"}
    )
    app = KioskApp(config, use_model=True).start()
    try:
        truth, measured = app.world.camera_model, app.detector.camera
        assert app.diagnostics().size_check.startswith("on")
        # the card picture read back, not the simulator's own pinhole handed over
        assert measured is not truth
        assert measured.position_mm[2] == pytest.approx(truth.position_mm[2], rel=0.015)
        assert measured.focal_per_width == pytest.approx(truth.focal_per_width, rel=0.015)
    finally:
        app.stop()
