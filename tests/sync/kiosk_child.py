"""A kiosk process for the kill -9 test: sells and syncs until killed, or drains.

    python kiosk_child.py DB_PATH URL TOKEN DEVICE sell MAX_SALES
    python kiosk_child.py DB_PATH URL TOKEN DEVICE drain

`sell` resumes the sale numbering from the database (as the real kiosk does), commits
sales (and a hard case every 25th) while the sync worker runs, and prints "ready"
once both are running. `drain` only syncs until the outbox is empty and prints the
final status as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from sales_factory import add_hard_case, commit_sale

from kiosk.store import SalesStore
from kiosk.sync import SyncConfig, SyncWorker


def main() -> int:
    db_path, url, token, device, mode = sys.argv[1:6]
    config = SyncConfig(
        url=url,
        device_token=token,
        batch_size=20,
        interval_s=0.01,
        connect_timeout_s=0.5,
        read_timeout_s=0.5,
        backoff_initial_s=0.01,
        backoff_max_s=0.1,
        heartbeat_interval_s=1,
        catalog_interval_s=60,
    )
    store = SalesStore(db_path).start()
    worker = SyncWorker(config, store.path, store.images.root, device)
    if mode == "drain":
        drained = worker.drain(timeout=60)
        status = worker.status()
        result = {"drained": drained, "backlog": status.backlog, "refused": status.refused}
        print(json.dumps(result))
        worker.close()
        store.close()
        return 0 if drained else 1
    max_sales = int(sys.argv[6])
    worker.start()
    print("ready", flush=True)
    seq = store.last_sale_seq(device)
    while seq < max_sales:
        seq += 1
        commit_sale(store, device, seq).result()
        if seq % 25 == 0:
            add_hard_case(store, device, seq // 25).result()
        worker.nudge()
        time.sleep(0.002)
    while True:  # keep syncing until killed
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
