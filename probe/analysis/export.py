"""Exports of the collector's data: timeline cells, events and one row per measurement, as CSV, JSON,
JSON Lines or Parquet, streamed as byte chunks so the CLI (a file, stdout) and the API share one code.

Rows are read from the database in pages (keyset on seq), never all at once; Parquet is written in row
groups. The database is only read. pyarrow (the `analysis` extra) is imported only for Parquet.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from probe.analysis.facts import FACT_COLUMNS
from probe.analysis.provenance import LAB_FIELD, LAB_NOTICE, is_lab, is_lab_payload
from probe.analysis.query import Filters, hour_of, timeline, within_period
from probe.analysis.wording import install_extra
from probe.collector.db import Connection

Kind = Literal["str", "int", "bool", "ts", "float"]
DATASETS = ("timeline", "events", "measurements")
FORMATS = ("csv", "json", "jsonl", "parquet")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "ooni": "application/x-ndjson",
}
EXTENSIONS = {"csv": "csv", "json": "json", "jsonl": "jsonl", "parquet": "parquet", "ooni": "ooni.jsonl"}
PAGE_ROWS = 5000
ROW_GROUP_ROWS = 50_000
INSTALL_HINT = f"Parquet needs pyarrow: install the analysis extra ({install_extra('analysis')})."


class ExportError(ValueError):
    """An export that cannot be made as asked (a format, a dataset, a missing library); says which."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind


def _cols(spec: str) -> tuple[Column, ...]:
    """'name:kind name:kind ...' (kind defaults to str)."""
    out = []
    for item in spec.split():
        name, _, kind = item.partition(":")
        out.append(Column(name, kind or "str"))  # type: ignore[arg-type]
    return tuple(out)


TIMELINE_COLUMNS = _cols(
    "domain asn:int window start:ts end:ts state method confidence rule_id measurements:int probes:int "
    "probes_vouched:int probes_unverified:int blocked:int accessible:int down:int inconclusive:int "
    "excluded:int first_at:ts last_at:ts complete:bool rules_version measurements_attested:int "
    "measurements_observed:int measurements_claimed:int measurements_out_of_time:int probes_attested:int "
    "lab_data:bool"
)
EVENT_COLUMNS = _cols(
    "domain asn:int window kind from_state to_state method confidence published_at:ts first_seen_at:ts "
    "first_seen_uid last_seen_at:ts last_seen_uid last_contradicting_at:ts last_contradicting_uid "
    "ongoing:bool start_known:bool rule_id rules_version probes:int probes_vouched:int "
    "measurements_attested:int measurements_observed:int measurements_claimed:int "
    "measurements_out_of_time:int probes_attested:int lab_data:bool"
)
_FACT_KINDS: dict[str, Kind] = {
    "seq": "int",
    "asn": "int",
    "started_at": "ts",
    "hour": "int",
    "time_ok": "int",
    "key_since": "int",
}
MEASUREMENT_COLUMNS = (
    *(Column(name, _FACT_KINDS.get(name, "str")) for name in FACT_COLUMNS),
    *_cols(
        "payload_sha256 received_at:ts log_index:int observed_asn:int explanation fingerprint lab_data:bool"
    ),
)
ENVELOPE_COLUMN = Column("envelope", "str")


def columns_for(dataset: str, *, with_envelope: bool = False) -> tuple[Column, ...]:
    if dataset == "timeline":
        return TIMELINE_COLUMNS
    if dataset == "events":
        return EVENT_COLUMNS
    if dataset == "measurements":
        return (*MEASUREMENT_COLUMNS, ENVELOPE_COLUMN) if with_envelope else MEASUREMENT_COLUMNS
    raise ExportError(f"dataset: {dataset!r} is not one of {', '.join(DATASETS)}")


# -- row sources ---------------------------------------------------------------------------------------


def timeline_rows(conn: Connection, filters: Filters, window: str) -> list[dict[str, Any]]:
    return [c.row() for c in timeline(conn, filters, window).cells]


def event_rows(conn: Connection, filters: Filters, window: str) -> list[dict[str, Any]]:
    return [e.row() for e in timeline(conn, filters, window).events]


_F_COLS = ", ".join(f"f.{c}" for c in FACT_COLUMNS)


def payload_json(envelope: str) -> dict[str, Any]:
    """The signed payload of a stored envelope (already verified at ingest), as parsed JSON."""
    parsed: dict[str, Any] = json.loads(base64.b64decode(json.loads(envelope)["payload"]))
    return parsed


