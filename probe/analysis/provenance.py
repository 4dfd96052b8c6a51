"""Whether data is lab data: the one place every output asks before it writes a byte.

`probe collector demo-data` fills a collector with measurements invented by probe.lab.history. They are
really signed and logged, so nothing but this mark tells them apart from evidence. Two facts decide it:
the collector database has a `lab_history` row (written before the first invented measurement), or a
payload's software version is LAB_SOFTWARE_VERSION (the mark survives a copy of the payload alone).
Every output (exports, API responses, charts, dashboard, bundles, reports, `probe verify`) reads
`is_lab` / `is_lab_payload` and writes LAB_NOTICE or the `lab_data` field; none decides on its own.
Imports nothing heavy: exports and the CLI use it.
"""

from __future__ import annotations

from typing import Any

LAB_SOFTWARE_VERSION = "lab-history"  # software.version of every invented measurement
LAB_FIELD = "lab_data"  # the column / JSON field / metadata key every output carries
LAB_NOTICE = "LAB DATA: invented by `probe collector demo-data` for testing; not a measurement of anything, not evidence"
LAB_STAMP = "LAB DATA - NOT EVIDENCE"  # short form, for charts


def is_lab(conn: Any) -> bool:
    """Whether this collector database holds invented lab measurements (`probe collector demo-data`)."""
    return conn.execute("SELECT 1 FROM lab_history LIMIT 1").fetchone() is not None


def is_lab_payload(m: Any) -> bool:
    """Whether a measurement (a Measurement, or its payload as parsed JSON) was invented in the lab."""
    software = m.get("software") if isinstance(m, dict) else getattr(m, "software", None)
    version = software.get("version") if isinstance(software, dict) else getattr(software, "version", None)
    return version == LAB_SOFTWARE_VERSION
