"""`hq` administration commands and `hq serve` as a real process."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from hq.cli import main

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "assets" / "catalog" / "demo.json"


def test_device_tokens_admin_tokens_and_catalog_publishing(tmp_path, capsys):
    data = ["--data", str(tmp_path)]
    assert main([*data, "device", "add", "kiosk-9", "--store", "demo-001"]) == 0
    token = capsys.readouterr().out.strip()
    assert len(token) >= 40
    assert main([*data, "device", "add", "kiosk-9", "--store", "demo-001"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main([*data, "device", "rotate-token", "kiosk-9"]) == 0
    assert capsys.readouterr().out.strip() != token
    assert main([*data, "device", "list"]) == 0
    (device,) = json.loads(capsys.readouterr().out)["devices"]
    assert device["device_id"] == "kiosk-9" and device["last_heartbeat"] is None
    assert main([*data, "catalog", "publish", "--store", "demo-001", str(DEMO_CATALOG)]) == 0
    assert "published catalog" in capsys.readouterr().out
    assert main([*data, "catalog", "publish", "--store", "other", str(DEMO_CATALOG)]) == 1
    assert "not 'other'" in capsys.readouterr().err
    assert main([*data, "admin-token", "add", "ops"]) == 0
    assert (tmp_path / "hq.sqlite3").is_file()


@pytest.mark.timeout(60)
def test_hq_serve_demo_answers_the_demo_kiosk(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "hq.cli", "--data", str(tmp_path), "serve", "--demo"]
    proc = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/v1/health", timeout=1)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, "hq serve died"
                time.sleep(0.1)
        auth = {"Authorization": "Bearer demo-kiosk-token"}
        r = requests.get(url + "/v1/device/settings", headers=auth, timeout=5)
        assert r.json()["device_id"] == "demo-kiosk-01" and r.json()["store_id"] == "demo-001"
        r = requests.get(url + "/v1/stores/demo-001/catalog", headers=auth, timeout=5)
        assert r.status_code == 200 and r.content == DEMO_CATALOG.read_bytes()
        # the demo's reviewer signs in to the review page
        with requests.Session() as browser:
            r = browser.post(url + "/review/login", data={"token": "demo-review-token"}, timeout=5)
            assert r.status_code == 200 and "signed in as demo-reviewer" in r.text
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stderr.close()
