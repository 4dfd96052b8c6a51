from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.asn import AsnTable, AsnTableError

TABLE = (
    "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n"
    "36.37.224.0\t36.37.255.255\t38623\tKH\tVIETTEL-KH Metfone\n"
    "2001:4860::\t2001:4860:ffff:ffff:ffff:ffff:ffff:ffff\t15169\tUS\tGOOGLE\n"
    "5.0.0.0\t5.0.0.255\t0\tNone\tNot routed\n"
)


@pytest.fixture
def table(tmp_path: Path) -> AsnTable:
    path = tmp_path / "ip2asn.tsv"
    path.write_text(TABLE)
    return AsnTable.load(path)


def test_lookup_inside_edges_and_outside(table: AsnTable) -> None:
    found = table.lookup("36.37.242.94")
    assert found is not None and found.asn == 38623 and found.cc == "KH"
    assert table.lookup("36.37.224.0") is not None
    assert table.lookup("36.38.0.0") is None
    assert table.lookup("5.0.0.1") is None  # not routed
    v6 = table.lookup("2001:4860::8888")
    assert v6 is not None and v6.asn == 15169
    assert table.lookup("not an address") is None


def test_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("1.0.0.0\t1.0.0.255\tAS13335\tUS\tX\n")
    with pytest.raises(AsnTableError, match=r"bad.tsv:1"):
        AsnTable.load(path)


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_parser_raises_only_its_own_error(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("asn") / "fuzz.tsv"
    path.write_bytes(TABLE.encode() + data)
    with contextlib.suppress(AsnTableError):
        AsnTable.load(path)
