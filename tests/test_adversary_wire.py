"""The adversary suite, part two (issue 10): attacks on the wire and on the control, through the real
HTTP collector. One test per attack, each with the outcome it must give: a 4xx with a machine-readable
reason, never a 5xx, nothing stored, and no label taken from a probe. Part one (what may be published) is
tests/test_adversary.py."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import secrets
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from probe.collector.storage import SqliteStorage
from probe.models.measurement import ClassifierSettings, Measurement, ProbeInfo
from probe.sign.dsse import MEASUREMENT_TYPE, sign_envelope
from probe.sign.jcs import canonical
from tests.collector_rig import Prober, collector

ASN = 38623

# --- wire attacks, through the real HTTP collector ----------------------------------------------------


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # Many attackers enrol from one loopback address here; the enrolment limit is tested on its own.
    with collector(tmp_path_factory.mktemp("adversary"), enrol_per_address_per_hour=10_000) as r:
        yield r


def _post_payload(rig: Any, prober: Prober, payload: bytes, **envelope: Any) -> Any:
    kid = prober.key_id
    env = sign_envelope(MEASUREMENT_TYPE, payload, prober.key, kid).model_dump()
    env.update(envelope)
    with rig.client() as client:
        return client.post(
            "/api/v1/measurements", content=json.dumps(env), headers={"content-type": "application/json"}
        )


@pytest.fixture
def prober(rig: Any, tmp_path: Path) -> Prober:
    p = Prober(tmp_path)
    with rig.client() as client:
        assert client.post("/api/v1/probes", json=p.enrol_body()).status_code == 201
    return p


def test_a_renamed_network(rig: Any, prober: Prober) -> None:
    """A probe names its network 'Renamed by a probe': the dashboard shows the collector's own name."""
    m = prober.measurement(
        probe=ProbeInfo(asn=ASN, key_id=prober.key_id, network_name="Renamed by a probe", cc="US")
    )
    with rig.client() as client:
        assert client.post("/api/v1/measurements", json=prober.envelope(m)).status_code == 201
        pages = [client.get(f"/asn/{ASN}").text, client.get(f"/measurement/{m.measurement_uid}").text]
        record = client.get(f"/api/v1/measurements/{m.measurement_uid}").json()
    # labels come from the collector's table; the signed payload, shown verbatim below them, keeps the claim
    lede = pages[1].split('<p class="lede">', 1)[1].split("</p>", 1)[0]
    for label in (pages[0], lede):
        assert "Renamed by a probe" not in label
        assert "VIETTEL-KH Metfone" in label
    # the uploader was on AS38623 (the rig maps 127.0.0.2 there): observed, and the page says so
    assert "Network evidence: <strong>observed</strong>" in lede
    assert record["statement"]["asn"] == ASN


def test_recorded_bogon_ranges_pass_strict_ingest_and_bad_ones_are_refused(rig: Any, prober: Prober) -> None:
    """A probe with its own network.bogon_ranges records them (classifier.bogon_ranges): the collector
    stores the record as signed; a range that is not a network, or too many, is refused as a bad payload."""
    ranges = ["10.0.0.0/8", "203.0.113.0/24", "2001:db8::/32"]
    m = prober.measurement(classifier=ClassifierSettings(bogon_ranges=ranges))
    with rig.client() as client:
        assert client.post("/api/v1/measurements", json=prober.envelope(m)).status_code == 201
        record = client.get(f"/api/v1/measurements/{m.measurement_uid}").json()
        payload = json.loads(base64.b64decode(record["envelope"]["payload"]))
        assert payload["classifier"] == {"bogon_ranges": ranges}
        for bad in (["203.0.113.0/33"], ["10.0.0.0/8"] * 257):
            forged = prober.measurement(classifier=ClassifierSettings(bogon_ranges=bad))
            answer = client.post("/api/v1/measurements", json=prober.envelope(forged))
            assert answer.status_code == 422 and "classifier.bogon_ranges" in answer.text, answer.text


def test_duplicate_keys_in_a_payload(rig: Any, prober: Prober) -> None:
    """A verdict that says blocked, then accessible: refused, whichever a parser would keep."""
    body = canonical(prober.measurement())
    doubled = body.replace(b'"outcome":"blocked"', b'"outcome":"blocked","outcome":"accessible"')
    assert doubled != body
    r = _post_payload(rig, prober, doubled)
    assert (r.status_code, r.json()["reason"]) == (422, "duplicate_key")


def test_duplicate_keys_in_an_envelope(rig: Any, prober: Prober) -> None:
    env = prober.envelope()
    text = json.dumps(env)[:-1] + ', "payloadType": "application/vnd.saksi.measurement.v1+json"}'
    with rig.client() as client:
        r = client.post("/api/v1/measurements", content=text, headers={"content-type": "application/json"})
    assert (r.status_code, r.json()["reason"]) == (400, "duplicate_key")


