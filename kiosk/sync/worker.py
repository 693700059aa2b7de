"""The sync worker: drains the outbox to headquarters on its own thread.

Store and forward: a sale is committed locally first (with its outbox row, in the
same transaction) and this worker forwards it whenever headquarters is reachable.
Exactly once at headquarters comes from the two halves together: the worker marks
a row sent only after headquarters acknowledged it, and headquarters stores each
key once, so a row resent after a crash, a timeout or a lost reply is answered
"already stored" and only then marked.

The worker never touches the checkout's writer or its catalog: it has its own
database connection (tiny transactions) and hands catalogs over through a
`CatalogSwitch` that the checkout empties between sales.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.catalog_file import parse_catalog_bytes
from kiosk.domain.catalog import CatalogError
from kiosk.sync.backoff import Backoff
from kiosk.sync.catalog import CatalogSwitch, CatalogUpdate
from kiosk.sync.client import (
    AuthRefused,
    BatchTooLarge,
    HqClient,
    ItemVerdict,
    RequestRejected,
    SyncError,
    Transient,
)
from kiosk.sync.config import SyncConfig
from kiosk.sync.model_update import ModelFeed, ModelUpdateError
from kiosk.sync.outbox import Outbox, OutboxRow

log = logging.getLogger("kiosk.sync")

HeartbeatSource = Callable[[], Mapping[str, Any]]
"""Returns any of: model_version, execution_provider, devices ({name: state}),
size_check."""

_HEARTBEAT_FIELDS = ("model_version", "execution_provider", "devices", "size_check")


class SyncState(StrEnum):
    STARTING = "starting"
    IDLE = "idle"  # nothing to send; headquarters answered last time
    SENDING = "sending"
    RETRYING = "retrying"  # the last try failed; waiting out the backoff
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the diagnostics screen shows about the link to headquarters."""

    state: SyncState = SyncState.STARTING
    backlog: int = 0  # outbox records waiting to be sent
    refused: int = 0  # records headquarters refused for good: staff must look
    sent: int = 0  # records acknowledged since this worker started
    last_success_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    failures: int = 0  # consecutive failed tries
    retry_in_s: float | None = None
    catalog_version: str | None = None  # the newest catalog received
    catalog_error: str | None = None  # why the last catalog offered was rejected
    clock_offset_s: float | None = None  # headquarters' clock minus ours


