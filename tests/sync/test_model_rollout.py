"""Model releases from headquarters reach the kiosk signed, whole, and resumable: the
real sync client downloads through a fault-injecting proxy from the real headquarters
service on loopback, and the kiosk serves a rolled-out release between sales."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fault_proxy import Fault
from sync_helpers import DEVICE, TOKEN, fast_config, wait_for

from hq.cli import main as hq_main
from hq.model_releases import generate_key
from kiosk.models.repository import DEFAULT_ROOT, ModelRepository, sha256_file
from kiosk.sync.client import HqClient, Transient
from kiosk.sync.model_update import DOWNLOADS, ModelFeed, ModelUpdateError
from tests.vision.tiny_models import constant_detector, profile_for, write_release, yolo_output

LABELS = ["cola-classic-330", "cola-lemon-330", "chips-original-70"]


def _tiny_release(root: Path, version: int) -> Path:
    out = yolo_output([(160, 128, 80, 40)], [[0.9, 0.4, 0.0]], anchors=8)
    data = constant_detector(out, 320, 256)
    return write_release(root, data, profile_for(data, LABELS, 320, 256, 8, version=version))


def _publish(hq_dir: Path, release: Path, key: Path, percent: int = 100) -> None:
    data = ["--data", str(hq_dir)]
    assert hq_main([*data, "model", "publish", str(release), "--key", str(key)]) == 0
    name, version = release.parent.name, release.name
    assert hq_main([*data, "model", "rollout", f"{name}/{version}", "--percent", str(percent)]) == 0


@pytest.fixture
def signing(tmp_path) -> tuple[Path, str]:
    key = tmp_path / "signing.pem"
    return key, generate_key(key)


class Counting(HqClient):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.downloads: list[str] = []

    def download(self, sha256, dest, size):
        self.downloads.append(sha256)
        super().download(sha256, dest, size)


def test_a_download_that_breaks_off_resumes_and_installs_whole(tmp_path, hq, proxy, signing):
    key, public = signing
    _publish(tmp_path / "hq", _tiny_release(tmp_path / "made", 1), key)
    installed = []
    root = tmp_path / "kiosk-models"
    feed = ModelFeed("tiny", root, public, installed.append, known_skus=LABELS)
    client = Counting(fast_config(proxy.url, model_key=public))
    # the release document passes; the first file arrives; the second is cut off
    proxy.script(Fault.NONE, Fault.NONE, Fault.RESET_RESPONSE)
    with pytest.raises(Transient):
        feed.check(client)
    assert not (root / "tiny").exists()  # nothing half-installed in the repository
    staged = sorted(p.name for p in (root / DOWNLOADS / "tiny" / "1").iterdir())
    assert staged == ["model.onnx"]
    first = list(client.downloads)
    feed.check(client)  # the next check resumes: only what is missing is fetched
    assert client.downloads[len(first) :] == [first[-1]]
    assert installed == ["tiny/1"]
    assert ModelRepository(root).load("tiny", 1).profile.labels == LABELS
    assert feed.state == "tiny/1 (stable): installed"
    feed.check(client)  # acted on once
    assert installed == ["tiny/1"]
    client.close()


def _same_model_new_version(made: Path, version: int) -> Path:
    """A release whose model is an installed one's: only its profile is new."""
    first = made / "tiny" / "1"
    again = made / "tiny" / str(version)
    shutil.copytree(first, again)
    profile = json.loads((again / "profile.json").read_text())
    (again / "profile.json").write_text(json.dumps({**profile, "version": version}))
    return again


def test_files_an_installed_release_has_are_copied_not_downloaded(tmp_path, hq, signing):
    key, public = signing
    _publish(tmp_path / "hq", _tiny_release(tmp_path / "made", 1), key)
    root = tmp_path / "kiosk-models"
    feed = ModelFeed("tiny", root, public, lambda ref: None, known_skus=LABELS)
    client = Counting(fast_config(hq.url, model_key=public))
    feed.check(client)
    assert len(client.downloads) == 2  # model.onnx and profile.json

    # tiny/2: the same model under a new profile. Only the profile crosses the line.
    _publish(tmp_path / "hq", _same_model_new_version(tmp_path / "made", 2), key)
    feed.check(client)
    profile_sha = sha256_file(root / "tiny" / "2" / "profile.json")
    assert client.downloads[2:] == [profile_sha]
    assert feed.state == "tiny/2 (stable): installed (1 of 2 files already here)"
    assert ModelRepository(root).load("tiny", 2, LABELS).profile.version == 2

    # an installed file that has gone bad is not copied: the new release downloads it
    model = root / "tiny" / "2" / "model.onnx"
    body = bytearray(model.read_bytes())
    body[-1] ^= 0xFF
    model.write_bytes(bytes(body))
    (root / "tiny" / "1" / "model.onnx").unlink()
    _publish(tmp_path / "hq", _same_model_new_version(tmp_path / "made", 3), key)
    feed.check(client)
    assert len(client.downloads) == 5 and feed.state == "tiny/3 (stable): installed"
    assert ModelRepository(root).load("tiny", 3, LABELS).profile.version == 3
    client.close()


