import json
import subprocess
import sys

from kiosk.cli import main


def test_demo_runs_scripted_shoppers_and_stores_their_sales(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KIOSK__STORE__DATA_DIR", str(tmp_path))
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert out.count("谢谢惠顾 Thank you!") == 3  # three paid receipts
    assert "412 g x ¥12.80/kg" in out and "¥5.27" in out  # produce priced by weight
    assert "abandoned" in out
    db = tmp_path / "demo" / "kiosk.sqlite"
    assert main(["db", "check", "--database", str(db)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["integrity"] == "ok" and report["rows"]["sales"] == 4
    export = tmp_path / "sales.jsonl"
    assert main(["db", "export", "--database", str(db), "--out", str(export)]) == 0
    sales = [json.loads(line) for line in export.read_text().splitlines()]
    assert [s["status"] for s in sales] == ["paid", "paid", "paid", "abandoned"]
    assert all(s["total"] == sum(ln["total"] for ln in s["lines"]) for s in sales)


def test_db_check_reports_a_corrupt_database(tmp_path, capsys):
    db = tmp_path / "k.sqlite"
    db.write_bytes(b"garbage" * 1000)
    assert main(["db", "check", "--database", str(db)]) == 1
    assert "not a readable kiosk database" in capsys.readouterr().err


def test_bench_store_prints_the_figures_as_json(capsys):
    assert main(["bench", "store", "--json", "--sales", "50"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert {"commit_ms_p50", "commit_ms_p99", "sales_per_s"} <= figures.keys()
    assert figures["journal_mode"] == "wal" and figures["sales"] == 50
    assert 0 < figures["commit_ms_p50"] <= figures["commit_ms_p99"]


def test_doctor_names_what_is_wrong_and_how_to_fix_it(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text(f'[catalog]\npath = "{tmp_path / "missing.json"}"\n')
    r = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--config", str(bad), "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1
    assert "[FAIL] catalog" in r.stdout and "cannot read" in r.stdout
    assert "fix: fix the file or point catalog.path elsewhere" in r.stdout
    assert "[ok  ] python" in r.stdout