class SyncWorker:
    def __init__(
        self,
        config: SyncConfig,
        db_path: Path | str,
        images_dir: Path | str,
        device_id: str,
        *,
        catalog_switch: CatalogSwitch | None = None,
        heartbeat_source: HeartbeatSource | None = None,
        on_status: Callable[[SyncStatus], None] | None = None,
        model_feed: ModelFeed | None = None,
        app_version: str = __version__,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.images_dir = Path(images_dir)
        self.device_id = device_id
        self.catalog_switch = catalog_switch or CatalogSwitch()
        self._heartbeat_source = heartbeat_source or (lambda: {})
        self._on_status = on_status
        self._app_version = app_version
        self._clock = clock
        self._backoff = Backoff(config.backoff_initial_s, config.backoff_max_s, rng)
        self._batch_size = config.batch_size
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._status = SyncStatus()
        self._thread: threading.Thread | None = None
        self._outbox: Outbox | None = None
        self._client: HqClient | None = None
        self._next_heartbeat = 0.0
        self._next_catalog = 0.0
        self._catalog_etag: str | None = None
        self.model_feed = model_feed
        self._next_model = 0.0
        self._settled: set[int] = set()  # rows of the current batch that got a verdict
        self._sent_total = 0

    # ---- life cycle ----

    def open(self) -> SyncWorker:
        """Open the database connection and the HTTP session (on the caller's thread, so
        a missing database fails at start)."""
        if self._outbox is None:
            self._outbox = Outbox(self.db_path, self._clock)
            self._client = HqClient(self.config)
            self._catalog_etag = self._outbox.latest_catalog_sha256()
            self._refresh_backlog()
        return self

    def start(self) -> SyncWorker:
        self.open()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            # At worst one call is in flight: it ends within its own deadline.
            self._thread.join(
                timeout
                if timeout is not None
                else self.config.connect_timeout_s + 2 * self.config.read_timeout_s + 1
            )
            self._thread = None
        self.close()
        self._update(state=SyncState.STOPPED)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._outbox is not None:
            self._outbox.close()
            self._outbox = None

    def nudge(self) -> None:
        """Something was committed: look at the outbox now instead of after the interval."""
        self._wake.set()

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    # ---- the loop ----

    def _run(self) -> None:
        while not self._stop.is_set():
            self._periodic()
            try:
                sent = self.send_batch()
            except SyncError as err:
                delay = self._backoff.next_delay()
                self._failed(err, retry_in=delay)
                self._stop.wait(delay)
                continue
            except Exception as err:  # a bug must not kill the thread for good
                log.exception("sync: unexpected error")
                delay = self._backoff.next_delay()
                self._failed(err, retry_in=delay)
                self._stop.wait(delay)
                continue
            if sent:
                continue
            self._update(state=SyncState.IDLE, retry_in_s=None)
            self._wake.wait(self.config.interval_s)
            self._wake.clear()

    def drain(self, timeout: float) -> bool:
        """Send until nothing is pending, on the caller's thread (tools, the benchmark).
        True when the outbox is drained; failures back off as the worker does."""
        self.open()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if not self.send_batch():
                    return True
            except SyncError as err:
                delay = self._backoff.next_delay()
                self._failed(err, retry_in=delay)
                time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        return False

    # ---- one batch ----

    def send_batch(self) -> int:
        """Send the oldest pending records; return how many got a verdict (0: none left)."""
        outbox, client = self._outbox, self._client
        assert outbox is not None and client is not None, "open() first"
        rows = outbox.pending(self._batch_size)
        if not rows:
            self._refresh_backlog(state=SyncState.IDLE, retry_in_s=None)
            return 0
        self._update(state=SyncState.SENDING)
        self._settled = set()
        by_kind: dict[str, list[tuple[OutboxRow, dict[str, Any]]]] = {}
        refusals: list[tuple[int, str]] = []
        for row in rows:
            try:
                doc = json.loads(row.payload)
                if not isinstance(doc, dict):
                    raise ValueError("not a JSON object")
            except ValueError as err:
                refusals.append((row.seq, f"the outbox payload is unreadable here: {err}"))
                continue
            if row.kind not in ("sale", "refund", "hard_case"):
                refusals.append((row.seq, f"this kiosk version cannot send {row.kind!r} records"))
                continue
            by_kind.setdefault(row.kind, []).append((row, doc))
        outbox.mark_refused(refusals)
        done = len(refusals)
        try:
            for kind in ("sale", "refund"):
                if kind in by_kind:
                    done += self._send_records(kind, [r for r, _ in by_kind[kind]])
            for row, doc in by_kind.get("hard_case", []):
                done += self._send_hard_case(row, doc)
        except BatchTooLarge as err:
            if self._batch_size == 1:
                raise
            self._batch_size = max(1, self._batch_size // 2)
            log.warning("sync: %s; batch size now %d", err, self._batch_size)
            return done or 1
        except SyncError as err:
            pending = [r.seq for r in rows if r.seq not in self._settled]
            outbox.mark_failed(pending, str(err))
            raise
        self._backoff.reset()
        self._refresh_backlog(last_success_at=self._clock(), failures=0, sent=self._sent_total)
        return done

    def _settle(self, verdicts: list[tuple[OutboxRow, ItemVerdict]]) -> int:
        outbox = self._outbox
        assert outbox is not None
        sent = [row.seq for row, v in verdicts if v.accepted]
        refused = []
        for row, v in verdicts:
            if not v.accepted:
                why = f"headquarters answered {v.status} for {row.kind} {row.ref}: {v.detail}"
                log.error("sync: %s", why)
                refused.append((row.seq, why))
        outbox.mark_sent(sent)
        self._sent_total += len(sent)
        outbox.mark_refused(refused)
        self._settled.update(row.seq for row, _ in verdicts)
        return len(verdicts)

    def _send_records(self, kind: str, rows: list[OutboxRow]) -> int:
        client = self._client
        assert client is not None
        verdicts = client.upload_batch(kind, [r.ref for r in rows], [r.payload for r in rows])
        return self._settle(list(zip(rows, verdicts, strict=True)))

    def _send_hard_case(self, row: OutboxRow, doc: dict[str, Any]) -> int:
        client = self._client
        assert client is not None
        sha = doc.get("image_sha256")
        if sha:
            path = self.images_dir / str(sha)[:2] / str(sha)
            if not path.is_file():
                return self._settle([(row, ItemVerdict(row.ref, 0, f"image {sha} is missing"))])
            verdict = client.put_image(str(sha), path)
            if verdict.status == 422:
                if _file_sha256(path) != sha:
                    return self._settle(
                        [(row, ItemVerdict(row.ref, 0, f"image {sha} is corrupt on this kiosk"))]
                    )
                # Our bytes are right: they were damaged on the way. Try again later.
                raise Transient(f"headquarters received image {sha} damaged: {verdict.detail}")
            if not verdict.accepted:
                raise Transient(f"image upload answered {verdict.status}: {verdict.detail}")
        verdict = client.put_hard_case(row.ref, row.payload)
        return self._settle([(row, verdict)])

    # ---- heartbeat and catalog ----

    def _periodic(self) -> None:
        now = time.monotonic()
        if now >= self._next_heartbeat:
            self._next_heartbeat = now + self.config.heartbeat_interval_s
            try:
                self.send_heartbeat()
            except SyncError as err:
                log.info("sync: heartbeat failed: %s", err)
        if now >= self._next_catalog:
            self._next_catalog = now + self.config.catalog_interval_s
            try:
                self.check_catalog()
            except SyncError as err:
                log.info("sync: catalog check failed: %s", err)

        feed = self.model_feed
        if feed is not None and now >= self._next_model:
            self._next_model = now + self.config.model_interval_s
            try:
                feed.check(self._client)
            except (SyncError, ModelUpdateError) as err:
                log.warning("sync: model release check: %s", err)

    def send_heartbeat(self) -> None:
        client = self._client
        assert client is not None
        status = self.status()
        body: dict[str, Any] = {
            "device_id": self.device_id,
            "app_version": self._app_version,
            "backlog": status.backlog,
            "refused": status.refused,
            "last_error": status.last_error,
        }
        try:
            extra = self._heartbeat_source()
        except Exception:  # diagnostics must not stop the sync
            log.exception("sync: heartbeat source failed")
            extra = {}
        body.update({k: extra[k] for k in _HEARTBEAT_FIELDS if k in extra})
        if self.model_feed is not None and self.model_feed.state:
            body["model_update"] = self.model_feed.state
        sent_at = self._clock()
        body["clock"] = sent_at
        server_time = client.heartbeat(body)
        received_at = self._clock()
        self._update(clock_offset_s=server_time - (sent_at + received_at) / 2)

    def check_catalog(self) -> CatalogUpdate | None:
        """Fetch the store's catalog if it changed; validate, store, offer it."""
        client, outbox = self._client, self._outbox
        assert client is not None and outbox is not None
        store_id = client.settings()["store_id"]
        try:
            doc = client.catalog(store_id, self._catalog_etag)
        except RequestRejected as err:
            if err.status == 404:
                return None  # nothing published for this store yet
            raise
        if doc is None:
            return None
        actual = hashlib.sha256(doc.body).hexdigest()
        try:
            if doc.etag and actual != doc.etag:
                raise CatalogError(f"its sha256 {actual} is not the ETag {doc.etag}")
            catalog = parse_catalog_bytes(doc.body, ".json", source="the catalog")
            if catalog.store and catalog.store != store_id:
                raise CatalogError(f"it is for store {catalog.store!r}, not {store_id!r}")
        except CatalogError as err:
            why = (
                f"catalog {doc.version or '?'} from headquarters rejected, "
                f"kept the current one: {err}"
            )
            log.error("sync: %s", why)
            # Ask with its tag from now on: the same bad document is not fetched again.
            self._catalog_etag = actual
            self._update(catalog_error=why)
            return None
        outbox.add_catalog_version(catalog.version, actual, doc.body.decode("utf-8"))
        self._catalog_etag = actual
        update = CatalogUpdate(catalog.version, actual, catalog)
        self.catalog_switch.offer(update)
        log.info("sync: catalog %s received; it becomes active between sales", catalog.version)
        self._update(catalog_version=catalog.version, catalog_error=None)
        return update

    # ---- status ----

    def _refresh_backlog(self, **changes: Any) -> None:
        if self._outbox is not None:
            backlog = self._outbox.backlog()
            changes.update(backlog=backlog.pending, refused=backlog.refused)
        self._update(**changes)

    def _failed(self, err: BaseException, retry_in: float) -> None:
        text = str(err) or type(err).__name__
        if isinstance(err, AuthRefused):
            log.error("sync: %s", text)
        else:
            log.warning("sync: %s (retrying in %.1f s)", text, retry_in)
        try:
            self._refresh_backlog(
                state=SyncState.RETRYING,
                last_error=text,
                last_error_at=self._clock(),
                failures=self.status().failures + 1,
                retry_in_s=retry_in,
            )
        except Exception:  # the database may be what failed
            self._update(state=SyncState.RETRYING, last_error=text, retry_in_s=retry_in)

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)
            status = self._status
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:
                log.exception("sync: status listener failed")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()