def _forms(m: Measurement) -> dict[str, bytes]:
    body = canonical(m)
    data = json.loads(body)
    return {
        "spaces": json.dumps(data, sort_keys=True).encode(),
        "unsorted": json.dumps(dict(reversed(list(data.items()))), separators=(",", ":")).encode(),
        "escaped_ascii": body.replace(b'"rules_version":"test"', b'"rules_version":"t\\u0065st"'),
        "float_integer": body.replace(b'"schema_version":1', b'"schema_version":1.0'),
        "exponent": body.replace(b'"schema_version":1', b'"schema_version":1e0'),
        "trailing_newline": body + b"\n",
        "bom": b"\xef\xbb\xbf" + body,
    }


@pytest.mark.parametrize(
    "form", ["spaces", "unsorted", "escaped_ascii", "float_integer", "exponent", "trailing_newline", "bom"]
)
def test_each_non_canonical_form(rig: Any, prober: Prober, form: str) -> None:
    r = _post_payload(rig, prober, _forms(prober.measurement())[form])
    assert r.status_code == 422, r.text
    assert r.json()["reason"] in ("not_canonical", "bad_json")


@pytest.mark.parametrize(
    ("path", "value", "why"),
    [
        (("schema_version",), "1", "a string for an integer"),
        (("probe", "asn"), 2**63, "an ASN that overflows SQLite"),
        (("probe", "asn"), 2**32, "an ASN past 32 bits"),
        (("probe", "asn"), -1, "a negative ASN"),
        (("started_at",), "2026-02-30T10:00:00.000Z", "a day that does not exist"),
        (("started_at",), "2026-11-01T10:00:00+07:00", "a time that is not UTC"),
        (("started_at",), "yesterday", "not a time"),
        (("probe", "cc"), "kh", "a country code in lower case"),
        (("target", "url"), "https://x/" + "a" * 5000, "a URL past its bound"),
        (("target", "url"), "javascript:alert(1)", "a URL that is no web site (filed under an empty site)"),
        (("target", "url"), "https:///path", "a URL with no host"),
        (
            ("target", "url"),
            "https://www.rfa.org./",
            "a host with a trailing dot (a second cell for one site)",
        ),
        (("target", "url"), "https://-bad-.example/", "a host that is no DNS name"),
        (("target", "url"), "ftp://www.rfa.org/", "a scheme the probe never measures"),
        (("verdict", "outcome"), "BLOCKED", "an outcome outside the vocabulary"),
    ],
)
def test_strict_payload_values(rig: Any, prober: Prober, path: tuple[str, ...], value: Any, why: str) -> None:
    data = json.loads(canonical(prober.measurement()))
    here = data
    for part in path[:-1]:
        here = here[part]
    here[path[-1]] = value
    r = _post_payload(rig, prober, json.dumps(data, sort_keys=True, separators=(",", ":")).encode())
    assert r.status_code == 422, f"{why}: {r.status_code} {r.text}"
    # 2^63 is past JSON's exact integers (2^53): RFC 8785 writes it otherwise, so it is not canonical either
    assert r.json()["reason"] in (("bad_payload", "not_canonical") if value == 2**63 else ("bad_payload",))


def test_a_second_signature(rig: Any, prober: Prober) -> None:
    """An extra signature, even one by another enrolled key, is refused: exactly one, by the probe key."""
    body = canonical(prober.measurement())
    env = sign_envelope(MEASUREMENT_TYPE, body, prober.key, prober.key_id).model_dump()
    env["signatures"].append({"keyid": "f" * 64, "sig": base64.b64encode(b"x" * 64).decode()})
    with rig.client() as client:
        r = client.post("/api/v1/measurements", json=env)
    assert (r.status_code, r.json()["reason"]) == (400, "signatures")


def test_gzip_with_trailing_junk(rig: Any, prober: Prober) -> None:
    body = gzip.compress(json.dumps(prober.envelope()).encode()) + b"junk"
    with rig.client() as client:
        r = client.post(
            "/api/v1/measurements",
            content=body,
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )
    assert (r.status_code, r.json()["reason"]) == (400, "bad_encoding")


def test_the_stored_envelope_is_the_exact_bytes_received(rig: Any, prober: Prober) -> None:
    env = prober.envelope()
    sent = (
        '{ "signatures" : ' + json.dumps(env["signatures"]) + ', "payload": "' + env["payload"] + '",'
        ' "payloadType":"' + env["payloadType"] + '" }'
    ).encode()
    batch = b'{"envelopes": [ ' + sent + b" ]}"
    with rig.client() as client:
        r = client.post("/api/v1/measurements", content=batch, headers={"content-type": "application/json"})
        assert r.json()["results"][0]["status"] == 201
    uid = json.loads(base64.b64decode(env["payload"]))["measurement_uid"]
    db = rig.settings.collector.data_dir / "collector.db"
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT envelope FROM measurements WHERE uid = ?", [uid]).fetchone()[0]
    assert stored.encode() == sent


