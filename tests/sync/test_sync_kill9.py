"""kill -9 the kiosk while it sells and syncs, 20 times: still exactly once."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sync_helpers import DEVICE, TOKEN
from test_sync_faults import assert_exactly_once

from kiosk.store import SalesStore

CHILD = Path(__file__).with_name("kiosk_child.py")


def spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def integrity(db_path: Path) -> str:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_kill_9_during_checkouts_and_sync_twenty_times(hq, proxy, tmp_path):
    proxy.set_fault_rate(0.1)  # and a flaky network on top
    db_path = tmp_path / "kiosk" / "sales.db"
    rng = random.Random(99)
    sent_before_kill = []
    for _ in range(20):
        child = spawn(str(db_path), proxy.url, TOKEN, DEVICE, "sell", "1500")
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.strip() == "ready", child.stderr.read() if child.stderr else line
            time.sleep(rng.uniform(0.2, 0.6))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            child.stdout.close()
            child.stderr.close()
        assert integrity(db_path) == "ok"
        sent_before_kill.append(hq.db.count("sales"))
    # Syncing really was under way when the kills came.
    assert len(set(sent_before_kill)) > 5, sent_before_kill

    final = subprocess.run(
        [sys.executable, str(CHILD), str(db_path), proxy.url, TOKEN, DEVICE, "drain"],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert final.returncode == 0, final.stderr
    assert json.loads(final.stdout.splitlines()[-1]) == {
        "drained": True,
        "backlog": 0,
        "refused": 0,
    }
    store = SalesStore(db_path)  # not started: only for the image paths
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM sales ORDER BY seq")]
        cases = conn.execute("SELECT COUNT(*) FROM hard_cases").fetchone()[0]
    # Every restart resumed the numbering: no sale lost, none made twice.
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) > 200
    assert_exactly_once(hq, store, sales=len(seqs), cases=cases)
    assert integrity(db_path) == "ok"
