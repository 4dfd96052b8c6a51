"""The consent record and the check before a run, the consent text in both languages, the settings writer."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probe.cli.init import Answers, check_categories, has_setting, updates_for
from probe.config import ConfigError, Settings, default_config_path, load_settings
from probe.consent import (
    CONSENT_VERSION,
    TEXTS,
    ConsentMissing,
    configfile,
    consent_path,
    load_consent,
    parse_yes_no,
    record_consent,
    require_consent,
)
from probe.consent.record import version_key
from probe.i18n import t

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
KHMER = re.compile(r"[\u1780-\u17FF]")


def settings_in(tmp: Path) -> Settings:
    return Settings(store={"path": tmp / "data" / "probe.db"})


def test_no_record_refuses_with_one_line_pointing_to_init(tmp_path: Path) -> None:
    s = settings_in(tmp_path)
    assert load_consent(s) is None
    with pytest.raises(ConsentMissing) as caught:
        require_consent(s)
    missing = t("consent_missing")
    assert str(caught.value) == missing
    assert "\n" not in missing and "`probe init`" in missing


def test_a_record_of_the_current_text_lets_the_probe_run(tmp_path: Path) -> None:
    s = settings_in(tmp_path)
    consent = record_consent(s, "km", CONSENT_VERSION, NOW, choices={"daemon.every_hours": 3})
    require_consent(s)
    assert consent_path(s) == tmp_path / "data" / "consent.json"
    assert consent_path(s).stat().st_mode & 0o777 == 0o600
    data = json.loads(consent_path(s).read_text())
    assert data["version"] == CONSENT_VERSION
    assert data["agreed_at"] == "2026-11-24T09:30:00Z"
    assert data["lang"] == "km" and data["method"] == "quiz"
    assert load_consent(s) == consent


@pytest.mark.parametrize("older", ["2026-11-23.9", "2025-12-31.1", "2026-11-24.0", "not-a-version"])
def test_consent_to_an_older_text_counts_as_missing(tmp_path: Path, older: str) -> None:
    s = settings_in(tmp_path)
    record_consent(s, "en", older, NOW)
    with pytest.raises(ConsentMissing, match=r"older text .* run `probe init` again"):
        require_consent(s)


def test_consent_to_a_newer_text_still_counts(tmp_path: Path) -> None:
    """After a downgrade of the software, the volunteer has read at least as much as this version says."""
    s = settings_in(tmp_path)
    record_consent(s, "en", "2027-01-01.1", NOW)
    require_consent(s)


def test_a_damaged_record_refuses_and_says_so(tmp_path: Path) -> None:
    s = settings_in(tmp_path)
    consent_path(s).parent.mkdir(parents=True)
    consent_path(s).write_text("{not json")
    with pytest.raises(ConsentMissing, match="damaged: run `probe init` again"):
        require_consent(s)


def test_versions_sort_by_date_then_number() -> None:
    assert version_key(CONSENT_VERSION) == (2026, 12, 6, 1)
    assert version_key("2026-11-24.10") > version_key("2026-11-24.9")  # type: ignore[operator]
    assert version_key("2026-11-24") is None


def test_both_languages_say_the_same_things() -> None:
    en, km = TEXTS["en"], TEXTS["km"]
    assert len(en.parts) == len(km.parts) == 4
    assert [len(p.lines) for p in en.parts] == [len(p.lines) for p in km.parts]
    assert [(q.id, q.answer) for q in en.questions] == [(q.id, q.answer) for q in km.questions]
    assert len(en.questions) == 3
    for text in (en, km):
        for field in text.ui.__dataclass_fields__:
            assert getattr(text.ui, field).strip()
    everything_km = " ".join([km.title, *(line for p in km.parts for line in (p.title, *p.lines))])
    assert KHMER.search(everything_km)
    # The legal context, in both: the 2018 order, the 180 days, "false information".
    everything_en = " ".join(line for p in en.parts for line in p.lines)
    for needle in ("2018", "180 days", '"false information"', "IP address", "not a circumvention tool"):
        assert needle in everything_en
    for needle in ("២០១៨", "១៨០ ថ្ងៃ", "«ព័ត៌មានមិនពិត»", "អាសយដ្ឋាន IP", "បណ្ដាញសង្គម"):
        assert needle in everything_km
    for q in (*en.questions, *km.questions):
        assert q.explanation.strip() and q.prompt.rstrip().endswith("?")


@pytest.mark.parametrize(
    ("typed", "meaning"),
    [("y", True), ("YES", True), ("បាទ", True), ("ចាស", True), ("n", False), ("ទេ", False), (" no ", False)],
)
def test_yes_and_no_in_either_language(typed: str, meaning: bool) -> None:
    assert parse_yes_no(typed) is meaning


@pytest.mark.parametrize("typed", ["", "maybe", "yn", "1"])
def test_anything_else_is_neither(typed: str) -> None:
    assert parse_yes_no(typed) is None


def test_sensitive_categories_are_refused_among_the_categories() -> None:
    assert check_categories(" news, humr ,NEWS") == ["NEWS", "HUMR"]
    assert check_categories("") is None and check_categories("all") is None
    with pytest.raises(ValueError, match="LGBT is a sensitive category"):
        check_categories("NEWS,lgbt")


def test_answers_for_settings_the_probe_lacks_go_to_the_consent_record(tmp_path: Path) -> None:
    answers = Answers(collector="https://c.example", every_hours=4, socks5="127.0.0.1:9050")
    updates, later = updates_for(answers, {"store": {"path": str(tmp_path / "p.db")}})
    assert updates["upload.url"] == "https://c.example"
    assert updates["control.url"] == "https://c.example/api/v1/control"
    assert "store.path" not in updates  # the file already names the store
    for name, value in (("daemon.every_hours", 4), ("upload.socks5", "127.0.0.1:9050")):
        if has_setting(name):
            assert updates[name] == value and name not in later
        else:
            assert later[name] == value and name not in updates
    # Whatever is written, load_settings accepts it.
    path = tmp_path / "probe.toml"
    path.write_text(configfile.dumps(configfile.merge({}, updates)))
    load_settings(path)


def test_an_unknown_setting_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "probe.toml"
    path.write_text(configfile.dumps({"upload": {"not_a_setting": 1}}))
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(path)
    assert not has_setting("upload.not_a_setting") and has_setting("upload.url")


_scalars = st.text() | st.integers(-(2**63), 2**63 - 1) | st.booleans() | st.floats(allow_nan=False)
_values = _scalars | st.lists(st.text(), max_size=3)


@given(
    st.dictionaries(
        st.text(min_size=1), st.dictionaries(st.text(min_size=1), _values, max_size=4), max_size=4
    )
)
def test_the_settings_writer_round_trips(doc: dict[str, dict[str, object]]) -> None:
    assert tomllib.loads(configfile.dumps(doc)) == {k: v for k, v in doc.items()}


def test_rewriting_keeps_other_settings_permissions_and_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "probe.toml"
    path.write_text('# mine\n[network]\nconcurrency = 8\n[upload]\nurl = "https://old.example"\n')
    path.chmod(0o644)
    doc = configfile.merge(configfile.read(path), {"upload.url": None, "targets.include_sensitive": True})
    backup = configfile.write(path, configfile.dumps(doc), load_settings)
    assert backup is not None and backup.read_text().startswith("# mine")
    assert path.stat().st_mode & 0o777 == 0o644
    assert tomllib.loads(path.read_text()) == {
        "network": {"concurrency": 8},
        "targets": {"include_sensitive": True},
    }


def test_a_refused_rewrite_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "probe.toml"
    path.write_text("[network]\nconcurrency = 8\n")

    def refuse(candidate: Path) -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        configfile.write(path, "[network]\nconcurrency = 9\n", refuse)
    assert path.read_text() == "[network]\nconcurrency = 8\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["probe.toml"]


def test_a_new_settings_file_is_owner_only_in_the_xdg_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    path = default_config_path()
    assert path == tmp_path / "cfg" / "saksi" / "probe.toml"
    configfile.write(path, '[upload]\ntoken = "secret"\n', load_settings)
    assert path.stat().st_mode & 0o777 == 0o600
