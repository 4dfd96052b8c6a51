"""IP address -> network (ASN) from an ip2asn table, so that addresses can be dropped and networks kept.

The table is the public ip2asn TSV format: `range_start range_end AS_number country_code AS_description`.
Lookups are a binary search over sorted ranges. Pure apart from reading the file.
"""

from __future__ import annotations

import bisect
import ipaddress
from dataclasses import dataclass
from pathlib import Path


class AsnTableError(Exception):
    """The ip2asn file cannot be read; the message names the line."""


@dataclass(frozen=True)
class Network:
    asn: int
    cc: str
    name: str


class AsnTable:
    def __init__(self, rows: list[tuple[int, int, int, Network]]) -> None:
        # (version, start, end, network), sorted by (version, start)
        rows.sort(key=lambda r: (r[0], r[1]))
        self._keys = [(r[0], r[1]) for r in rows]
        self._rows = rows
        self._by_asn: dict[int, Network] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    @classmethod
    def empty(cls) -> AsnTable:
        return cls([])

    @classmethod
    def load(cls, path: Path) -> AsnTable:
        rows: list[tuple[int, int, int, Network]] = []
        try:
            with path.open(encoding="utf-8") as fh:
                for number, line in enumerate(fh, 1):
                    if not line.strip() or line.startswith("#"):
                        continue
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) < 5:
                        raise AsnTableError(
                            f"{path}:{number}: expected 5 tab-separated columns, got {len(parts)}"
                        )
                    try:
                        start, end = ipaddress.ip_address(parts[0]), ipaddress.ip_address(parts[1])
                        asn = int(parts[2])
                    except ValueError as exc:
                        raise AsnTableError(f"{path}:{number}: {exc}") from None
                    if asn == 0:
                        continue  # "Not routed"
                    rows.append((start.version, int(start), int(end), Network(asn, parts[3], parts[4])))
        except OSError as exc:
            raise AsnTableError(f"cannot read the ip2asn table {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise AsnTableError(f"{path} is not UTF-8 text; expected the ip2asn TSV format") from None
        return cls(rows)

    def network(self, asn: int) -> Network | None:
        """The network's name and country as this table has them (its first range), or None."""
        if self._by_asn is None:
            self._by_asn = {}
            for _, _, _, found in self._rows:
                self._by_asn.setdefault(found.asn, found)
        return self._by_asn.get(asn)

    def asns(self) -> list[int]:
        return sorted({row[3].asn for row in self._rows})

    def country_of(self, asn: int) -> str | None:
        found = self.network(asn)
        return found.cc if found else None

    def lookup(self, address: str) -> Network | None:
        try:
            ip = ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return None
        key = (ip.version, int(ip))
        index = bisect.bisect_right(self._keys, key) - 1
        if index < 0:
            return None
        version, start, end, network = self._rows[index]
        return network if version == ip.version and start <= int(ip) <= end else None
