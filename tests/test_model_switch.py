"""Staff switch the serving model release in maintenance mode and roll it back: a
release is checked on the kiosk before it serves, the switch happens between frames,
and the choice survives a restart; a broken release, or a damaged choice file, leaves
the kiosk serving what it served."""

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.app import KioskApp
from kiosk.config import load_config
from kiosk.models.choice import (
    CHOICE_FILE,
    ORACLE,
    load_choice,
    parse_ref,
    release_rows,
    save_choice,
)
from kiosk.models.repository import DEFAULT_ROOT, ModelError, ModelRepository
from kiosk.station.model_desk import TRIAL_FRAMES, ModelDesk

SHIPPED = DEFAULT_ROOT / "tray-detector" / "10"


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    """/10 as shipped; /11 the same release with its model file cut short in transit;
    /12 a profile whose labels the catalog does not know."""
    root = tmp_path_factory.mktemp("models")
    good = root / "tray-detector" / "10"
    shutil.copytree(SHIPPED, good)
    for version in (11, 12):
        d = root / "tray-detector" / str(version)
        shutil.copytree(SHIPPED, d)
        profile = json.loads((d / "profile.json").read_text())
        profile["version"] = version
        if version == 12:
            profile["labels"][0] = "durian-whole"
        (d / "profile.json").write_text(json.dumps(profile))
    model = root / "tray-detector" / "11" / "model.onnx"
    model.write_bytes(model.read_bytes()[:100_000])
    return root


def _app(repository: Path, data_dir: Path) -> KioskApp:
    config = load_config(
        environ={"KIOSK__SYNC__ENABLED": "false", "KIOSK__VISION__REPOSITORY": str(repository)}
    )
    return KioskApp(config, data_dir=data_dir, camera_size=(1280, 720))


def test_a_release_reference_is_name_slash_version():
    assert parse_ref("tray-detector-int8/9") == ("tray-detector-int8", 9)
    for bad in ("tray-detector", "tray-detector/", "/3", "tray-detector/0", "a/b"):
        with pytest.raises(ModelError, match="not a model release"):
            parse_ref(bad)


def test_a_damaged_choice_file_is_an_error_not_a_choice(tmp_path):
    path = tmp_path / CHOICE_FILE
    assert load_choice(path) is None
    saved = save_choice(path, "tray-detector/10", ORACLE)
    assert load_choice(path) == saved
    path.write_text('{"active": "tray-detector/1')  # a power cut mid-write of an old build
    with pytest.raises(ModelError, match="damaged"):
        load_choice(path)


def test_the_models_page_lists_every_release_with_what_it_reached(repository):
    rows = {
        r.ref: r
        for r in release_rows(
            ModelRepository(repository), "tray-detector/10", None, set(_catalog_skus())
        )
    }
    assert list(rows) == ["tray-detector/12", "tray-detector/11", "tray-detector/10"]
    assert rows["tray-detector/10"].status == "active"
    assert "accuracy 0.918" in rows["tray-detector/10"].summary
    assert "ms" in rows["tray-detector/10"].summary
    # only the profile is read for the list: the cut file is found when it is chosen
    assert rows["tray-detector/11"].status == "available"
    assert rows["tray-detector/12"].status == "refused"
    assert "durian-whole" in rows["tray-detector/12"].problem


def _catalog_skus() -> list[str]:
    from kiosk.catalog_file import load_catalog

    return list(load_catalog(load_config(environ={}).catalog.path).skus)


