"""The probe's local SQLite store: measurements, imported lists and fingerprints; migrations."""

from probe.store.db import TIME_ANCHOR_KEY, OutboxItem, Store, StoredRow, StoreError

__all__ = ["TIME_ANCHOR_KEY", "OutboxItem", "Store", "StoreError", "StoredRow"]
