"""Test lists and blockpage fingerprints: the CSV formats Saksi reads and writes, and the shipped data.

Exceptions (one tree, every problem with a data file):

    Exception
     └── ListFormatError   the message names the file, the line and what to fix

This package reads and writes files; it opens no sockets and classifies nothing (matching fingerprints
against observations is `probe.classify.fingerprints`).
"""

from probe.lists._csv import ListFormatError
from probe.lists.builtin import builtin_fingerprints, builtin_lists, targets_dir
from probe.lists.citizenlab import (
    CITIZENLAB_COLUMNS,
    CitizenLabList,
    read_citizenlab_csv,
    read_citizenlab_list,
    select,
    url_problem,
    write_citizenlab_csv,
)
from probe.lists.fingerprints import (
    FINGERPRINT_COLUMNS,
    SCOPE_ALIASES,
    read_fingerprints_csv,
    write_fingerprints_csv,
)

__all__ = [
    "CITIZENLAB_COLUMNS",
    "FINGERPRINT_COLUMNS",
    "SCOPE_ALIASES",
    "CitizenLabList",
    "ListFormatError",
    "builtin_fingerprints",
    "builtin_lists",
    "read_citizenlab_csv",
    "read_citizenlab_list",
    "read_fingerprints_csv",
    "select",
    "targets_dir",
    "url_problem",
    "write_citizenlab_csv",
    "write_fingerprints_csv",
]
