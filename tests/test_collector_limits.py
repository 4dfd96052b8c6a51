"""The collector as an attacker finds it: every parameter refused with a 400, bodies bounded while they
stream and inflate, one poisoned envelope isolated from its group, anonymous callers limited per address
and per network, heavy reads gated, downloads safe to open."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import logging
import socket
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import given
from hypothesis import strategies as st

from probe.analysis.export import CsvWriter, columns_for
from probe.collector.app import create_app
from probe.collector.body import BodyBudget, BodyError
from probe.collector.headers import attachment
from probe.collector.limits import HeavyGate, Lanes, Window
from probe.collector.slow_clients import HeaderDeadlineProtocol
from probe.collector.storage import NewMeasurement
from probe.config import Settings
from probe.control.service import ServerThread
from probe.sign.dsse import MEASUREMENT_TYPE, sign_envelope
from probe.sign.jcs import canonical
from tests.collector_rig import Prober, collector
from tests.storage_backends import MakeStorage

BAD_PARAMS = [
    "/api/v1/timeline?asn=%C2%B2",  # asn=², a digit to str.isdigit but not to int()
    "/api/v1/timeline?asn=12345678901234567890",
    "/api/v1/timeline?asn=4294967296",
    "/api/v1/timeline?since=0001-01-01",
    "/api/v1/timeline?until=9999-12-31",
    "/api/v1/timeline?since=9999-12-31T23:59:59",
    "/api/v1/events?since=0001-01-01T00:00:00%2B14:00",
    "/api/v1/overview?at=9999-12-31",
    "/api/v1/export?dataset=timeline&asn=%C2%B2",
    "/api/v1/export?dataset=measurements&since=0001-01-01",
    "/api/v1/evidence?domain=www.rfa.org&asn=99999999999999999999",
    "/api/v1/evidence?domain=www.rfa.org&until=9999-12-31",
    "/api/v1/timeline?domain=" + "a" * 300,
    "/api/v1/timeline?category=%00",
    "/api/v1/log/proof/consistency?from=%C2%B2&to=1",
    "/asn/%C2%B2",
    "/asn/12345678901234567890",
    "/domain/www.rfa.org?since=0001-01-01",
    "/?at=0001-01-01",
]


def test_every_bad_parameter_is_a_400_with_a_reason(tmp_path: Path) -> None:
    with collector(tmp_path) as rig, rig.client() as http:
        p = Prober(tmp_path)
        assert http.post("/api/v1/probes", json=p.enrol_body()).status_code == 201
        stored = http.post("/api/v1/measurements", json=p.envelope())
        assert stored.status_code == 201
        digest = json.loads(base64.b64decode(stored.json()["payload"]))["payload_sha256"]
        time.sleep(0.6)  # sequenced
        for path in [*BAD_PARAMS, f"/api/v1/log/proof/inclusion?hash={digest}&size=abc"]:
            r = http.get(path)
            assert r.status_code == 400, (path, r.status_code, r.text[:300])
            assert "Traceback" not in r.text
        for path in ("/api/v1/probes/%00", "/api/v1/measurements/" + "f" * 500, "/measurement/%00"):
            assert http.get(path).status_code == 404, path


def test_bodies_are_bounded_while_they_inflate_and_arrive(tmp_path: Path) -> None:
    bomb = b'{"envelopes":[' + b" " * (40 * 1024 * 1024) + b"]}"
    gz = gzip.compress(bomb, 9)
    deflated = zlib.compress(bomb, 9)
    with (
        collector(tmp_path, max_decompressed_bytes=1024 * 1024, body_timeout_s=0.5) as rig,
        rig.client() as http,
    ):
        json_headers = {"content-type": "application/json"}
        for body, encoding in ((gz, "gzip"), (deflated, "deflate")):
            r = http.post(
                "/api/v1/measurements", content=body, headers={**json_headers, "content-encoding": encoding}
            )
            assert (r.status_code, r.json()["reason"]) == (413, "too_large"), encoding
        r = http.post(
            "/api/v1/measurements",
            content=gzip.compress(b'{"envelopes": []}' * 100)[:-12],
            headers={**json_headers, "content-encoding": "gzip"},
        )
        assert (r.status_code, r.json()["reason"]) == (400, "bad_encoding")  # truncated
        r = http.post(
            "/api/v1/measurements", content=b"{}", headers={**json_headers, "content-encoding": "br"}
        )
        assert r.status_code == 415

        # A body that never finishes arriving: 408 after body_timeout_s, not a held connection.
        host, port = rig.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(
                b"POST /api/v1/measurements HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n{"
            )
            started = time.monotonic()
            answer = sock.recv(4096)
            assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
            assert time.monotonic() - started < 4


def test_a_client_that_disconnects_mid_body_costs_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with collector(tmp_path) as rig, caplog.at_level(logging.INFO):
        host, port = rig.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(
                b"POST /api/v1/measurements HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100000\r\n\r\n" + b"x" * 1000
            )
        time.sleep(0.5)
        with rig.client() as http:
            assert http.get("/api/v1/log/key").status_code == 200
    text = caplog.text
    assert "Traceback" not in text
    assert sum("disconnect" in r.getMessage() for r in caplog.records) <= 1


def signed_raw(p: Prober, **changes: Any) -> dict[str, Any]:
    """An envelope over a payload the probe's own signer would refuse to make, validly signed."""
    payload = {**p.measurement().model_dump(mode="json"), **changes}
    try:
        body = canonical(payload)  # strict ingest takes RFC 8785 only: the poison must be in the values
    except (ValueError, OverflowError):  # beyond what RFC 8785 can write (an integer past 2^53)
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return sign_envelope(MEASUREMENT_TYPE, body, p.key, p.key_id).model_dump()


