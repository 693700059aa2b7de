"""Catalog updates from headquarters: validated on the sync thread, switched between sales.

The sync worker never changes the catalog a checkout is using. It validates the new
document, stores it (`catalog_versions`, not yet active) and offers it here; the
checkout takes it when no sale is open, swaps its `Checkouts.with_catalog(...)`,
and records the activation (`SalesStore.activate_catalog`). A sale therefore sees
one catalog from its first item to its payment.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kiosk.domain.catalog import Catalog


@dataclass(frozen=True, slots=True)
class CatalogUpdate:
    version: str
    sha256: str
    catalog: Catalog


class CatalogSwitch:
    """A one-slot mailbox from the sync thread to the checkout: the newest offer wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: CatalogUpdate | None = None

    def offer(self, update: CatalogUpdate) -> None:
        with self._lock:
            self._pending = update

    def take(self) -> CatalogUpdate | None:
        """Call only between sales; returns the update to switch to, once."""
        with self._lock:
            update, self._pending = self._pending, None
        return update

    @property
    def pending_version(self) -> str | None:
        with self._lock:
            return self._pending.version if self._pending else None
