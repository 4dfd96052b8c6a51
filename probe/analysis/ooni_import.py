"""OONI's published measurements into `ooni_measurements`, as external corroboration, never as ours.

Any line of OONI's files is either stored or skipped with a reason that is counted; a file is never
refused for one line. Stored: any test name and any `input` shape (a URL, a list such as meek's, or none),
with OONI's own verdict fields as the line has them (`test_keys.blocking` and `accessible`; `anomaly`,
`confirmed`, `failure` and `scores` of OONI's API rows). Skipped, by reason: `{}` (what OONI's archive
writes for an upload it could not parse), not JSON, not an object, no `test_name`, no usable
`measurement_start_time`, and our own measurements read back (`is_ours`).

Identity: OONI's `measurement_uid` when the line has one, else `sha256:` and the hash of the line's raw
bytes. One measurement read from OONI's archive (no uid) and from its API (the same object with its uid)
has one `content_sha256` (the canonical JSON without what OONI's backend adds: the uid, `anomaly`,
`confirmed`, `failure`, `scores`), so it is stored once: the later copy is a duplicate, and the uid and
verdict fields it brings are kept on the stored row.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from probe import SOFTWARE_NAME
from probe.analysis.facts import domain_of
from probe.collector.db import Connection

_ASN = re.compile(r"^AS(\d{1,10})$")
_START = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?Z?$")
BLOCKING_VALUES = frozenset({"dns", "tcp_ip", "http-failure", "http-diff"})


class Skip(Exception):
    """A line that is not stored; `reason` is what is counted."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OoniRow:
    measurement_uid: str  # OONI's, or "sha256:<hex of the raw line>"
    content_sha256: str
    report_id: str
    input: str | None  # the URL; a list input as its JSON text
    domain: str
    probe_asn: int | None
    probe_cc: str | None
    measurement_start_time: str  # UTC ISO 8601, "YYYY-MM-DDTHH:MM:SSZ"
    test_name: str
    blocking: str | None  # dns | tcp_ip | http-failure | http-diff | "false" | None
    accessible: bool | None
    anomaly: bool | None
    confirmed: bool | None
    failure: bool | None
    scores: str | None  # OONI's API `scores`, as JSON text
    raw: str


