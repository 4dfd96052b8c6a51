"""The strict parsers of what probes send (probe.collector.wire) and of control URLs, by property."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probe.collector.wire import WireError, check_payload, loads, split_envelopes
from probe.control.measure import BadTarget, control_target
from probe.sign.jcs import canonical

keys = st.text(min_size=1, max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)
objects = st.dictionaries(keys, values, min_size=1, max_size=6)


@given(objects)
def test_canonical_bytes_pass_and_nothing_else_does(value: dict[str, Any]) -> None:
    body = canonical(value)
    assert check_payload(body) == json.loads(body)  # (numbers as JSON reads them)
    for other in (json.dumps(value).encode(), json.dumps(value, indent=1).encode(), body + b" "):
        if other != body:
            with pytest.raises(WireError) as caught:
                check_payload(other)
            assert caught.value.reason in ("not_canonical", "bad_json")


@given(objects, st.text(min_size=1, max_size=8))
def test_a_key_twice_is_refused_at_any_depth(value: dict[str, Any], key: str) -> None:
    inner = json.dumps(value)[1:-1]
    twice = "{" + json.dumps(key) + ":1," + (inner + "," if inner else "") + json.dumps(key) + ":2}"
    nested = '{"a":[' + twice + "]}"
    for text in (twice, nested):
        with pytest.raises(WireError) as caught:
            loads(text)
        assert caught.value.reason == "duplicate_key"


@given(st.lists(objects, min_size=1, max_size=5), st.sampled_from(["", " ", "\n", "\t ", "  \r\n"]))
def test_each_envelope_keeps_its_exact_bytes(items: list[dict[str, Any]], ws: str) -> None:
    texts = [json.dumps(item, indent=1 if i % 2 else None) for i, item in enumerate(items)]
    body = "{" + ws + '"envelopes"' + ws + ":" + ws + "[" + ws + ("," + ws).join(texts) + ws + "]" + ws + "}"
    found, batch = split_envelopes(body.encode())
    assert batch
    assert [f.raw.decode() for f in found] == texts
    assert [f.value for f in found] == items


@given(st.binary(max_size=200))
def test_any_bytes_give_a_value_or_a_wire_error(body: bytes) -> None:
    reason = None
    try:
        split_envelopes(body)
    except WireError as exc:
        reason = exc.reason
    assert reason in (None, "bad_json", "duplicate_key", "bad_envelope")


@given(st.text(max_size=80))
def test_control_urls_are_measured_or_refused_with_a_reason(url: str) -> None:
    try:
        scheme, host, port = control_target(url)
    except BadTarget as exc:
        why = str(exc)
        assert why.startswith("url")
        return
    assert scheme in ("http", "https") and host and 0 < port < 65536


@given(st.sampled_from(["http", "https"]), st.text(alphabet="0123456789.x[]:%-", max_size=24))
def test_hosts_that_look_numeric_are_standard_ip_literals_or_refused(scheme: str, host: str) -> None:
    try:
        _, found, _ = control_target(f"{scheme}://{host}/")
    except BadTarget:
        return
    if found.replace(".", "").isdigit():
        ipaddress.ip_address(found)  # a dotted number that passed is a real IPv4 address


def test_ranges_are_the_ingest_contract_and_stored_records_stay_readable(tmp_path: Path) -> None:
    """A record an older, lenient collector stored (lower-case country, a time with an offset) is still
    read by the dashboard, bundles and reindexing; at ingest the same bytes are refused."""
    from pydantic import ValidationError

    from probe.models.measurement import Measurement
    from tests.collector_rig import Prober

    m = Prober(tmp_path).measurement()
    old = json.loads(canonical(m))
    old["probe"]["cc"] = "kh"
    old["started_at"] = "2026-11-01T17:00:00+07:00"
    body = canonical(old)
    assert Measurement.model_validate_json(body).probe.cc == "kh"
    with pytest.raises(ValidationError, match=r"probe\.cc"):
        Measurement.model_validate_json(body, strict=True, context={"ingest": True})