def measurement_page(
    conn: Connection, filters: Filters, after_seq: int, limit: int, *, with_envelope: bool = False
) -> list[dict[str, Any]]:
    """Up to `limit` measurement rows with seq > after_seq, in seq order (keyset paging)."""
    where, params = filters.where()
    inner = f"seq > ?{' AND ' + where.removeprefix(' WHERE ') if where else ''}"
    rows = conn.execute(
        f"SELECT {_F_COLS}, m.payload_sha256, m.received_at, m.log_index, m.asn, m.envelope "
        f"FROM (SELECT * FROM facts WHERE {inner} ORDER BY seq LIMIT ?) f "
        "JOIN measurements m ON m.seq = f.seq ORDER BY f.seq",
        [after_seq, *params, limit],
    ).fetchall()
    out = []
    n = len(FACT_COLUMNS)
    for row in rows:
        record = dict(zip(FACT_COLUMNS, row[:n], strict=True))
        sha, received, log_index, observed, envelope = row[n:]
        payload = payload_json(envelope)
        verdict = payload.get("verdict", {})
        record.update(
            payload_sha256=sha,
            received_at=received,
            log_index=log_index,
            observed_asn=observed,
            explanation=verdict.get("explanation"),
            fingerprint=verdict.get("fingerprint"),
            lab_data=is_lab_payload(payload),
        )
        if with_envelope:
            record["envelope"] = envelope
        out.append(record)
    return out


def measurement_pages(
    conn: Connection, filters: Filters, *, with_envelope: bool = False, page: int = PAGE_ROWS
) -> Iterator[list[dict[str, Any]]]:
    after = 0
    edges = {hour_of(t) for t in (filters.since, filters.until) if t is not None}
    while rows := measurement_page(conn, filters, after, page, with_envelope=with_envelope):
        after = int(rows[-1]["seq"])
        if edges:
            rows = [r for r in rows if r["hour"] not in edges or within_period(r["started_at"], filters)]
        if rows:
            yield rows


# -- writers -------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return value


class Writer(ABC):
    """Turns batches of rows into bytes: `start()`, then `rows(batch)` any number of times, then `end()`.

    `lab`: the data comes from a lab collector (provenance.is_lab): the `lab_data` column is true in every
    row (a row may also be lab data on its own, from its payload), and file metadata says so."""

    def __init__(self, columns: Sequence[Column], *, lab: bool = False) -> None:
        self.columns = tuple(columns)
        self.names = [c.name for c in self.columns]
        self.count = 0
        self.lab = lab

    def value(self, row: dict[str, Any], name: str) -> Any:
        if name == LAB_FIELD:
            return self.lab or row.get(name) is True
        return row.get(name)

    def start(self) -> bytes:
        return b""

    @abstractmethod
    def rows(self, batch: Sequence[dict[str, Any]]) -> bytes: ...

    def end(self) -> bytes:
        return b""