def test_a_poisoned_envelope_fails_alone_and_its_group_is_stored(tmp_path: Path) -> None:
    with collector(tmp_path) as rig, rig.client() as http:
        p = Prober(tmp_path)
        http.post("/api/v1/probes", json=p.enrol_body())
        good = [p.envelope() for _ in range(5)]
        bad = signed_raw(p, probe={"asn": 2**63, "key_id": p.key_id})
        big = signed_raw(p, target={"url": "https://www.rfa.org/" + "x" * 300_000})
        impossible = signed_raw(p, started_at="2026-13-45T99:00:00Z")
        nul = signed_raw(p, target={"url": "https://www.rfa.org/\u0000"})
        batch = [*good[:3], bad, big, impossible, nul, *good[3:]]
        r = http.post("/api/v1/measurements", json={"envelopes": batch})
        statuses = [(x["status"], x["reason"]) for x in r.json()["results"]]
        # 2^63 cannot even be written as RFC 8785 JSON (integers past 2^53): strict ingest refuses its form.
        assert statuses[:5] == [(201, None)] * 3 + [(422, "not_canonical"), (413, "too_large")]
        assert statuses[5][0] == statuses[6][0] == 422
        assert statuses[7:] == [(201, None)] * 2


def test_the_group_commit_isolates_what_the_database_refuses(
    make_storage: MakeStorage, tmp_path: Path
) -> None:
    """Whatever a check missed, the database refusing one row must not fail the others."""
    storage = make_storage(tmp_path)

    def item(i: int) -> NewMeasurement:
        return NewMeasurement(
            payload_sha256=f"{i:064x}",
            uid=f"{i:032x}",
            key_id="k",
            asn=2**70 if i == 3 else 38623,  # past any integer column
            tier="unverified",
            received_at="2026-12-01T00:00:00.000Z",
            started_at="2026-12-01T00:00:00.000Z",
            envelope="{}",
            receipt=f'{{"n":{i}}}',
            url="https://x.example/\ud800" if i == 11 else "https://x.example/",  # not UTF-8
        )

    async def run() -> list[Any]:
        return list(await storage.store([item(i) for i in range(16)]))

    try:
        results = asyncio.run(run())
        stored = asyncio.run(
            storage.read(lambda c: c.execute("SELECT count(*) FROM measurements").fetchone()[0])
        )
    finally:
        storage.close()
    assert [r.status for r in results] == [422 if i in (3, 11) else 201 for i in range(16)]
    assert results[3].reason and "refused" in results[3].reason
    assert stored == 14