def test_a_release_not_signed_by_the_configured_key_is_refused_for_good(tmp_path, hq, signing):
    key, _ = signing
    _publish(tmp_path / "hq", _tiny_release(tmp_path / "made", 1), key)
    other = generate_key(tmp_path / "someone-else.pem")
    root = tmp_path / "kiosk-models"
    feed = ModelFeed("tiny", root, other, lambda ref: None, known_skus=LABELS)
    client = Counting(fast_config(hq.url, model_key=other))
    with pytest.raises(ModelUpdateError, match="signature does not match"):
        feed.check(client)
    feed.check(client)  # not retried: the same release cannot become signed
    assert client.downloads == [] and not root.exists()
    assert "refused" in feed.state
    client.close()


def test_a_file_altered_at_headquarters_never_installs(tmp_path, hq, signing):
    key, public = signing
    release = _tiny_release(tmp_path / "made", 1)
    _publish(tmp_path / "hq", release, key)
    stored = hq.images.root.parent / "model-files"
    victim = max((p for p in stored.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    body = bytearray(victim.read_bytes())
    body[len(body) // 2] ^= 0xFF  # one byte changed, the same size
    victim.write_bytes(bytes(body))
    root = tmp_path / "kiosk-models"
    feed = ModelFeed("tiny", root, public, lambda ref: None, known_skus=LABELS)
    client = HqClient(fast_config(hq.url, model_key=public))
    with pytest.raises(Transient, match="altered"):
        feed.check(client)
    assert not (root / "tiny").exists()
    client.close()


@pytest.mark.timeout(120)
def test_the_kiosk_serves_a_rolled_out_release_between_sales(tmp_path, hq, signing):
    """tray-detector/11 (the shipped /10's files under a new version) rolled out to all
    kiosks: downloaded by the kiosk's sync worker, proved, and serving."""
    from kiosk.app import KioskApp
    from kiosk.config import load_config

    key, public = signing
    repo = tmp_path / "kiosk-models"
    shutil.copytree(DEFAULT_ROOT / "tray-detector" / "10", repo / "tray-detector" / "10")
    made = tmp_path / "made" / "tray-detector" / "11"
    shutil.copytree(DEFAULT_ROOT / "tray-detector" / "10", made)
    profile = json.loads((made / "profile.json").read_text())
    profile["version"] = 11
    (made / "profile.json").write_text(json.dumps(profile))
    _publish(tmp_path / "hq", made, key)
    config = load_config(
        environ={
            "KIOSK__DEVICE__ID": DEVICE,
            "KIOSK__SYNC__URL": hq.url,
            "KIOSK__SYNC__DEVICE_TOKEN": TOKEN,
            "KIOSK__SYNC__ALLOW_PLAIN_HTTP_LOOPBACK": "true",
            "KIOSK__SYNC__MODEL_KEY": public,
            "KIOSK__SYNC__MODEL_INTERVAL_S": "0.5",
            "KIOSK__VISION__REPOSITORY": str(repo),
        }
    )
    app = KioskApp(config, data_dir=tmp_path / "kiosk", camera_size=(1280, 720)).start()
    try:
        wait_for(
            lambda: app.vision.detector.version == "tray-detector/11", 90, "the rollout to serve"
        )
        assert (repo / "tray-detector" / "11" / "model.onnx").is_file()
        # the audit row is written just after the switch, on the same jobs thread
        wait_for(
            lambda: "model_rollout" in [r["action"] for r in app.staff.recent_audit(20)],
            10,
            "the rollout's audit row",
        )
        wait_for(
            lambda: "tray-detector/11" in json.dumps(hq.db.devices()), 30, "the heartbeat to tell"
        )
        # /11 is /10's files under a new profile: only the profile was downloaded
        wait_for(
            lambda: "5 of 6 files already here" in json.dumps(hq.db.devices()),
            30,
            "the heartbeat to say what was downloaded",
        )
    finally:
        app.stop()
