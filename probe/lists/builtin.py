"""The test lists and fingerprints shipped with Saksi (the top-level `targets/` folder).

Finds the data whether Saksi runs from a source checkout or from an installed wheel (where pyproject
force-includes `targets/` as `probe/_targets`), and reads it with the parsers of this package.
Reads files only.
"""

from __future__ import annotations

from pathlib import Path

import probe
from probe.lists.citizenlab import read_citizenlab_csv
from probe.lists.fingerprints import read_fingerprints_csv
from probe.models.target import Fingerprint, TargetEntry


def targets_dir() -> Path:
    """The folder holding `lists/` and `fingerprints/`: the wheel's copy when installed, else the repo's."""
    package = Path(probe.__file__).parent
    installed = package / "_targets"
    if installed.is_dir():
        return installed
    return package.parent / "targets"


def builtin_lists() -> dict[str, list[TargetEntry]]:
    """Every shipped list, `targets/lists/<name>.csv`, keyed by name (the file stem), in name order."""
    return {
        path.stem: read_citizenlab_csv(path, path.stem)
        for path in sorted((targets_dir() / "lists").glob("*.csv"))
    }


def builtin_fingerprints() -> list[Fingerprint]:
    """The shipped fingerprints: `targets/fingerprints/dns.csv` then `http.csv`."""
    folder = targets_dir() / "fingerprints"
    return read_fingerprints_csv(folder / "dns.csv") + read_fingerprints_csv(folder / "http.csv")
