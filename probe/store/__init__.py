"""The probe's local SQLite store: measurements, imported lists and fingerprints; migrations."""

from probe.store.db import Store, StoredRow, StoreError

__all__ = ["Store", "StoreError", "StoredRow"]