def test_enrolment_is_limited_per_address_and_per_network(tmp_path: Path) -> None:
    limits = {"enrol_per_address_per_hour": 2, "enrol_per_network_per_hour": 3}
    with collector(tmp_path, **limits) as rig, rig.client("127.0.0.2") as a, rig.client("127.0.0.3") as b:
        codes = [a.post("/api/v1/probes", json=Prober(tmp_path).enrol_body()).status_code for _ in range(3)]
        assert codes == [201, 201, 429]
        assert b.post("/api/v1/probes", json=Prober(tmp_path).enrol_body()).status_code == 201
        refused = b.post("/api/v1/probes", json=Prober(tmp_path).enrol_body())
        assert refused.status_code == 429  # the network (AS38623) has had its three
        assert int(refused.headers["retry-after"]) > 0


def test_anonymous_reads_are_limited_but_ingest_is_not(tmp_path: Path) -> None:
    with collector(tmp_path, anonymous_per_address_per_min=5) as rig, rig.client() as http:
        p = Prober(tmp_path)
        codes = [http.get("/api/v1/log/key").status_code for _ in range(5)]
        limited = http.get("/api/v1/log/key")
        assert codes == [200] * 5 and limited.status_code == 429
        assert "retry-after" in limited.headers
        with rig.client("127.0.0.3") as other:
            assert other.get("/api/v1/log/key").status_code == 200
        # Ingest is signed and limited per key, not here (the enrolment before it is anonymous).
        assert http.post("/api/v1/measurements", json=p.envelope()).status_code == 403  # unknown key


def test_the_address_is_never_what_limits_remember(tmp_path: Path) -> None:
    with collector(tmp_path) as rig, rig.client() as http:
        http.get("/api/v1/log/key")
    # The tables hold keyed hashes; a fresh window with a known key shows the form.
    w = Window(1, 60)
    w.take("abc", now=0)
    assert list(w.counts) == ["abc"]


def test_heavy_reads_are_limited_per_client_and_in_all() -> None:
    release = asyncio.Event()
    started: list[str] = []

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        started.append(scope["path"])
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    class Keys:
        def address(self, host: str | None) -> str:
            return f"h({host})"

    gate = HeavyGate(slow_app, Keys(), queue=3, per_client=2)  # type: ignore[arg-type]

    async def call(host: str, path: str = "/api/v1/export") -> int:
        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "path": path, "client": (host, 1)}
        await gate(scope, None, send)  # type: ignore[arg-type]
        return int(sent[0]["status"])

    async def run() -> list[int]:
        async with asyncio.TaskGroup() as group:
            first = [group.create_task(call("a")) for _ in range(2)]
            await asyncio.sleep(0.01)
            third_from_a = await call("a")
            b1 = group.create_task(call("b"))
            await asyncio.sleep(0.01)
            b2 = await call("b")  # b has one running, but the process has three: busy
            light = group.create_task(call("c", "/api/v1/log/checkpoint"))  # not heavy: passes through
            await asyncio.sleep(0.01)
            release.set()
        return [third_from_a, b2, *(t.result() for t in (*first, b1, light))]

    assert asyncio.run(run()) == [429, 503, 200, 200, 200, 200]
    assert gate.running == 0 and not gate.by_client


def test_the_body_budget_refuses_past_its_share() -> None:
    budget = BodyBudget(total=4096)

    async def run() -> None:
        async with budget.hold("a") as a1:
            a1.add(1024)
            with pytest.raises(BodyError) as caught:
                a1.add(1)  # a quarter of the budget per caller
            assert caught.value.status == 503
            async with budget.hold("b") as b1:
                b1.add(1024)
        assert budget.used == 0 and not budget.by_client

    asyncio.run(run())


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_a_spreadsheet_would_run_are_neutralised(text: str) -> None:
    writer = CsvWriter(columns_for("events"))
    row = dict.fromkeys(writer.names, text)
    line = writer.rows([row]).decode()
    assert line.startswith(("'" + text[0], "\"'" + text[0]))
    cells = line.rstrip("\n").split(",")
    assert cells[-1] == "false"  # lab_data: a boolean the writer owns (provenance), not the row's text
    assert all(cell.startswith(("'", "\"'")) for cell in cells[:-1] if cell)


@given(st.text(max_size=80))
def test_content_disposition_cannot_break_out(name: str) -> None:
    header = attachment(name)
    assert "\r" not in header and "\n" not in header
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in fallback)
    assert header.count('"') == 2