def test_no_rejection_is_a_5xx(rig: Any, prober: Prober) -> None:
    """Hostile bodies of every kind: a 4xx with a reason, never a 5xx."""
    bodies = [
        b"",
        b"null",
        b"[]",
        b'{"envelopes": 5}',
        b'{"envelopes": [], "x": 1}',
        b'{"envelopes": [1]}',
        b"NaN",
        b'{"payloadType": 1}',
        b"\xff\xfe",
        b'{"a":' * 10_000,
        json.dumps(
            {
                "payloadType": MEASUREMENT_TYPE,
                "payload": "!!",
                "signatures": [{"keyid": prober.key_id, "sig": "AA=="}],
            }
        ).encode(),
    ]
    with rig.client() as client:
        for body in bodies:
            r = client.post(
                "/api/v1/measurements", content=body, headers={"content-type": "application/json"}
            )
            assert 400 <= r.status_code < 500 or r.status_code == 200, (body[:40], r.status_code)
            if r.status_code != 200:
                assert r.json()["reason"], body[:40]
            else:
                assert all(400 <= x["status"] < 500 for x in r.json()["results"])


# --- the collector's control serves enrolled probes only -------------------------------------------------


def _control(rig: Any, key: Any, url: str) -> Any:
    from probe.control.client import signed_request

    with rig.client() as client:
        return client.post("/api/v1/control", content=signed_request(url, [], key, secrets.token_hex(16)))


def test_the_control_refuses_strangers(rig: Any, tmp_path: Path) -> None:
    stranger = Prober(tmp_path)  # never enrolled
    r = _control(rig, stranger.key, "https://www.rfa.org/")
    assert (r.status_code, r.json()["reason"]) == (403, "unknown_key")


def test_the_control_refuses_a_revoked_key(rig: Any, tmp_path: Path) -> None:
    p = Prober(tmp_path)
    with rig.client() as client:
        assert client.post("/api/v1/probes", json=p.enrol_body()).status_code == 201
    storage = SqliteStorage(rig.settings.collector.data_dir / "collector.db")
    try:
        asyncio.run(storage.revoke(p.key_id, datetime.now(UTC).isoformat()))
    finally:
        storage.close()
    r = _control(rig, p.key, "https://www.rfa.org/")
    assert r.status_code == 403


@pytest.mark.parametrize("target", ["http://0177.0.0.1/", "http://[::1", f"http://{'a' * 64}.example/"])
def test_the_collectors_control_gives_400_for_malformed_urls(rig: Any, prober: Prober, target: str) -> None:
    r = _control(rig, prober.key, target)
    assert (r.status_code, r.json()["reason"]) == (400, "bad_url")


def test_the_issue_reproduction(rig: Any, tmp_path: Path) -> None:
    """Issue 10's report, replayed: one freshly enrolled anonymous key uploads 12 measurements in under a
    second claiming AS38623, from another network, back-dated 4 days. Stored, but `claimed`, outside their
    time bracket, and nothing about the site is published."""
    from datetime import timedelta

    from probe.models.evidence import Receipt

    p = Prober(tmp_path)
    p.now = datetime.now(UTC) - timedelta(days=4)
    p.key, p.key_id = p.signer.key(ASN, p.now), p.signer.key_id_for(ASN, p.now)
    elsewhere = rig.client(source="127.0.1.2")  # not in the collector's ip2asn table: another network
    with elsewhere as client:
        assert client.post("/api/v1/probes", json=p.enrol_body()).status_code == 201
        batch = {"envelopes": [p.envelope(p.measurement(url="https://issue10.example/")) for _ in range(12)]}
        results = client.post("/api/v1/measurements", json=batch).json()["results"]
        overview = client.get("/api/v1/overview").json()
    assert [r["status"] for r in results] == [201] * 12
    receipts = [Receipt.model_validate_json(base64.b64decode(r["receipt"]["payload"])) for r in results]
    assert {(r.network_evidence, r.time_ok) for r in receipts} == {("claimed", False)}
    mine = [c for c in overview["cells"] if c["domain"] == "issue10.example"]
    assert mine and all(not c["published"] and c["state"] == "inconclusive" for c in mine)


def test_the_control_gives_up_at_its_deadline(tmp_path: Path) -> None:
    """A site that accepts the connection and never answers cannot hold the control past its deadline."""
    import socket
    import time

    quiet = {"system_resolvers": [], "udp_resolvers": [], "doh_urls": [], "getaddrinfo": False}
    network = {**quiet, "bogon_ranges": ["10.0.0.0/8"]}
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete in the backlog; nothing is ever sent back
        target = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        extra = {"control": {"deadline_s": 0.5}, "network": network}
        with collector(tmp_path / "c", extra=extra) as r:
            p = Prober(tmp_path)
            with r.client() as client:
                assert client.post("/api/v1/probes", json=p.enrol_body()).status_code == 201
            started = time.monotonic()
            answer = _control(r, p.key, target)
            elapsed = time.monotonic() - started
    assert (answer.status_code, answer.json()["reason"]) == (504, "deadline")
    assert elapsed < 5
