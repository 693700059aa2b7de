"""The fitter's camera calibration: pictures of the card on the tray (flat, and on a
block) tell the size check where the camera hangs, as well as its true pinhole does."""

import numpy as np
import pytest

from hardware.sim.calibration_card import empty_tray_picture, place_card
from hardware.sim.camera_model import default_camera
from hardware.sim.scenes import rig_camera
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.vision.camera_calibration import (
    CalibrationCard,
    CalibrationError,
    calibrate,
    find_card,
    solve_camera,
)
from kiosk.vision.session import open_detector
from kiosk.vision.size_check import SizeTable, cylinder_points
from tests.vision.test_size_check import TALL, beer_release, red_frame, seen_box

CARD = CalibrationCard()
RAISE_MM = 100.0
CANS = np.stack([cylinder_points(66.0, 115.0), cylinder_points(66.0, 168.0)])


@pytest.fixture(scope="module")
def pictures():
    """The card on the tray seen by three kiosks (the demo's, a fitter's a few cm off,
    and one framing the tray tighter: a longer focal length), flat and on a 100 mm
    block: (camera, flat picture, raised picture)."""
    cams = {"demo": default_camera(1280, 720), "rig 0": rig_camera(0, (1280, 720)),
            "tight rig 7": rig_camera(7, (1280, 720))}  # fmt: skip
    pictures = {}
    for i, (name, cam) in enumerate(cams.items()):
        tray = empty_tray_picture(cam, seed=i)
        # laid down anywhere, a little turned: each fitter does it differently
        at, angle = (150.0 + 30 * i, 110.0), -6.0 + 9 * i
        flat = place_card(tray, cam, at, angle_deg=angle, seed=i)
        raised = place_card(tray, cam, (at[0] + 15, at[1] - 10), angle_deg=angle + 5,
                            seed=i + 10, height_mm=RAISE_MM)  # fmt: skip
        pictures[name] = cam, flat, raised
    return pictures


def how_big_a_standing_can_looks_differs(cam, got) -> float:
    """Largest difference (log size) over the picture between the two cameras'
    predicted boxes of a standing can, what the size check reads."""
    upright = [0, CANS.shape[1]]
    truth = SizeTable(cam, CANS).log_sizes[:, :, upright]
    return float(np.abs(truth - SizeTable(got, CANS).log_sizes[:, :, upright]).max())


@pytest.mark.parametrize("focal", ["from the lens", "from the raised card"])
@pytest.mark.parametrize("kiosk", ["demo", "rig 0", "tight rig 7"])
def test_the_card_tells_how_big_a_can_looks_anywhere_in_the_picture(pictures, kiosk, focal):
    cam, flat, raised = pictures[kiosk]
    if focal == "from the lens":
        result = calibrate(flat, CARD, cam.focal_per_width)
        assert result.focal == "given"
    else:
        result = calibrate(flat, CARD, raised=raised, raise_mm=RAISE_MM)
        assert result.focal == "from the card raised 100 mm"
    got = result.camera
    assert result.error_px < 0.2
    assert got.position_mm[2] == pytest.approx(cam.position_mm[2], rel=0.015)
    assert got.focal_per_width == pytest.approx(cam.focal_per_width, rel=0.015)
    # within 1 % of the true camera's (the two cans differ by about 8 %, sigma is 4 %)
    assert how_big_a_standing_can_looks_differs(cam, got) < 0.01


@pytest.mark.parametrize("kiosk", ["demo", "rig 0", "tight rig 7"])
def test_one_flat_picture_gives_the_focal_length_only_when_it_pins_it(pictures, kiosk):
    cam, flat, _ = pictures[kiosk]
    corners = find_card(flat, CARD)
    try:
        result = solve_camera(corners, CARD, 1280, 720)
    except CalibrationError as err:  # the sharp simulated card pins it about half the time
        assert "--focal-per-width, or add a picture" in str(err)
    else:
        sd = result.focal_uncertainty
        assert result.focal.startswith("solved (±") and sd <= 0.02
        assert result.camera.focal_per_width == pytest.approx(cam.focal_per_width, rel=3 * sd)
    # Corners found a little less precisely (0.3 px, a real camera's): focal length
    # and height trade off too freely to say, and the kiosk says what to do instead.
    shaken = corners + np.random.default_rng(3).normal(0, 0.3, corners.shape)
    with pytest.raises(CalibrationError, match="--focal-per-width, or add a picture"):
        solve_camera(shaken, CARD, 1280, 720)
    raised = find_card(pictures[kiosk][2], CARD)
    raised += np.random.default_rng(4).normal(0, 0.3, raised.shape)
    steady = solve_camera(shaken, CARD, 1280, 720, raised=raised, raise_mm=RAISE_MM)
    assert steady.camera.position_mm[2] == pytest.approx(cam.position_mm[2], rel=0.015)
    # a block of another height than the fitter typed is caught, not believed
    with pytest.raises(CalibrationError, match="was the card raised by 60 mm"):
        solve_camera(corners, CARD, 1280, 720, raised=raised, raise_mm=60.0)


