"""Evidence records: one stored measurement with everything needed to check it offline (docs/evidence.md).

Shared by the JSON API (GET /api/v1/measurements/{id}) and the dashboard's measurement page, so both show
the same proof against the same checkpoint. Reads only.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from typing import Any

from probe.collector.db import Connection
from probe.collector.sequencer import DbHashes, b64, latest
from probe.collector.storage import MeasurementRow, Storage
from probe.log import inclusion_proof
from probe.models.evidence import EvidenceRecord, LogStatement
from probe.sign.dsse import Envelope


@dataclass(frozen=True)
class Evidence:
    row: MeasurementRow  # the stored row: `row.envelope` holds the envelope's exact bytes as received
    record: EvidenceRecord


async def evidence(db: Storage, log_key: str, ident: str) -> Evidence | None:
    """The evidence record of the measurement with this uid or payload SHA-256; None when unknown.

    The inclusion proof is against the latest signed checkpoint; both are None until the statement is in one.
    """
    row = await db.measurement(ident)
    if row is None:
        return None
    probe = await db.probe(row.key_id)
    assert probe is not None  # a measurement is stored only under an enrolled key
    statement = LogStatement(
        payload_sha256=row.payload_sha256, key_id=row.key_id, asn=row.asn, received_at=row.received_at
    )
    inclusion, checkpoint = None, None
    index = row.log_index
    if index is not None:

        def job(conn: Connection) -> tuple[dict[str, Any], str] | None:
            head = latest(conn)
            if head is None or head.size <= index:
                return None
            proof = inclusion_proof(index, head.size, DbHashes(conn))
            return (
                {"leaf_index": index, "tree_size": head.size, "hashes": [b64(h) for h in proof]},
                head.note,
            )

        found = await db.read(job)
        if found is not None:
            inclusion, checkpoint = found

    def build() -> EvidenceRecord:  # parsing a stored envelope is CPU work: never on the event loop
        return EvidenceRecord.model_validate(
            {
                "envelope": Envelope.model_validate_json(row.envelope).model_dump(),
                "receipt": Envelope.model_validate_json(row.receipt).model_dump(),
                "probe_key": base64.b64encode(probe.public_key).decode(),
                "statement": statement.model_dump(),
                "inclusion": inclusion,
                "checkpoint": checkpoint,
                "log_key": log_key,
            }
        )

    return Evidence(row, await asyncio.to_thread(build))
