"""The probe's local SQLite store: measurements, imported lists and fingerprints; migrations."""

from probe.store.db import TIME_ANCHOR_KEY, OutboxItem, Store, StoredRow, StoreError
from probe.store.lock import StoreBusy, StoreLock, holder, lock_path

__all__ = [
    "TIME_ANCHOR_KEY",
    "OutboxItem",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreLock",
    "StoredRow",
    "holder",
    "lock_path",
]
