"""A bounded fuzz of a real `probe collector serve` process over HTTP on loopback.

10,000 requests made by a seeded generator: bodies (mutated envelopes signed by an enrolled key, so the
payload checks are reached, unsigned junk, gzip and deflate bombs and fragments, wrong types and
encodings) and query and path parameter values (Unicode digits, 20-digit numbers, years 1 and 9999, NULs,
long strings). Asserted: no answer is a 5xx, the process logs no traceback, nothing is stored but the
valid measurements sent, and the process's peak memory stays bounded.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
import sqlite3
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from probe.sign.dsse import MEASUREMENT_TYPE, sign_envelope
from tests.collector_processes import ASN_TABLE, HOST, _free_port, probe_env
from tests.collector_rig import Prober

SEED = 11
BODIES = 5_000
PARAMS = 5_000
PEAK_RSS_BYTES = 700 * 1024 * 1024

ODD_VALUES = [
    "²",
    "١٢٣",
    "12345678901234567890",
    "4294967296",
    "-1",
    "0",
    "AS",
    "AS²",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "2026-02-30",
    "2026-11-24T25:00:00Z",
    "\x00",
    "a\x00b",
    "%00",
    "x" * 5000,
    "' OR 1=1 --",
    "../../etc/passwd",
    '=HYPERLINK("x")',
    "\ud7ff",
    "🙂",
    "",
    " ",
    "NaN",
    "1e999",
    "abc",
    "true",
    "[]",
]
GET_PATHS = [
    ("/api/v1/timeline", ("domain", "asn", "country", "category", "since", "until", "window", "bogus")),
    ("/api/v1/events", ("domain", "asn", "since", "until", "window")),
    ("/api/v1/overview", ("at",)),
    ("/api/v1/export", ("dataset", "format", "window", "asn", "since", "until", "with_envelope", "domain")),
    ("/api/v1/ooni", ("domain", "asn", "since", "until")),
    ("/api/v1/evidence", ("domain", "asn", "since", "until")),
    ("/api/v1/log/proof/inclusion", ("hash", "size")),
    ("/api/v1/log/proof/consistency", ("from", "to")),
    ("/api/v1/targets", ("x",)),
    ("/", ("at", "only")),
]
PATH_ROUTES = ["/asn/{}", "/domain/{}", "/measurement/{}", "/api/v1/probes/{}", "/api/v1/measurements/{}"]


def mutate(rng: random.Random, value: Any, depth: int = 0) -> Any:
    """A JSON value changed at one random place: a type swapped, a number out of range, a string odd."""
    if isinstance(value, dict) and value and depth < 6 and rng.random() < 0.8:
        key = rng.choice(list(value))
        out = dict(value)
        if rng.random() < 0.1:
            del out[key]
        else:
            out[key] = mutate(rng, value[key], depth + 1)
        return out
    if isinstance(value, list) and value and depth < 6 and rng.random() < 0.8:
        out_list = list(value)
        i = rng.randrange(len(out_list))
        out_list[i] = mutate(rng, out_list[i], depth + 1)
        return out_list
    return rng.choice(
        [
            None,
            True,
            2**63,
            -(2**63) - 1,
            2**64 + 7,
            -1,
            1.5e308,
            "",
            "x" * rng.randint(1, 3000),
            "\u0000",
            "²",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            [],
            {},
            [[[[[]]]]],
            {"a": {"b": {"c": 1}}},
        ]
    )


def bodies(
    rng: random.Random, prober: Prober, base: dict[str, Any], known: dict[str, Any]
) -> Iterator[tuple[bytes, dict[str, str], str | None]]:
    """(body, headers, the uid of the new signed measurement in it, or None). `known` is an envelope
    stored before: only a duplicate of it, never a new measurement, can come of the bodies without a uid."""
    json_type = {"content-type": "application/json"}
    enrol_body = prober.enrol_body()
    for i in range(BODIES):
        kind = i % 10
        if kind in (0, 1, 2, 3):  # a signed, mutated payload: reaches every payload check
            payload = copy.deepcopy(base)
            field = rng.choice(list(payload))
            payload[field] = mutate(rng, payload[field], 1)
            payload["measurement_uid"] = f"{rng.getrandbits(128):032x}"
            env = sign_envelope(MEASUREMENT_TYPE, json.dumps(payload).encode(), prober.key, prober.key_id)
            yield json.dumps(env.model_dump()).encode(), json_type, str(payload["measurement_uid"])
        elif kind == 4:  # a valid measurement, sometimes in a batch with junk around it
            m = prober.measurement(url=f"https://site-{i}.example.org/")
            env = prober.envelope(m)
            junk = mutate(rng, env)
            body = {"envelopes": [junk, env, junk]} if rng.random() < 0.5 else env
            yield json.dumps(body).encode(), json_type, m.measurement_uid
        elif kind == 5:  # an unsigned or badly signed envelope
            yield json.dumps(mutate(rng, known)).encode(), json_type, None
        elif kind == 6:  # random bytes, in every encoding
            raw = rng.randbytes(rng.randint(0, 4000))
            enc = rng.choice(["identity", "gzip", "deflate", "br", "gzip, gzip"])
            yield raw, {**json_type, "content-encoding": enc}, None
        elif kind == 7:  # compressed JSON: whole, truncated, or a bomb
            inner = json.dumps({"envelopes": [known] * rng.randint(0, 3)}).encode()
            if rng.random() < 0.1:
                inner = b'{"envelopes":[' + b" " * (20 * 1024 * 1024) + b"]}"
            enc = rng.choice(["gzip", "deflate"])
            data = gzip.compress(inner) if enc == "gzip" else zlib.compress(inner)
            if rng.random() < 0.5:
                data = data[: rng.randint(0, len(data))]
            yield data, {**json_type, "content-encoding": enc}, None
        elif kind == 8:  # odd JSON shapes
            shape = rng.choice(
                [b"[]", b"{}", b'{"envelopes": []}', b'{"envelopes": {}}', b"[" * 100_000, b"1e999", b"null"]
            )
            yield shape, rng.choice([json_type, {"content-type": "text/plain"}, {}]), None
        else:  # enrolment bodies
            enrol = mutate(rng, enrol_body)
            yield json.dumps(enrol).encode(), {"content-type": "application/json", "x-enrol": "1"}, None


def params(rng: random.Random) -> Iterator[str]:
    for i in range(PARAMS):
        if i % 4 == 0:
            route = rng.choice(PATH_ROUTES)
            yield route.format(quote(rng.choice(ODD_VALUES), safe=""))
            continue
        path, names = rng.choice(GET_PATHS)
        query = "&".join(
            f"{quote(rng.choice(names), safe='')}={quote(rng.choice(ODD_VALUES), safe='')}"
            for _ in range(rng.randint(1, 3))
        )
        yield f"{path}?{query}"


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def test_fuzzed_bodies_and_parameters_never_get_a_5xx(tmp_path: Path) -> None:
    data_dir = tmp_path / "collector"
    data_dir.mkdir()
    (data_dir / "ip2asn.tsv").write_text(ASN_TABLE)
    port = _free_port()
    env = probe_env(
        {
            "PROBE_COLLECTOR__DATA_DIR": str(data_dir),
            "PROBE_COLLECTOR__CHECKPOINT_INTERVAL_S": "0.5",
            "PROBE_COLLECTOR__ANONYMOUS_PER_ADDRESS_PER_MIN": "1000000",
            "PROBE_COLLECTOR__ANONYMOUS_PER_NETWORK_PER_MIN": "1000000",
            "PROBE_COLLECTOR__ENROL_PER_ADDRESS_PER_HOUR": "1000000",
            "PROBE_COLLECTOR__ENROL_PER_NETWORK_PER_HOUR": "1000000",
            "PROBE_COLLECTOR__HEAVY_PER_CLIENT": "8",
            "PROBE_COLLECTOR__RATE_PER_KEY_PER_MIN": "1000000",
        }
    )
    log = tmp_path / "collector.log"
    argv = [sys.executable, "-m", "probe", "collector", "serve", "--host", HOST, "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=env)
    base = f"http://{HOST}:{port}"
    try:
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=base, transport=transport, timeout=60) as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if http.get("/api/v1/whoami").status_code == 200:
                        break
                except httpx.TransportError:
                    assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
                    time.sleep(0.1)
            prober = Prober(tmp_path)
            assert http.post("/api/v1/probes", json=prober.enrol_body()).status_code == 201
            base_payload = prober.measurement().model_dump(mode="json")
            known_m = prober.measurement()
            known = prober.envelope(known_m)
            assert http.post("/api/v1/measurements", json=known).status_code == 201
            rng = random.Random(SEED)
            requests: list[tuple[str, str, bytes, dict[str, str], str | None]] = []
            for body, headers, uid in bodies(rng, prober, base_payload, known):
                path = "/api/v1/probes" if headers.pop("x-enrol", None) else "/api/v1/measurements"
                requests.append(("POST", path, body, headers, uid))
            requests += [("GET", p, b"", {}, None) for p in params(rng)]
            rng.shuffle(requests)
            assert len(requests) >= 10_000

        def worker(chunk: list[Any]) -> list[tuple[str, int, str | None]]:
            out = []
            with httpx.Client(
                base_url=base, transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=60
            ) as c:
                for method, path, body, headers, uid in chunk:
                    r = c.request(method, path, content=body or None, headers=headers)
                    ok = uid is not None and (r.status_code == 201 or b'"status":201' in r.content)
                    out.append((f"{method} {path[:120]}", r.status_code, uid if ok else None))
            return out

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = [r for part in pool.map(worker, [requests[i::4] for i in range(4)]) for r in part]
        elapsed = time.monotonic() - started
        failures = [(what, code) for what, code, _ in results if code >= 500]
        assert not failures, failures[:10]
        assert process.poll() is None, "the collector died"
        peak = peak_rss(process.pid)
        assert peak < PEAK_RSS_BYTES, f"peak memory {peak / 2**20:.0f} MiB"
        sent_valid = {uid for _, _, uid in results if uid is not None}
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    conn = sqlite3.connect(data_dir / "collector.db")
    stored = {row[0] for row in conn.execute("SELECT uid FROM measurements")}
    conn.close()
    assert stored == sent_valid | {known_m.measurement_uid}, (len(stored), len(sent_valid))
    print(
        f"fuzz: {len(results)} requests in {elapsed:.1f} s, peak {peak / 2**20:.0f} MiB, {len(stored)} stored"
    )
