"""RFC 8785 (JSON Canonicalization Scheme) bytes of a model: what gets signed and kept verbatim.

`json.dumps(sort_keys=True)` is not JCS (number formatting and key order differ), so the `rfc8785`
package does it. A verifier never re-serialises: it checks the bytes it was given, then parses them.
"""

from __future__ import annotations

from typing import Any

import rfc8785
from pydantic import BaseModel


def canonical(value: BaseModel | dict[str, Any]) -> bytes:
    data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    return bytes(rfc8785.dumps(data))