def test_one_network_takes_at_most_its_lanes() -> None:
    lanes = Lanes(2)
    running: Counter[str] = Counter()
    most: Counter[str] = Counter()

    async def job(net: str) -> None:
        async with lanes.take(net):
            running[net] += 1
            most[net] = max(most[net], running[net])
            await asyncio.sleep(0.01)
            running[net] -= 1

    async def run() -> None:
        async with asyncio.TaskGroup() as group:
            for _ in range(10):
                group.create_task(job("flood"))
            group.create_task(job("honest"))

    asyncio.run(run())
    assert most["flood"] == 2 and most["honest"] == 1
    assert not lanes._lanes  # nothing kept once idle


def test_a_client_trickling_its_headers_is_disconnected(tmp_path: Path) -> None:
    settings = Settings(collector={"data_dir": tmp_path / "c"}, store={"path": tmp_path / "u.db"})
    (tmp_path / "c").mkdir()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.5",
        port=0,
        log_level="warning",
        lifespan="on",
        http=HeaderDeadlineProtocol,
        timeout_keep_alive=1,
    )
    server = ServerThread(config)
    server.start()
    try:
        with socket.create_connection(("127.0.0.5", server.port), timeout=10) as sock:
            started = time.monotonic()
            closed = False
            for _ in range(40):
                try:
                    sock.sendall(b"G" if _ == 0 else b"E")
                    if sock.recv(1, socket.MSG_DONTWAIT) == b"":
                        closed = True
                        break
                except BlockingIOError:
                    pass
                except OSError:
                    closed = True
                    break
                time.sleep(0.1)
            assert closed and time.monotonic() - started < 3
        with httpx.Client(base_url=f"http://127.0.0.5:{server.port}") as http:
            assert http.get("/api/v1/log/key").status_code == 200  # a prompt client is served
    finally:
        server.stop()


def test_pages_show_a_bounded_number_of_rows_whatever_probes_claim(tmp_path: Path) -> None:
    with collector(tmp_path, overview_max_domains=2, overview_max_networks=1) as rig, rig.client() as http:
        p = Prober(tmp_path)
        http.post("/api/v1/probes", json=p.enrol_body())
        envelopes = [
            signed_raw(
                p, target={"url": f"https://site-{i}.example/"}, probe={"asn": 64500 + i, "key_id": p.key_id}
            )
            for i in range(5)
        ]
        r = http.post("/api/v1/measurements", json={"envelopes": envelopes})
        assert [x["status"] for x in r.json()["results"]] == [201] * 5
        page = http.get("/").text
        assert "3 more sites" in page and "4 more networks" in page
        assert sum(f"site-{i}.example" in page for i in range(5)) == 2
        one_site = [
            signed_raw(
                p, target={"url": "https://one.example/"}, probe={"asn": 64600 + i, "key_id": p.key_id}
            )
            for i in range(5)
        ]
        http.post("/api/v1/measurements", json={"envelopes": one_site})
        site_page = http.get("/domain/one.example").text  # the site on the five networks it was claimed on
        assert "3 more networks in this period are not shown here" in site_page
        assert sum(f"AS{64600 + i}" in site_page for i in range(5)) == 2


def test_one_request_looks_up_at_most_sixteen_keys(tmp_path: Path) -> None:
    with collector(tmp_path) as rig, rig.client() as http:
        envelopes = [Prober(tmp_path).envelope() for _ in range(17)]  # none enrolled
        r = http.post("/api/v1/measurements", json={"envelopes": envelopes})
        reasons = [x["reason"] for x in r.json()["results"]]
        assert reasons == ["unknown_key"] * 16 + ["too_many_keys"]


def test_a_parameter_an_endpoint_does_not_take_is_refused(tmp_path: Path) -> None:
    """A filter that looks applied but is ignored misleads: unknown or repeated parameters are a 400."""
    with collector(tmp_path) as rig, rig.client() as http:
        for path in (
            "/api/v1/whoami?x=1",
            "/api/v1/targets?asn=x",
            "/api/v1/log/key?foo=1",
            "/api/v1/log/checkpoint?size=3",
            "/api/v1/timeline?asn=1&asn=2",
            "/api/v1/events?domain=a.example&domain=b.example",
        ):
            r = http.get(path)
            assert r.status_code == 400, path
            assert r.json()["reason"] == "bad_filter", path
        assert http.get("/api/v1/whoami").status_code == 200
        assert http.get("/api/v1/timeline?asn=38623").status_code == 200