def test_staff_switch_the_model_roll_it_back_and_a_restart_keeps_the_choice(repository, tmp_path):
    app = _app(repository, tmp_path)
    try:
        assert app.models.rows()[-1].ref == "tray-detector/10"
        assert app.vision.detector.version == "tray-oracle"  # the demo's stand-in

        answer = app.maintenance.use_model("tray-detector/10")
        assert answer.startswith("ok: tray-detector/10 serves"), answer
        assert app.vision.detector.version == "tray-detector/10"
        assert app.vision.detector.camera is not None  # measures as the kiosk's camera is
        assert app.vision.sizer is not None  # and sizes produce with it
        assert app.service._model_version() == "tray-detector/10"  # what sales record
        statuses = {r.ref: r.status for r in app.maintenance.model_releases()}
        assert statuses["tray-detector/10"] == "active"

        # a release damaged in transit never serves, and says why
        answer = app.maintenance.use_model("tray-detector/11")
        assert answer.startswith("failed:") and "truncated" in answer, answer
        assert "tray-detector/10 goes on serving" in answer
        assert app.vision.detector.version == "tray-detector/10"
        assert app.maintenance.use_model("tray-detector/12").startswith("failed:")
    finally:
        app.stop()

    again = _app(repository, tmp_path)  # the kiosk restarts
    try:
        assert again.vision.detector.version == "tray-detector/10"
        assert "chosen by staff" in again.detector_note
        answer = again.maintenance.roll_back_model()
        assert answer.startswith("ok: oracle serves"), answer
        assert again.vision.detector.version == "tray-oracle"
        assert again.vision.sizer is None
        # rolling back again returns to the release rolled back from
        assert again.maintenance.roll_back_model().startswith("ok: tray-detector/10")
    finally:
        again.stop()


def test_a_chosen_release_that_no_longer_verifies_falls_back_to_the_config(repository, tmp_path):
    save_choice(tmp_path / CHOICE_FILE, "tray-detector/11", "tray-detector/10")
    app = _app(repository, tmp_path)
    try:
        assert app.vision.detector.version == "tray-oracle"
        assert app.maintenance.roll_back_model().startswith("failed: no earlier release")
    finally:
        app.stop()


class FakeVision:
    """The pipeline's counts, as the desk reads them."""

    def __init__(self):
        self.health = SimpleNamespace(model_version="tray-detector/9", frames_processed=500,
                                      run_errors=0)  # fmt: skip

    def serve(self, detector):
        self.health.model_version = detector.version


def _desk(tmp_path, vision):
    return ModelDesk(
        ModelRepository(tmp_path / "models"),
        tmp_path,
        set(),
        open_release=lambda ref: SimpleNamespace(version=ref, detect=lambda image: None),
        serve=vision.serve,
        serving=lambda: vision.health.model_version,
        last_image=lambda: None,
        health=lambda: vision.health,
    )


def test_a_release_that_fails_on_most_of_its_first_frames_is_rolled_back(tmp_path):
    vision = FakeVision()
    desk = _desk(tmp_path, vision)
    assert desk.switch("tray-detector/10").startswith("ok")
    h = vision.health
    h.frames_processed += 5
    h.run_errors += TRIAL_FRAMES // 2
    assert desk.check_trial() is None and desk.on_trial  # not judged yet
    h.run_errors += TRIAL_FRAMES // 2
    done = desk.check_trial()
    assert done is not None and "tray-detector/10 failed on 30 of its first 35 frames" in done
    assert h.model_version == "tray-detector/9"  # what served before
    assert load_choice(tmp_path / CHOICE_FILE).active == "tray-detector/9"
    assert not desk.on_trial  # the one rolled back to is not on trial


def test_a_release_that_serves_its_first_frames_stays(tmp_path):
    vision = FakeVision()
    desk = _desk(tmp_path, vision)
    desk.switch("tray-detector/10")
    vision.health.frames_processed += TRIAL_FRAMES - 3
    vision.health.run_errors += 3  # a few bad frames are the camera's life, not a verdict
    assert desk.check_trial() is None
    assert vision.health.model_version == "tray-detector/10" and not desk.on_trial


def test_a_rollout_is_taken_once_and_a_staff_roll_back_stands(tmp_path):
    vision = FakeVision()
    desk = _desk(tmp_path, vision)
    assert desk.take_rollout("tray-detector/10").startswith("rollout tray-detector/10: ok")
    assert vision.health.model_version == "tray-detector/10" and desk.on_trial
    assert desk.roll_back().startswith("ok: tray-detector/9")  # staff did not like it
    again = _desk(tmp_path, vision)  # a restart: headquarters still rolls /10 out
    assert again.take_rollout("tray-detector/10") is None
    assert vision.health.model_version == "tray-detector/9"
    assert again.take_rollout("tray-detector/11").startswith("rollout tray-detector/11: ok")
    assert load_choice(tmp_path / CHOICE_FILE).hq == "tray-detector/11"