def _opt_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _asn(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**32:
        return value
    if isinstance(value, str) and (found := _ASN.match(value)) and int(found[1]) < 2**32:
        return int(found[1])
    return None


def _blocking(obj: dict[str, Any], keys: dict[str, Any], scores: Any) -> str | None:
    blocking = keys.get("blocking")
    if blocking is False:
        return "false"
    if isinstance(blocking, str) and blocking in BLOCKING_VALUES:
        return blocking
    # An API list row has no test keys; its scores name the blocking type the fastpath recorded.
    if isinstance(scores, dict) and isinstance(scores.get("analysis"), dict):
        kind = scores["analysis"].get("blocking_type")
        if isinstance(kind, str) and kind in BLOCKING_VALUES:
            return kind
    if not keys and obj.get("anomaly") is False and obj.get("failure") is False:
        return "false"  # the fastpath stores no anomaly and no failure only for blocking false
    return None


# What OONI's backend adds to a measurement (its uid and the fastpath's verdict): not part of its content.
SERVER_KEYS = frozenset(
    {
        "measurement_uid",
        "anomaly",
        "confirmed",
        "failure",
        "scores",
        "measurement_url",
        "bucket_date",
        "backend_version",
        "report_filename",
    }
)


def content_sha256(obj: dict[str, Any]) -> str:
    """The measurement as its probe sent it: canonical JSON without what OONI's backend adds."""
    rest = {k: v for k, v in obj.items() if k not in SERVER_KEYS}
    text = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def parse_line(text: str) -> OoniRow:
    """One line of OONI JSON Lines; raises Skip (only) when it is not stored."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        raise Skip("not JSON") from None
    if obj == {}:
        raise Skip("empty object {} (an upload OONI could not parse)")
    if not isinstance(obj, dict):
        raise Skip("not a JSON object")
    test_name = obj.get("test_name")
    if not isinstance(test_name, str) or not test_name:
        raise Skip("no test_name")
    if is_ours(obj):
        raise Skip("our own measurement (not external corroboration)")
    start = obj.get("measurement_start_time")
    try:
        if not isinstance(start, str) or not _START.match(start):
            raise ValueError
        when = datetime.fromisoformat(start.replace(" ", "T").removesuffix("Z")).replace(tzinfo=UTC)
    except ValueError:
        raise Skip("no usable measurement_start_time") from None
    url = obj.get("input")
    if isinstance(url, str):
        input_text: str | None = url
        domain = domain_of(url) if "://" in url else ""
    elif url is None:
        input_text, domain = None, ""
    else:
        input_text, domain = json.dumps(url, ensure_ascii=False, separators=(",", ":")), ""
    keys = obj.get("test_keys")
    keys = keys if isinstance(keys, dict) else {}
    scores = obj.get("scores")
    if isinstance(scores, str):  # the API's measurement_meta carries scores as JSON text
        try:
            scores = json.loads(scores)
        except ValueError:
            scores = None
    raw_bytes = text.encode("utf-8", "surrogateescape")
    uid = obj.get("measurement_uid")
    cc = obj.get("probe_cc")
    rid = obj.get("report_id")
    return OoniRow(
        measurement_uid=uid
        if isinstance(uid, str) and uid
        else "sha256:" + hashlib.sha256(raw_bytes).hexdigest(),
        content_sha256=content_sha256(obj),
        report_id=rid if isinstance(rid, str) else "",
        input=input_text,
        domain=domain,
        probe_asn=_asn(obj.get("probe_asn")),
        probe_cc=cc.upper()[:8] if isinstance(cc, str) and cc else None,
        measurement_start_time=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        test_name=test_name,
        blocking=_blocking(obj, keys, scores),
        accessible=_opt_bool(keys.get("accessible")),
        anomaly=_opt_bool(obj.get("anomaly")),
        confirmed=_opt_bool(obj.get("confirmed")),
        failure=_opt_bool(obj.get("failure")),
        scores=json.dumps(scores, sort_keys=True) if isinstance(scores, dict) else None,
        raw=raw_bytes.decode("utf-8", "replace"),
    )


def is_ours(obj: dict[str, Any]) -> bool:
    """Whether an OONI line is one of our own measurements (what `to_ooni` writes): our software name, or
    annotations naming one of our measurement uids. Those are not external corroboration."""
    if obj.get("software_name") == SOFTWARE_NAME:
        return True
    annotations = obj.get("annotations")
    if not isinstance(annotations, dict):
        return False
    return annotations.get("engine_name") == SOFTWARE_NAME or bool(annotations.get("saksi_measurement_uid"))


@dataclass
class ImportResult:
    lines: int = 0
    stored: int = 0
    duplicates: int = 0
    uids_added: int = 0  # an archive copy already stored, now given OONI's uid by the API copy
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> lines
    stored_uids: list[str] = field(default_factory=list)

    @property
    def ours(self) -> int:
        return sum(n for reason, n in self.skipped.items() if reason.startswith("our own"))


def open_text(path: Path) -> io.TextIOBase:
    with path.open("rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    if gzipped:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="surrogateescape")
    return io.TextIOWrapper(path.open("rb"), encoding="utf-8", errors="surrogateescape")


INSERT_OONI = (
    "INSERT INTO ooni_measurements (measurement_uid, report_id, input, domain, probe_asn, probe_cc, "
    "measurement_start_time, test_name, blocking, accessible, anomaly, confirmed, raw, imported_at, "
    "failure, scores, content_sha256) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"
)


def _int(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _store(conn: Connection, row: OoniRow, imported_at: str, result: ImportResult) -> None:
    found = conn.execute(
        "SELECT measurement_uid FROM ooni_measurements WHERE content_sha256 = ? OR measurement_uid = ?",
        [row.content_sha256, row.measurement_uid],
    ).fetchone()
    if found is not None:
        result.duplicates += 1
        stored_uid = str(found[0])
        # The copy may bring what the stored one lacked: OONI's verdict fields, and OONI's uid.
        conn.execute(
            "UPDATE ooni_measurements SET anomaly = coalesce(anomaly, ?), confirmed = coalesce(confirmed, ?), "
            "failure = coalesce(failure, ?), scores = coalesce(scores, ?) WHERE measurement_uid = ?",
            [_int(row.anomaly), _int(row.confirmed), _int(row.failure), row.scores, stored_uid],
        )
        if stored_uid.startswith(("sha256:", "local-")) and not row.measurement_uid.startswith("sha256:"):
            taken = conn.execute(
                "SELECT 1 FROM ooni_measurements WHERE measurement_uid = ?", [row.measurement_uid]
            ).fetchone()
            if taken is None:
                conn.execute(
                    "UPDATE ooni_measurements SET measurement_uid = ? WHERE measurement_uid = ?",
                    [row.measurement_uid, stored_uid],
                )
                result.uids_added += 1
        return
    cur = conn.execute(
        INSERT_OONI,
        [
            row.measurement_uid,
            row.report_id,
            row.input,
            row.domain,
            row.probe_asn,
            row.probe_cc,
            row.measurement_start_time,
            row.test_name,
            row.blocking,
            _int(row.accessible),
            _int(row.anomaly),
            _int(row.confirmed),
            row.raw,
            imported_at,
            _int(row.failure),
            row.scores,
            row.content_sha256,
        ],
    )
    if cur.rowcount == 1:
        result.stored += 1
        result.stored_uids.append(row.measurement_uid)
    else:
        result.duplicates += 1


def backfill_content(conn: Connection) -> int:
    """Give rows imported before content identity existed (migration 13) their `content_sha256`, so that
    a later copy of the same measurement is recognised; returns how many were given one."""
    done = 0
    for uid, raw in conn.execute(
        "SELECT measurement_uid, raw FROM ooni_measurements WHERE content_sha256 IS NULL"
    ).fetchall():
        try:
            obj = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        digest = content_sha256(obj)
        if conn.execute("SELECT 1 FROM ooni_measurements WHERE content_sha256 = ?", [digest]).fetchone():
            continue  # two old rows of one measurement: the first keeps the identity
        conn.execute(
            "UPDATE ooni_measurements SET content_sha256 = ? WHERE measurement_uid = ?", [digest, uid]
        )
        done += 1
    return done


def import_lines(conn: Connection, lines: Iterator[str], *, now: datetime | None = None) -> ImportResult:
    """Store OONI measurements in ooni_measurements, inside the caller's transaction; every line is
    stored, a duplicate, or skipped with its reason counted."""
    imported_at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    backfill_content(conn)
    result = ImportResult()
    for text in lines:
        text = text.rstrip("\r\n")
        if not text.strip():
            continue
        result.lines += 1
        try:
            row = parse_line(text)
        except Skip as skip:
            result.skipped[skip.reason] += 1
            continue
        _store(conn, row, imported_at, result)
    return result


def import_file(conn: Connection, path: Path) -> ImportResult:
    """An OONI JSON Lines file (gzip-compressed or not), in the caller's transaction, read line by line.
    A file whose first line is an unfinished `{` is one pretty-printed JSON document (one measurement, as
    OONI's API and repositories often hold it) and is read as one line."""
    with open_text(path) as text:
        first = text.readline()
        if first.strip() == "{":
            document = first + text.read()
            try:
                whole = json.loads(document)
            except ValueError:
                whole = None
            if isinstance(whole, dict):
                one = json.dumps(whole, ensure_ascii=False, separators=(",", ":"))
                return import_lines(conn, iter([one]))
            return import_lines(conn, iter(document.splitlines()))
        return import_lines(conn, _chain(first, text))


def _chain(first: str, rest: io.TextIOBase) -> Iterator[str]:
    yield first
    yield from rest
