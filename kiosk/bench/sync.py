"""`kiosk bench sync --json`: draining a day-offline backlog to a local headquarters.

A backlog of 10,000 paid sales (5 lines each) is committed through the real store,
then `hq serve` (SQLite backend) is started on loopback in its own process and the
real sync worker drains the outbox to it. Measured: the drain's wall time and rate,
and this (the kiosk's) process's resident memory, sampled throughout, which must
stay flat: the worker holds one batch at a time, never the backlog.

Preparing the backlog (10,000 durable commits) is not measured. After the drain
the headquarters database is checked: every sale there once, the kiosk's outbox
empty.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from kiosk.bench.store import make_sale
from kiosk.catalog_file import load_catalog
from kiosk.store import SalesStore
from kiosk.sync import SyncConfig, SyncWorker

DEVICE = "bench"
TOKEN = "bench-token-0123456789"


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssSampler:
    def __init__(self, pids: dict[str, int | str], period_s: float = 0.02) -> None:
        self.pids = pids
        self.period_s = period_s
        self.peak = dict.fromkeys(pids, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                with contextlib.suppress(OSError):
                    self.peak[name] = max(self.peak[name], rss_mb(pid))
            self._stop.wait(self.period_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_headquarters(data: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hq.cli",
            "--data",
            str(data),
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--demo-device",
            f"{DEVICE}:{TOKEN}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                "hq serve did not start (is the hq extra installed? pip install -e '.[hq]'):\n"
                + (proc.stderr.read() if proc.stderr else "")
            )
        try:
            if requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("hq serve did not answer within 30 s")


def prepare_backlog(store: SalesStore, sales: int) -> None:
    catalog = load_catalog()
    futures = [
        store.commit_sale(*make_sale(catalog, n, DEVICE), catalog_version="b", model_version="b")
        for n in range(1, sales + 1)
    ]
    for f in futures:
        f.result()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk bench sync")
    parser.add_argument("--sales", type=int, default=10_000)
    parser.add_argument(
        "--batch-size", type=int, default=SyncConfig().batch_size, help="records per upload"
    )
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        store = SalesStore(root / "kiosk" / "sales.db").start()
        try:
            prepare_backlog(store, args.sales)
        finally:
            store.close()
        port = _free_port()
        hq = start_headquarters(root / "hq", port)
        try:
            config = SyncConfig(
                url=f"http://127.0.0.1:{port}", device_token=TOKEN, batch_size=args.batch_size
            )
            worker = SyncWorker(config, store.path, root / "kiosk" / "images", DEVICE).open()
            try:
                rss_start = rss_mb()
                with RssSampler({"kiosk": "self", "hq": hq.pid}) as sampler:
                    started = time.perf_counter()
                    drained = worker.drain(timeout=600)
                    elapsed = time.perf_counter() - started
                status = worker.status()
            finally:
                worker.close()
        finally:
            hq.terminate()
            hq.wait(10)
            if hq.stderr:
                hq.stderr.close()
        with contextlib.closing(sqlite3.connect(root / "hq" / "hq.sqlite3")) as conn:
            at_hq, distinct = conn.execute(
                "SELECT COUNT(*), COUNT(DISTINCT id) FROM sales"
            ).fetchone()
        with contextlib.closing(sqlite3.connect(store.path)) as conn:
            unsent = conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]

    result = {
        "sales_per_s": round(args.sales / elapsed, 1),
        "backlog_10k_drain_s": round(elapsed, 2),
        "rss_mb_max": round(sampler.peak["kiosk"], 1),
        "rss_mb_start": round(rss_start, 1),
        "hq_rss_mb_max": round(sampler.peak["hq"], 1),
        "sales": args.sales,
        "lines_per_sale": 5,
        "batch_size": args.batch_size,
        "backend": "sqlite",
        "exactly_once": drained and at_hq == distinct == args.sales and unsent == 0,
        "refused": status.refused,
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0 if result["exactly_once"] else 1


if __name__ == "__main__":
    sys.exit(main())
