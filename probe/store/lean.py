"""sqlite-utils, imported without pandas and numpy.

sqlite-utils imports pandas and numpy when it is imported, if they are installed, only to map their value
types on insert. The probe never inserts such values, and on a machine that also has the analysis extra
(or the test tools) the two imports cost about a second and 80 MB in every `probe` command. So they are
hidden while sqlite-utils loads, and left importable for everyone else afterwards.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING

HIDDEN = ("pandas", "numpy")


def _load() -> tuple[ModuleType, ModuleType]:
    hidden = [name for name in HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        return importlib.import_module("sqlite_utils"), importlib.import_module("sqlite_utils.migrations")
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


if TYPE_CHECKING:
    from sqlite_utils import Database as Database
    from sqlite_utils.migrations import Migrations as Migrations
else:
    _sqlite_utils, _migrations = _load()
    Database = _sqlite_utils.Database
    Migrations = _migrations.Migrations
