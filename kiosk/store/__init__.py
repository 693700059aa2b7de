"""The offline sales store: SQLite (WAL, synchronous=FULL), one writer thread."""

from kiosk.store.database import (
    CorruptDatabaseError,
    NewerSchemaError,
    StoreError,
    StoreFullError,
)
from kiosk.store.sales_store import SalesStore

__all__ = [
    "CorruptDatabaseError",
    "NewerSchemaError",
    "SalesStore",
    "StoreError",
    "StoreFullError",
]
