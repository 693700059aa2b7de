"""Model releases at headquarters: signed by the release engineer's key, files by
sha256, rolled out to a canary share of the kiosks, then to all, or taken back."""

from __future__ import annotations

import hashlib
import json

import pytest
from hq_helpers import DEVICE, OTHER_DEVICE, OTHER_TOKEN, TOKEN

from hq.cli import main
from hq.db import HqDatabase
from hq.model_releases import cohort, verify


def _release(root, version: int, weights: bytes):
    d = root / "tiny" / str(version)
    d.mkdir(parents=True)
    (d / "profile.json").write_text(json.dumps({"name": "tiny", "version": version}))
    (d / "model.onnx").write_bytes(weights)
    return d


@pytest.fixture
def published(tmp_path, capsys):
    """hq's data directory with tiny/1 and tiny/2 published, and the kiosks' key."""
    data = ["--data", str(tmp_path / "hq")]
    assert main([*data, "model", "keygen", str(tmp_path / "signing.pem")]) == 0
    public = capsys.readouterr().out.strip()
    for version in (1, 2):
        d = _release(tmp_path / "repo", version, bytes([version]) * 5000)
        assert (
            main([*data, "model", "publish", str(d), "--key", str(tmp_path / "signing.pem")]) == 0
        )
        assert f"published tiny/{version}: 2 files" in capsys.readouterr().out
    return data, public


def test_a_signing_key_is_never_overwritten_and_a_version_never_changes(
    tmp_path, published, capsys
):
    data, _ = published
    assert main([*data, "model", "keygen", str(tmp_path / "signing.pem")]) == 1
    assert "never overwritten" in capsys.readouterr().err
    again = tmp_path / "again"
    d = _release(again, 2, b"other weights")
    assert main([*data, "model", "publish", str(d), "--key", str(tmp_path / "signing.pem")]) == 1
    assert "immutable" in capsys.readouterr().err
    assert main([*data, "model", "rollout", "tiny/9", "--percent", "10"]) == 1
    assert "not published" in capsys.readouterr().err


def test_a_canary_reaches_its_share_of_kiosks_then_all_or_is_taken_back(
    tmp_path, published, capsys
):
    import requests

    from hq.app import create_app
    from hq.images import HqImageStore
    from hq.testing import ServerThread

    data, public = published
    first, second = cohort(DEVICE, "tiny"), cohort(OTHER_DEVICE, "tiny")
    if first == second:
        pytest.skip("both test devices hash to the same cohort")
    inside, outside = (TOKEN, OTHER_TOKEN) if first < second else (OTHER_TOKEN, TOKEN)
    share = max(first, second)  # the lower one is in, the higher one not
    assert main([*data, "model", "rollout", "tiny/1", "--percent", "100"]) == 0
    assert main([*data, "model", "rollout", "tiny/2", "--percent", str(share)]) == 0
    capsys.readouterr()

    db = HqDatabase.for_path(tmp_path / "hq" / "hq.sqlite3")
    db.set_device_token(DEVICE, "demo-001", TOKEN)
    db.set_device_token(OTHER_DEVICE, "store-2", OTHER_TOKEN)
    server = ServerThread(create_app(db, HqImageStore(tmp_path / "hq" / "images"))).start()
    try:

        def get(path, token=TOKEN):
            return requests.get(server.url + path, headers={"Authorization": f"Bearer {token}"},
                                timeout=10)  # fmt: skip

        canary = get("/v1/device/model-release?name=tiny", inside).json()
        stable = get("/v1/device/model-release?name=tiny", outside).json()
        assert (canary["ref"], canary["track"]) == ("tiny/2", "canary")
        assert (stable["ref"], stable["track"]) == ("tiny/1", "stable")
        # the kiosk checks the signature over the bytes it got, then each file
        assert verify(canary["manifest"].encode(), canary["signature"], public)
        assert not verify(stable["manifest"].encode(), canary["signature"], public)
        manifest = json.loads(canary["manifest"])
        for f in manifest["files"]:
            body = get(f"/v1/model-files/{f['sha256']}").content
            assert hashlib.sha256(body).hexdigest() == f["sha256"] and len(body) == f["size"]
        assert get(f"/v1/model-files/{'0' * 64}").status_code == 404
        assert get(f"/v1/model-files/{manifest['files'][0]['sha256']}", "nope").status_code == 401
        assert get("/v1/device/model-release?name=other").status_code == 404
        assert get("/v1/device/model-release?name=../x").status_code == 422

        assert main([*data, "model", "halt", "tiny"]) == 0  # the canary went badly
        assert get("/v1/device/model-release?name=tiny", inside).json()["ref"] == "tiny/1"
        assert main([*data, "model", "rollout", "tiny/2", "--percent", "100"]) == 0
        for token in (inside, outside):
            assert get("/v1/device/model-release?name=tiny", token).json() == {
                **canary,
                "track": "stable",
            }
    finally:
        server.stop()
        db.close()
    capsys.readouterr()
    assert main([*data, "model", "list"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [r["ref"] for r in listing["releases"]] == ["tiny/1", "tiny/2"]
    assert listing["rollouts"]["tiny"]["stable"] == "tiny/2"
    assert listing["rollouts"]["tiny"]["canary"] is None
