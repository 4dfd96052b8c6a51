"""Strict reading of what probes send: JSON without duplicate keys, each envelope's exact bytes, and
payloads that are RFC 8785 canonical and within bounds.

A JSON object with a key twice is ambiguous (most parsers keep the last value, some the first: a verdict
could say blocked to one reader and accessible to another), so it is refused, never resolved. The bytes
stored for an envelope are the bytes received, cut out of the request body, not a re-serialisation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from probe.sign.jcs import canonical

MAX_DEPTH = 32  # nesting of objects and lists in a payload
MAX_STRING = 80_000  # characters: the largest field is a 64 KiB body excerpt
MAX_LIST = 1_000  # items in one list (DNS answers, TCP endpoints, redirects ...)
MAX_KEYS = 1_000  # keys in one object (response headers ...)


class WireError(ValueError):
    """What is wrong with the bytes; `reason` is the machine-readable word a probe records."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise WireError("duplicate_key", f"the key {key!r} appears twice in one JSON object")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise WireError("bad_json", f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_constant)


def loads(text: str | bytes) -> Any:
    """JSON with duplicate keys, NaN and Infinity refused (WireError)."""
    try:
        s = text.decode("utf-8") if isinstance(text, bytes) else text
        value, end = _DECODER.raw_decode(s, _skip(s, 0))
    except WireError:
        raise
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise WireError("bad_json", "the body is not JSON") from None
    if _skip(s, end) != len(s):
        raise WireError("bad_json", "there is something after the JSON value")
    return value


def _skip(s: str, i: int) -> int:
    while i < len(s) and s[i] in " \t\r\n":
        i += 1
    return i


@dataclass(frozen=True)
class Received:
    """One envelope as received: its parsed JSON and its exact bytes."""

    value: Any
    raw: bytes


def split_envelopes(body: bytes) -> tuple[list[Received], bool]:
    """The envelopes of a request body (one envelope, or {"envelopes": [...]}) with each one's exact bytes,
    and whether it was a batch. Raises WireError."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WireError("bad_json", "the body is not UTF-8") from None
    whole = loads(text)
    if not (isinstance(whole, dict) and "envelopes" in whole):
        return [Received(whole, body.strip(b" \t\r\n"))], False
    if set(whole) != {"envelopes"}:
        raise WireError("bad_envelope", 'a batch is {"envelopes": [...]} and nothing else')
    if not isinstance(whole["envelopes"], list):
        raise WireError("bad_envelope", '"envelopes" must be a non-empty list')
    # Find the list's items in the text: after the one key and the '[', one JSON value after another.
    i = _skip(text, 0) + 1
    i = _skip(text, i)
    _, i = _DECODER.raw_decode(text, i)  # the key "envelopes" (possibly with escapes)
    i = _skip(text, i) + 1  # ':'
    i = _skip(text, i) + 1  # '['
    out: list[Received] = []
    for value in whole["envelopes"]:
        start = _skip(text, i)
        _, end = _DECODER.raw_decode(text, start)
        out.append(Received(value, text[start:end].encode("utf-8")))
        i = _skip(text, end) + 1  # ',' or ']'
    return out, True


def check_payload(body: bytes) -> Any:
    """The payload's JSON once it is checked to be UTF-8, free of duplicate keys, within bounds and in
    RFC 8785 canonical form (the one byte sequence for its value). Raises WireError."""
    value = loads(body)
    simple = _bounded(value, 0)
    try:
        if not isinstance(value, dict):
            again = b""
        elif simple:  # no floats, no integers past 2^53, ASCII keys: compact sorted JSON is RFC 8785
            again = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        else:
            again = canonical(_as_doubles(value))
    except (TypeError, ValueError, OverflowError):
        raise WireError("not_canonical", "the payload cannot be put in RFC 8785 form") from None
    if again != body:
        raise WireError(
            "not_canonical",
            "the payload is not RFC 8785 canonical JSON (sorted keys, no spaces, shortest numbers and escapes)",
        )
    return value


_MAX_SAFE = 2**53 - 1


def _as_doubles(value: Any) -> Any:
    """JSON numbers are doubles (RFC 8785): an integer written past 2^53 is read as the double it names;
    when its text is not that double's canonical form, the bytes differ and the payload is refused."""
    if isinstance(value, dict):
        return {k: _as_doubles(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_doubles(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -_MAX_SAFE <= value <= _MAX_SAFE:
        return float(value)
    return value


def _bounded(value: Any, depth: int) -> bool:
    """Raise WireError past the bounds; return whether the value is "simple" for RFC 8785 (as
    probe.sign.jcs defines it), which spares a second walk."""
    if depth > MAX_DEPTH:
        raise WireError("too_deep", f"the payload nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise WireError("too_long", f"a string in the payload is longer than {MAX_STRING} characters")
        return True
    if isinstance(value, list):
        if len(value) > MAX_LIST:
            raise WireError("too_long", f"a list in the payload has more than {MAX_LIST} items")
        simple = True
        for item in value:
            simple = _bounded(item, depth + 1) and simple
        return simple
    if isinstance(value, dict):
        if len(value) > MAX_KEYS:
            raise WireError("too_long", f"an object in the payload has more than {MAX_KEYS} keys")
        simple = True
        for key, item in value.items():
            if len(key) > MAX_STRING:
                raise WireError("too_long", f"a key in the payload is longer than {MAX_STRING} characters")
            simple = _bounded(item, depth + 1) and key.isascii() and simple
        return simple
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -_MAX_SAFE <= value <= _MAX_SAFE
    return False  # floats: the reference implementation
