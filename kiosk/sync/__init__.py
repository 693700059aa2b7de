"""Store and forward to headquarters: the outbox drained by a worker thread (no Qt)."""

from kiosk.sync.catalog import CatalogSwitch, CatalogUpdate
from kiosk.sync.config import SyncConfig
from kiosk.sync.worker import SyncState, SyncStatus, SyncWorker

__all__ = [
    "CatalogSwitch",
    "CatalogUpdate",
    "SyncConfig",
    "SyncState",
    "SyncStatus",
    "SyncWorker",
]
