"""The list and fingerprint parsers (probe.lists) and the shipped targets/ data."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe.lists import (
    ListFormatError,
    builtin_fingerprints,
    builtin_lists,
    read_citizenlab_csv,
    read_citizenlab_list,
    read_fingerprints_csv,
    select,
    targets_dir,
    write_citizenlab_csv,
    write_fingerprints_csv,
)
from probe.models.target import SENSITIVE_CATEGORIES, TargetEntry
from tests.shared_data import shared

CL_HEADER = "url,category_code,category_description,date_added,source,notes\n"
FP_HEADER = (
    "name,scope,other_names,location_found,pattern_type,pattern,confidence_no_fp,expected_countries,"
    "source,exp_url,notes\n"
)

# METHODS.md, "Targets that matter most".
METHODS_SITES = [
    "www.rfa.org",
    "www.cambodiadaily.com",
    "english.cambodiadaily.com",
    "khmer.cambodiadaily.com",
    "kamnotra.io",
    "vodenglish.news",
    "vodkhmer.news",
    "vodhotnews.com",
    "cambojanews.com",
    "www.camnews.org",
    "www.dtn7.com",
    "monoroom.info",
    "www.voacambodia.com",
    "khmer.voanews.com",
    "www.phnompenhpost.com",
    "cchrcambodia.org",
    "www.licadho-cambodia.org",
    "www.adhoccambodia.org",
]
KH_FINGERPRINTS = ["ooni.kh_dns_1", "ooni.kh_dns_2", "ooni.kh_http_1"]


def write(tmp_path: Path, text: str | bytes, name: str = "list.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


# --- conformance with the real upstream files -------------------------------------------------------


@pytest.mark.parametrize("name", ["kh", "global"])
def test_every_citizenlab_row_parses(name: str) -> None:
    path = shared(f"citizenlab/{name}.csv")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    entries = read_citizenlab_csv(path, name)
    assert len(entries) == len(rows)
    assert [e.url for e in entries] == [r["url"] for r in rows]
    assert all(e.list == name for e in entries)


def test_global_list_holds_rfa() -> None:
    entries = read_citizenlab_csv(shared("citizenlab/global.csv"), "global")
    assert "https://www.rfa.org/" in {e.url for e in entries}


@pytest.mark.parametrize("name", ["dns", "http"])
def test_every_ooni_fingerprint_row_parses(name: str) -> None:
    path = shared(f"ooni-fingerprints/fingerprints_{name}.csv")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fingerprints = read_fingerprints_csv(path)
    assert [f.name for f in fingerprints] == [r["name"] for r in rows]
    # Patterns are kept byte for byte, quoted newlines and leading spaces included.
    assert [f.pattern for f in fingerprints] == [r["pattern"] for r in rows]


def test_upstream_scopes_without_a_model_value_read_as_fp() -> None:
    fingerprints = read_fingerprints_csv(shared("ooni-fingerprints/fingerprints_http.csv"))
    by_name = {f.name: f for f in fingerprints}
    assert by_name["cl.injb_routerupdate"].scope == "fp"
    assert by_name["cl.injb_routerupdate"].notes.startswith("[OONI scope injb, read as fp]")
    assert by_name["cl.prov_vkontakte_rkn_geoblock"].scope == "fp"
    assert sum(f.scope == "fp" for f in fingerprints) == 475 + 2


# --- Citizen Lab format ---------------------------------------------------------------------------


def test_bom_extra_columns_and_duplicates(tmp_path: Path) -> None:
    text = (
        "\ufeffurl,category_code,category_description,date_added,source,notes,extra\n"
        "https://a.example/,news,News Media,2024-01-01,me,first,x\n"
        "https://b.example/,HUMR,Human Rights Issues,2024-01-01,me,,y\n"
        "https://a.example/,POLR,Political Criticism,2024-01-01,me,repeat,z\n"
    )
    result = read_citizenlab_list(write(tmp_path, text), "t")
    assert [e.url for e in result.entries] == ["https://a.example/", "https://b.example/"]
    assert result.entries[0].category_code == "NEWS"  # upper-cased: the sensitive filter cannot be dodged
    assert result.entries[0].notes == "first"
    assert result.duplicates == [(4, "https://a.example/")]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, "empty"),
        ("url,category,category_description,date_added,source,notes\n", 1, "header"),
        (CL_HEADER + "ftp://a.example/,NEWS,,,,\n", 2, "http:// or https://"),
        (CL_HEADER + "https:///path,NEWS,,,,\n", 2, "no host"),
        (CL_HEADER + "https://a.example/,,,,,\n", 2, "category_code"),
        (CL_HEADER + "https://a.example/,NEWS,,,\n", 2, "5 fields"),
        (CL_HEADER + "https://a.example/,NEWS,,,,\nhttps://b ex/,NEWS,,,,\n", 3, "space"),
        (CL_HEADER + "https://a.example:99999/,NEWS,,,,\n", 2, "not a valid URL"),
        (CL_HEADER + 'https://a.example/,NEWS,"x"y,,,\n', 2, "malformed"),
    ],
)
def test_bad_citizenlab_input_names_file_line_and_fix(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ListFormatError) as info:
        read_citizenlab_csv(path, "t")
    message = str(info.value)
    assert str(path) in message
    assert f"line {line}" in message
    assert words in message


def test_not_utf8_is_a_list_format_error(tmp_path: Path) -> None:
    path = write(tmp_path, CL_HEADER.encode() + b"https://a.example/\xff,NEWS,,,,\n")
    with pytest.raises(ListFormatError, match=r"line 2: the file is not UTF-8"):
        read_citizenlab_csv(path, "t")


def test_missing_file_is_a_list_format_error(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match="cannot read test list"):
        read_citizenlab_csv(tmp_path / "nope.csv", "t")


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    entries = read_citizenlab_csv(targets_dir() / "lists" / "kh.csv", "kh")
    out = tmp_path / "sub" / "copy.csv"
    write_citizenlab_csv(out, entries)
    assert read_citizenlab_csv(out, "kh") == entries
    fingerprints = builtin_fingerprints()
    fp_out = tmp_path / "fp.csv"
    write_fingerprints_csv(fp_out, fingerprints)
    assert read_fingerprints_csv(fp_out) == fingerprints


# --- fingerprint format ---------------------------------------------------------------------------


def test_fingerprint_fields(tmp_path: Path) -> None:
    text = FP_HEADER + (
        'x.one,isp,x.alias,header.Location,prefix,http://block.example/,8,"kh, th",me,,note\n'
        'x.two,prod,,body,contains,"two\nlines",,,,,\n'
    )
    one, two = read_fingerprints_csv(write(tmp_path, text))
    assert one.location_found == "header.location"
    assert one.confidence_no_fp == 8
    assert one.expected_countries == ["KH", "TH"]
    assert two.pattern == "two\nlines"
    assert two.confidence_no_fp is None


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("x,bad,,body,contains,p,5,,,,", "scope"),
        ("x,isp,,cookie,contains,p,5,,,,", "location_found"),
        ("x,isp,,header.,contains,p,5,,,,", "does not name a header"),
        ("x,isp,,body,glob,p,5,,,,", "pattern_type"),
        ("x,isp,,body,contains,,5,,,,", "pattern is empty"),
        ("x,isp,,body,regexp,(unclosed,5,,,,", "does not compile"),
        ("x,isp,,body,contains,p,high,,,,", "confidence_no_fp"),
        ("x,isp,,body,contains,p,5,Cambodia,,,", "two-letter"),
        (",isp,,body,contains,p,5,,,,", "name is empty"),
    ],
)
def test_bad_fingerprint_rows(tmp_path: Path, row: str, words: str) -> None:
    path = write(tmp_path, FP_HEADER + row + "\n")
    with pytest.raises(ListFormatError) as info:
        read_fingerprints_csv(path)
    assert f"{path}, line 2:" in str(info.value)
    assert words in str(info.value)


def test_duplicate_fingerprint_name(tmp_path: Path) -> None:
    row = "x,isp,,body,contains,p,5,,,,\n"
    with pytest.raises(ListFormatError, match="line 3: the name 'x' is used twice"):
        read_fingerprints_csv(write(tmp_path, FP_HEADER + row + row))


# --- select ---------------------------------------------------------------------------------------


def _entries(*codes: str) -> list[TargetEntry]:
    return [TargetEntry(url=f"https://{c.lower()}.example/", category_code=c) for c in codes]


def test_select_leaves_sensitive_out_by_default() -> None:
    entries = _entries("NEWS", "PORN", "LGBT", "HUMR", "REL")
    assert [e.category_code for e in select(entries, categories=None, include_sensitive=False)] == [
        "NEWS",
        "HUMR",
    ]
    assert len(select(entries, categories=None, include_sensitive=True)) == 5


def test_select_named_sensitive_category_is_included() -> None:
    entries = _entries("NEWS", "LGBT", "PORN")
    chosen = select(entries, categories={"lgbt", "NEWS"}, include_sensitive=False)
    assert [e.category_code for e in chosen] == ["NEWS", "LGBT"]


# --- the shipped data ----------------------------------------------------------------------------


def test_shipped_kh_list_holds_every_methods_site_and_nothing_sensitive() -> None:
    lists = builtin_lists()
    kh = lists["kh"]
    hosts = {re.sub(r"^https?://([^/:]+).*$", r"\1", e.url) for e in kh}
    missing = [s for s in METHODS_SITES if s not in hosts]
    assert not missing, f"targets/lists/kh.csv lacks {missing}"
    assert "https://www.rfa.org/khmer/" in {e.url for e in kh}
    assert not [e.url for e in kh if e.category_code in SENSITIVE_CATEGORIES]
    assert all(e.source == "saksi" and e.date_added == "2026-11-24" and e.notes for e in kh)
    assert select(kh, categories=None, include_sensitive=False) == kh


def _raw_records(path: Path) -> dict[str, bytes]:
    """Each record's exact bytes (quoted newlines and line end included), keyed by its first field."""
    raw = path.read_bytes()
    lines = raw.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(raw.decode("utf-8"), newline=""))
    records: dict[str, bytes] = {}
    previous = 0
    for fields in reader:
        records[fields[0]] = b"".join(lines[previous : reader.line_num])
        previous = reader.line_num
    return records


