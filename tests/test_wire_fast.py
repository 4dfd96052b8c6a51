"""The payload check's fast first try accepts exactly what the strict reading accepts, and refuses with the
same reason and words: its value and verdict are compared with the strict path's on canonical payloads
(with floats), on the same payloads spaced out, with a key twice, or with a float written the long way."""

from __future__ import annotations

from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.collector import wire

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8)
leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=15,
)


def outcome(check: Any, body: bytes) -> tuple[str, Any]:
    try:
        return "ok", check(body)
    except wire.WireError as exc:
        return exc.reason, exc.detail


def variants(body: bytes) -> list[bytes]:
    inner = body[1:-1]
    return [
        body,
        b"{ " + body[1:],  # a space: not canonical
        b'{"k":1,"k":1' + (b"," + inner if inner else b"") + b"}",  # a key twice
        b'{"k":2,"k":1' + (b"," + inner if inner else b"") + b"}",  # a key twice, different values
        body.replace(b"1", b"1.0", 1),  # a number written the long way (or a text changed)
        body + b" ",
    ]


@settings(max_examples=400)
@given(st.dictionaries(text, values, max_size=5))
def test_the_fast_path_agrees_with_the_strict_one(data: dict[str, Any]) -> None:
    try:
        body = bytes(rfc8785.dumps(data))
    except rfc8785.CanonicalizationError:
        return  # integers past 2^64 and the like: nothing canonical to send
    for candidate in variants(body):
        assert outcome(wire.checked_payload, candidate) == outcome(wire._checked_strictly, candidate)


def test_a_key_twice_is_still_named_as_such() -> None:
    body = b'{"a":1,"a":1}'
    assert outcome(wire.checked_payload, body) == (
        "duplicate_key",
        "the key 'a' appears twice in one JSON object",
    )
