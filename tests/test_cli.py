import json
import subprocess
import sys

from kiosk.cli import main


def _shop(tmp_path, catalog):
    """A database as a day of selling leaves it: paid and abandoned sales."""
    from kiosk.checkout_service import CheckoutService
    from kiosk.config import SimulatedPaymentConfig
    from kiosk.domain.checkout import (
        Checkouts,
        PaymentApproved,
        PayRequested,
        ReceiptDone,
        TrayEmptied,
        TrayMoving,
        TrayOutcome,
        TraySettled,
        Verdict,
    )
    from kiosk.payment.simulated import SimulatedPayments
    from kiosk.store import SalesStore

    db = tmp_path / "k.sqlite"
    store = SalesStore(db).start()
    # approve_after_s is long: the test answers for the terminal itself
    terminal = SimulatedPayments(SimulatedPaymentConfig(approve_after_s=60))
    service = CheckoutService(Checkouts(catalog), store, terminal, device_id="k1")
    service.start()
    try:
        for counts in ({"cola-zero-330": 2}, {"peanuts-200": 1}):
            service.handle(TrayMoving(1))
            service.handle(TraySettled(2, TrayOutcome(Verdict.CONFIRMED, counts)))
            t = service.handle(PayRequested(3, "qr"))
            attempt = t.effects[0]
            service.handle(PaymentApproved(4, attempt.attempt_id, attempt.amount, "R"))
            service.handle(TrayEmptied(5))
            service.handle(ReceiptDone(5))
        service.handle(TrayMoving(6))
        service.handle(TraySettled(7, TrayOutcome(Verdict.CONFIRMED, {"gum-mint-40": 1})))
        service.handle(TrayEmptied(8))
    finally:
        terminal.close()
        store.close()
    return db


def test_db_check_and_export_show_what_was_sold(tmp_path, catalog, capsys):
    db = _shop(tmp_path, catalog)
    assert main(["db", "check", "--database", str(db)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["integrity"] == "ok" and report["rows"]["sales"] == 3
    assert report["outbox_backlog"] == 3
    export = tmp_path / "sales.jsonl"
    assert main(["db", "export", "--database", str(db), "--out", str(export)]) == 0
    sales = [json.loads(line) for line in export.read_text().splitlines()]
    assert [s["status"] for s in sales] == ["paid", "paid", "abandoned"]
    assert [s["total"] for s in sales] == [700, 790, 1090]
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


def test_bench_and_eval_arguments_reach_their_command_untouched():
    from kiosk.cli import _split_passthrough

    assert _split_passthrough(["--config", "k.toml", "eval", "--scenes", "5", "--json"]) == (
        ["--config", "k.toml", "eval"],
        ["--scenes", "5", "--json"],
    )
    assert _split_passthrough(["-v", "bench", "vision", "--json", "--threads", "1"]) == (
        ["-v", "bench", "vision"],
        ["--json", "--threads", "1"],
    )
    assert _split_passthrough(["db", "check"]) == (["db", "check"], [])