def test_shipped_fingerprints_hold_the_cambodian_rows_byte_for_byte() -> None:
    folder = targets_dir() / "fingerprints"
    ours = _raw_records(folder / "dns.csv") | _raw_records(folder / "http.csv")
    reference = _raw_records(shared("ooni-fingerprints/fingerprints_dns.csv")) | _raw_records(
        shared("ooni-fingerprints/fingerprints_http.csv")
    )
    for name in KH_FINGERPRINTS:
        assert ours[name] == reference[name], name
    by_name = {f.name: f for f in builtin_fingerprints()}
    assert by_name["ooni.kh_http_1"].pattern == (
        "<title>ERROR: Forbidden</title></head> \r\n<body><h2>ERROR: Forbidden</h2>"
    )
    assert by_name["cp.fp_x_fpru_site_unavailable"].scope == "fp"
    assert by_name["cl.vbw_websiteblocked"].scope == "vbw"


def test_shipped_fingerprint_files_are_small_and_credited() -> None:
    folder = targets_dir() / "fingerprints"
    for name in ("dns.csv", "http.csv"):
        fingerprints = read_fingerprints_csv(folder / name)
        assert len(fingerprints) <= 40
        assert {"fp", "prod"} <= {f.scope for f in fingerprints} or name == "dns.csv"
    http = read_fingerprints_csv(folder / "http.csv")
    assert sum(f.scope == "fp" for f in http) >= 4
    assert sum(f.scope == "prod" for f in http) >= 3


