"""The fitter calibrates the camera at the kiosk (maintenance mode): two pictures of the
card through the kiosk's own camera, the calibration kept across restarts and used by
the size check at once; a bad picture or a bad saved file loses nothing."""

import json

import numpy as np
import pytest

from hardware.camera.frames import Frame
from hardware.sim.calibration_card import FLAT_CARD, RAISED_CARD, empty_tray_picture
from hardware.sim.scenes import rig_camera
from kiosk.app import KioskApp
from kiosk.config import load_config
from kiosk.station.camera_fitting import CALIBRATION_FILE, CameraFitting

CAM = rig_camera(3, (1280, 720))
BELOW_THE_TRAY = json.dumps(
    {"width": 1280, "height": 720, "position_mm": [300, 200, 100],
     "look_at_mm": [300, 200, 500], "focal_per_width": 0.8}
)  # fmt: skip  # not the demo's: a kiosk fitted a few cm off


@pytest.fixture(scope="module")
def shots():
    """What the kiosk's camera shows: the empty tray, the card flat, the card on the block."""
    tray = empty_tray_picture(CAM, seed=3)
    return {
        "empty": tray,
        "flat": FLAT_CARD.draw(tray, CAM),
        "raised": RAISED_CARD.draw(tray, CAM),
    }


class Kiosk:
    """The camera's latest frame (what the fitter has laid down) and the detector."""

    def __init__(self, shots):
        self.shots = shots
        self.showing = "empty"
        self.applied = []

    def frame(self):
        return Frame(self.shots[self.showing], 0.0, 1)

    def apply(self, camera):
        self.applied.append(camera)
        return "on (the camera is calibrated)"


def fitting(tmp_path, kiosk) -> CameraFitting:
    return CameraFitting(tmp_path, kiosk.frame, kiosk.apply, clock=lambda: 1_764_800_000.0)


def calibrated(tmp_path, shots) -> CameraFitting:
    """A fitting that took both card pictures and solved the camera."""
    kiosk = Kiosk(shots)
    fit = fitting(tmp_path, kiosk)
    for which in ("flat", "raised"):
        kiosk.showing = which
        fit.take(which)
    assert fit.solve().startswith("ok")
    return fit


def close_to_the_true_camera(cam) -> None:
    assert cam.position_mm[2] == pytest.approx(CAM.position_mm[2], rel=0.015)
    assert cam.focal_per_width == pytest.approx(CAM.focal_per_width, rel=0.015)


def test_two_pictures_calibrate_the_camera_and_the_detector_uses_it_at_once(tmp_path, shots):
    kiosk = Kiosk(shots)
    fit = fitting(tmp_path, kiosk)
    kiosk.showing = "flat"
    answer = fit.take("flat")
    assert answer.startswith("ok: the card is in the flat picture (54 corners)"), answer
    kiosk.showing = "raised"
    assert fit.take("raised").startswith("ok"), "the raised card is found"
    answer = fit.solve()
    assert answer.startswith("ok: camera") and "size check on" in answer, answer
    close_to_the_true_camera(kiosk.applied[-1])
    # kept for a later look, and across a restart
    assert (tmp_path / "camera_fitting" / "card-flat.png").stat().st_size > 10_000
    saved = fitting(tmp_path, Kiosk(shots)).load((1280, 720))
    assert saved is not None and saved.at == 1_764_800_000.0
    close_to_the_true_camera(saved.camera)
    assert saved.summary in answer
    # another resolution of the same picture shape is the same camera, scaled
    assert fitting(tmp_path, Kiosk(shots)).load((1920, 1080)) is not None


def test_a_picture_without_the_card_is_refused_at_once_and_nothing_is_kept(tmp_path, shots):
    kiosk = Kiosk(shots)
    fit = fitting(tmp_path, kiosk)
    answer = fit.take("flat")  # the card is not on the tray yet
    assert answer.startswith("failed: no 9x6 calibration card in the picture"), answer
    assert fit.solve() == "failed: take the picture of the card lying flat first"
    kiosk.showing = "flat"
    fit.take("flat")
    assert fit.solve() == "failed: take the picture of the card on the block too"
    assert not kiosk.applied and not (tmp_path / CALIBRATION_FILE).exists()
    assert fit.take("sideways").startswith("failed: no card picture 'sideways'")


def test_the_flat_picture_taken_twice_instead_of_the_raised_one_is_caught(tmp_path, shots):
    kiosk = Kiosk(shots)
    fit = fitting(tmp_path, kiosk)
    kiosk.showing = "flat"
    fit.take("flat")
    fit.take("raised")  # the fitter forgot to put the card on the block
    answer = fit.solve()
    assert answer.startswith("failed:"), answer
    assert not kiosk.applied and not (tmp_path / CALIBRATION_FILE).exists()


def test_no_camera_picture_yet(tmp_path):
    fit = CameraFitting(tmp_path, lambda: None, lambda cam: "")
    assert fit.take("flat") == "failed: no camera picture yet"


@pytest.mark.parametrize(
    "content, why",
    [
        ("{half a file", "unreadable"),
        ("[1, 2]", "not a calibration"),
        ('{"width": 1280, "height": 720}', "invalid"),
        (BELOW_THE_TRAY, "invalid"),
    ],
)
def test_a_bad_saved_calibration_is_not_used_and_says_why(tmp_path, caplog, content, why):
    (tmp_path / CALIBRATION_FILE).write_text(content)
    assert CameraFitting(tmp_path, lambda: None, lambda cam: "").load((1280, 720)) is None
    assert why in caplog.text


def test_a_calibration_of_another_picture_shape_is_not_used(tmp_path, shots, caplog):
    fit = calibrated(tmp_path, shots)
    assert fit.load((640, 480)) is None
    assert "was made at 1280x720, the camera gives 640x480" in caplog.text


def test_a_restarted_kiosk_measures_with_the_calibration_its_fitter_made(
    tmp_path, shots, monkeypatch
):
    """The calibration made in maintenance mode wins over the demo's own fitting."""
    monkeypatch.setenv("KIOSK_DEMO_DETECTOR", "model")
    config = load_config(environ={"KIOSK__SYNC__ENABLED": "false"})
    calibrated(tmp_path, shots)  # the fitter, before the restart
    saved = json.loads((tmp_path / CALIBRATION_FILE).read_text())
    app = KioskApp(config, data_dir=tmp_path, camera_size=(1280, 720), use_model=True)
    try:
        assert app.detector.camera is not None
        assert app.detector.camera.position_mm == pytest.approx(saved["position_mm"])
        assert not np.allclose(app.detector.camera.position_mm, app.world.camera_model.position_mm)
        assert app.detector.size_check_state.startswith("on")
    finally:
        app.stop()
