"""RFC 8785 (JSON Canonicalization Scheme) bytes of a model: what gets signed and kept verbatim.

`json.dumps(sort_keys=True)` is not JCS in general (number formatting and key order differ), so the
`rfc8785` package does it. For data with ASCII keys, integers within 2^53 and only "plain" floats,
compact `json.dumps` with sorted keys produces exactly the JCS bytes (integers print alike, ASCII keys
sort alike, strings are escaped alike), several times faster; a property test holds the two paths equal.

A plain float is finite, not a whole number, and printed by Python without an exponent (1e-7 <= |f| <
1e16): Python's `repr` and ECMAScript's Number::toString then both give the shortest digits that read
back as the same double, in the same positional form (the reference implementation prints `str(f)`
itself in exactly that case). Whole numbers (`1.0`, JCS `1`), zero and exponents take the reference path.
"""

from __future__ import annotations

import json
import math
from typing import Any

import rfc8785
from pydantic import BaseModel

_MAX_SAFE = 2**53 - 1


def plain_float(value: float) -> bool:
    """Whether JCS prints `value` exactly as Python's `repr` (and so as `json.dumps`) does."""
    if not math.isfinite(value):
        return False
    text = repr(value)
    return "e" not in text and not text.endswith(".0")


def _simple(value: Any) -> bool:
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -_MAX_SAFE <= value <= _MAX_SAFE
    if isinstance(value, list):
        return all(_simple(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _simple(v) for k, v in value.items())
    if isinstance(value, float):
        return plain_float(value)
    return (
        False  # other floats (ECMAScript number formatting) and anything else: the reference implementation
    )


def canonical(value: BaseModel | dict[str, Any]) -> bytes:
    data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    if _simple(data):
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return bytes(rfc8785.dumps(data))