# --- property tests: the parsers may raise ListFormatError and nothing else ---------------------------

_VALID_CL = (targets_dir() / "lists" / "kh.csv").read_bytes()
_VALID_FP = (targets_dir() / "fingerprints" / "http.csv").read_bytes()

_row_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=80)
_rows = st.lists(st.lists(_row_text, min_size=0, max_size=13), min_size=1, max_size=4)


def _splice(valid: bytes, data: st.DataObject) -> bytes:
    at = data.draw(st.integers(0, len(valid)))
    cut = data.draw(st.integers(0, 40))
    if data.draw(st.booleans()):
        insert = data.draw(st.binary(max_size=60))
    else:
        out = io.StringIO()
        csv.writer(out).writerows(data.draw(_rows))
        insert = out.getvalue().encode("utf-8")
    return valid[:at] + insert + valid[at + cut :]


def _only_list_format_errors(path: Path, read: object) -> None:
    message = ""
    try:
        if read is read_fingerprints_csv:
            read_fingerprints_csv(path)
        else:
            read_citizenlab_csv(path, "fuzz")
    except ListFormatError as exc:  # anything else escapes and fails the test
        message = str(exc)
    assert not message or message.startswith(f"{path}") or "cannot read" in message


_FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FUZZ
@given(data=st.data())
def test_citizenlab_parser_raises_only_list_format_error(tmp_path: Path, data: st.DataObject) -> None:
    _only_list_format_errors(write(tmp_path, _splice(_VALID_CL, data)), read_citizenlab_csv)


@_FUZZ
@given(data=st.data())
def test_fingerprint_parser_raises_only_list_format_error(tmp_path: Path, data: st.DataObject) -> None:
    _only_list_format_errors(write(tmp_path, _splice(_VALID_FP, data)), read_fingerprints_csv)


@_FUZZ
@given(blob=st.binary(max_size=300))
def test_random_bytes_raise_only_list_format_error(tmp_path: Path, blob: bytes) -> None:
    _only_list_format_errors(write(tmp_path, blob), read_citizenlab_csv)
    _only_list_format_errors(write(tmp_path, blob), read_fingerprints_csv)