def test_a_kiosk_calibrated_from_the_card_names_a_500_ml_can_by_its_size(
    pictures, tmp_path, capsys
):
    import cv2

    cam, flat, raised = pictures["demo"]
    cv2.imwrite(str(tmp_path / "card.png"), flat)
    cv2.imwrite(str(tmp_path / "raised.png"), raised)
    flat_path, raised_path = str(tmp_path / "card.png"), str(tmp_path / "raised.png")
    assert main(["calibrate-camera", flat_path, "--raised", raised_path, "--raise-mm", "100"]) == 0
    section = capsys.readouterr().out
    assert "focal length from the card raised 100 mm" in section
    assert "[vision.camera_calibration]" in section
    box = seen_box(TALL, camera=cam)
    beer_release(tmp_path / "models", box)
    conf = tmp_path / "kiosk.toml"
    conf.write_text(
        f'[store]\ndata_dir = "{tmp_path / "data"}"\n[vision]\nmodel = "tiny"\n'
        f'repository = "{tmp_path / "models"}"\nwarmup_runs = 0\n{section}'
    )
    det = open_detector(load_config(conf, environ={}).vision)
    assert det.size_check_state.startswith("on")
    item = det.detect(red_frame(box)).items[0]
    assert item.best.sku == "beer-seabreeze-500" and item.best.score > 0.9


def test_a_picture_without_the_whole_card_is_refused_with_what_to_do(pictures):
    cam, picture, _ = pictures["demo"]
    with pytest.raises(CalibrationError, match="lay the whole card flat on the empty tray"):
        calibrate(empty_tray_picture(cam), CARD)
    half = picture.copy()
    half[:, 640:] = half[:, 639:640]  # the card's right half out of the picture
    with pytest.raises(CalibrationError, match="no 9x6 calibration card"):
        find_card(half, CARD)
    with pytest.raises(CalibrationError, match="no 8x6 calibration card"):
        calibrate(picture, CalibrationCard(8, 6, 25.0))


def test_a_bent_card_or_a_moving_camera_is_refused_not_believed(pictures):
    _, picture, _ = pictures["demo"]
    corners = find_card(picture, CARD)
    shaken = corners + np.random.default_rng(1).normal(0, 2.5, corners.shape)
    with pytest.raises(CalibrationError, match="fits the camera only to"):
        solve_camera(shaken, CARD, 1280, 720, focal_per_width=1.0)
    with pytest.raises(CalibrationError, match="54 on the card"):
        solve_camera(corners[:40], CARD, 1280, 720)


def test_card_sizes_are_checked_and_a_bad_picture_file_says_so(tmp_path, capsys):
    assert CalibrationCard.parse("7x5", 30) == CalibrationCard(7, 5, 30.0)
    refused = [("9", 25, "COLSxROWS"), ("6x6", 25, "not square"),
               ("2x5", 25, "at least 3x3"), ("9x6", 0.1, "printed card")]  # fmt: skip
    for text, square, what in refused:
        with pytest.raises(CalibrationError, match=what):
            CalibrationCard.parse(text, square)
    (tmp_path / "x.png").write_bytes(b"not a picture")
    assert main(["calibrate-camera", str(tmp_path / "x.png")]) == 2
    assert "not a picture OpenCV can read" in capsys.readouterr().err


def test_kiosk_eval_can_measure_with_what_the_card_gives_or_with_no_calibration():
    from kiosk.vision.evaluate import _as_calibrated

    cam = rig_camera(3, (1280, 720))
    assert _as_calibrated(cam, "true") is cam and _as_calibrated(cam, "none") is None
    measured = _as_calibrated(cam, "card")
    assert measured != cam
    assert measured.position_mm[2] == pytest.approx(cam.position_mm[2], rel=0.015)
    assert _as_calibrated(cam, "card") is measured  # one card picture per camera rig
    assert _as_calibrated(None, "card") is None  # a set that names no camera


def test_the_calibration_bench_counts_right_wrong_and_refused_fittings(capsys):
    import json

    assert main(["bench", "calibration", "--rigs", "1", "--per-rig", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["fittings"] == 2
    for way in ("one_picture", "two_pictures"):
        r = report[way]
        assert r["right"] + r["wrong"] + r["refused"] == 2 and r["wrong"] == 0
    assert report["two_pictures"]["right"] == 2
