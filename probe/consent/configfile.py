"""The probe's settings file as `probe init` writes it: where it lives by default, and a small TOML writer.

The writer knows the values a settings file holds: strings, integers, floats, booleans, lists of those, and
tables. `probe init` merges its answers into an existing file (keeping every other setting, after a
backup) and replaces the file atomically only once `load_settings` has accepted the new text.

This module touches only the settings file it is given and its backup.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import stat
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class ConfigFileError(Exception):
    """The settings file cannot be read or rewritten; the message says what to do."""


def _string(value: str) -> str:
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v, where) for v in value) + "]"
    raise ConfigFileError(f"{where} holds a {type(value).__name__}, which `probe init` cannot rewrite")


def dumps(doc: Mapping[str, Any]) -> str:
    """TOML text for `doc` (tables as nested mappings)."""
    lines: list[str] = []

    def table(prefix: tuple[str, ...], body: Mapping[str, Any]) -> None:
        scalars = [(k, v) for k, v in body.items() if not isinstance(v, Mapping)]
        tables = [(k, v) for k, v in body.items() if isinstance(v, Mapping)]
        if prefix and (scalars or not tables):
            if lines:
                lines.append("")
            lines.append("[" + ".".join(_key(p) for p in prefix) + "]")
        for k, v in scalars:
            lines.append(f"{_key(k)} = {_value(v, '.'.join((*prefix, k)))}")
        for k, v in tables:
            table((*prefix, k), v)

    table((), doc)
    return "\n".join(lines) + "\n"


def read(path: Path) -> dict[str, Any]:
    """The settings file as a dict; an empty dict when it does not exist."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"{path} is not valid TOML ({exc}); fix it or name another file") from None
    except OSError as exc:
        raise ConfigFileError(f"cannot read {path}: {exc.strerror}") from None


def merge(doc: dict[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    """`doc` with dotted keys set (a value of None removes the key; an emptied table is dropped)."""
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in doc.items()}
    for dotted, value in updates.items():
        *tables, name = dotted.split(".")
        node = merged
        for part in tables:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        if value is None:
            node.pop(name, None)
        else:
            node[name] = value
    return {k: v for k, v in merged.items() if not (isinstance(v, dict) and not v)}


def write(path: Path, text: str, check: Callable[[Path], object]) -> Path | None:
    """Replace `path` with `text` atomically once `check(temporary file)` accepts it.

    An existing file is first copied to `<name>.bak`, which is returned, and its permissions are kept (a
    service may need to read it); a new file is readable by its owner only (it may hold an invite token).
    `check` raises to refuse the text; the temporary file is removed and `path` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o600
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, mode)
            os.write(fd, text.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        check(tmp)
        backup = None
        if path.exists():
            backup = path.with_name(path.name + ".bak")
            backup.write_bytes(path.read_bytes())
            os.chmod(backup, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigFileError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return backup
