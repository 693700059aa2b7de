"""`kiosk bench sync` runs end to end (small backlog) and checks its own exactly-once."""

from __future__ import annotations

import json

import pytest

from kiosk.bench.sync import main


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_bench_sync_small_backlog(capsys, tmp_path):
    assert main(["--sales", "300", "--json", "--dir", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["exactly_once"] is True and result["sales"] == 300
    assert result["sales_per_s"] > 0 and result["rss_mb_max"] >= result["rss_mb_start"] > 0