class CsvWriter(Writer):
    def start(self) -> bytes:
        return self._encode([self.names])

    def rows(self, batch: Sequence[dict[str, Any]]) -> bytes:
        self.count += len(batch)
        return self._encode([[_csv_cell(self.value(r, n)) for n in self.names] for r in batch])

    @staticmethod
    def _encode(lines: Iterable[Sequence[object]]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(lines)
        return buf.getvalue().encode()


FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet run a cell (docs/exports.md)


def _csv_cell(value: object) -> object:
    """A CSV cell; a text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_LEAD):
        return "'" + value
    return value


class JsonLinesWriter(Writer):
    def rows(self, batch: Sequence[dict[str, Any]]) -> bytes:
        self.count += len(batch)
        return b"".join(_json_line({n: self.value(r, n) for n in self.names}) + b"\n" for r in batch)


def _json_line(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


class JsonArrayWriter(Writer):
    """One JSON document: an array of row objects, streamed."""

    def start(self) -> bytes:
        return b"["

    def rows(self, batch: Sequence[dict[str, Any]]) -> bytes:
        parts = []
        for r in batch:
            parts.append(
                (b",\n" if self.count else b"\n") + _json_line({n: self.value(r, n) for n in self.names})
            )
            self.count += 1
        return b"".join(parts)

    def end(self) -> bytes:
        return b"\n]\n"


class _Sink(io.RawIOBase):
    """A write-only file that keeps what was written until taken: lets ParquetWriter stream."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._pos = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._pos += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._pos

    def take(self) -> bytes:
        out, self._parts = b"".join(self._parts), []
        return out


def _ts(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class ParquetWriter(Writer):
    """Typed columns (timestamps as timestamp[ms, UTC], counts and ASNs as nullable int64), in row groups."""

    def __init__(
        self, columns: Sequence[Column], row_group: int = ROW_GROUP_ROWS, *, lab: bool = False
    ) -> None:
        super().__init__(columns, lab=lab)
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ExportError(INSTALL_HINT) from None
        self._pa = pa
        types = {
            "str": pa.string(),
            "int": pa.int64(),
            "bool": pa.bool_(),
            "float": pa.float64(),
            "ts": pa.timestamp("ms", tz="UTC"),
        }
        # The file says what it holds even when a column is dropped: DuckDB and pandas read this metadata.
        meta = {
            f"saksi.{LAB_FIELD}": "true" if lab else "false",
            **({"saksi.notice": LAB_NOTICE} if lab else {}),
        }
        self.schema = pa.schema([pa.field(c.name, types[c.kind]) for c in self.columns], metadata=meta)
        self._sink = _Sink()
        self._writer = pq.ParquetWriter(self._sink, self.schema, compression="zstd")
        self._row_group = row_group
        # Rows wait for their row group as Arrow batches (compact), not as Python dicts.
        self._pending: list[Any] = []
        self._pending_rows = 0

    def rows(self, batch: Sequence[dict[str, Any]]) -> bytes:
        self.count += len(batch)
        at = 0
        while at < len(batch):
            take = min(len(batch) - at, self._row_group - self._pending_rows)
            self._pending.append(self._batch(batch[at : at + take]))
            self._pending_rows += take
            at += take
            if self._pending_rows == self._row_group:
                self._flush()
        return self._sink.take()

    def _batch(self, rows: Sequence[dict[str, Any]]) -> Any:
        pa = self._pa
        arrays = []
        for c in self.columns:
            convert: Callable[[Any], Any] = _ts if c.kind == "ts" else _plain
            arrays.append(
                pa.array([convert(self.value(r, c.name)) for r in rows], type=self.schema.field(c.name).type)
            )
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _flush(self) -> None:
        table = self._pa.Table.from_batches(self._pending, schema=self.schema)
        self._writer.write_table(table, row_group_size=max(1, table.num_rows))
        self._pending, self._pending_rows = [], 0

    def end(self) -> bytes:
        if self._pending_rows or self.count == 0:
            self._flush()
        self._writer.close()
        return self._sink.take()


def writer_for(fmt: str, columns: Sequence[Column], *, lab: bool = False) -> Writer:
    if fmt == "csv":
        return CsvWriter(columns, lab=lab)
    if fmt == "json":
        return JsonArrayWriter(columns, lab=lab)
    if fmt == "jsonl":
        return JsonLinesWriter(columns, lab=lab)
    if fmt == "parquet":
        return ParquetWriter(columns, lab=lab)
    raise ExportError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")


def encode(writer: Writer, pages: Iterable[Sequence[dict[str, Any]]]) -> Iterator[bytes]:
    """The writer's bytes for all pages, chunk by chunk (empty chunks are skipped)."""
    if head := writer.start():
        yield head
    for page in pages:
        if chunk := writer.rows(page):
            yield chunk
    if tail := writer.end():
        yield tail


def export(
    conn: Connection,
    dataset: str,
    fmt: str,
    filters: Filters,
    *,
    window: str = "day",
    with_envelope: bool = False,
) -> tuple[Writer, Iterator[bytes]]:
    """The writer (its `count` grows as chunks are taken) and the chunks of one export. `fmt` may also be
    `ooni` for measurements (probe.analysis.ooni_export)."""
    if dataset == "measurements" and fmt == "ooni":
        from probe.analysis.ooni_export import OoniWriter, ooni_pages

        ooni = OoniWriter()
        return ooni, encode(ooni, ooni_pages(conn, filters))
    columns = columns_for(dataset, with_envelope=with_envelope)
    writer = writer_for(fmt, columns, lab=is_lab(conn))
    if dataset == "measurements":
        pages: Iterable[Sequence[dict[str, Any]]] = measurement_pages(
            conn, filters, with_envelope=with_envelope
        )
    elif dataset == "timeline":
        pages = [timeline_rows(conn, filters, window)]
    else:
        pages = [event_rows(conn, filters, window)]
    return writer, encode(writer, pages)
