"""Khmer throughout (issue 12, problem 9): every command group a volunteer uses speaks Khmer with `--lang km`.

Before, `probe results`, `targets`, `upload`, `enrol`, `keys show`, `verify`, `demo` and the daemon's log were
English whatever the language. Each test runs a command group in Khmer and finds no English sentence in what
it prints: URLs, paths, numbers, codes (dns.nxdomain, AS38623), key ids, flags and `commands` are allowed.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from probe.classify.rules import RULE_IDS
from probe.i18n import set_lang
from probe.i18n.catalogue import MESSAGES
from tests.consent import consented

# Three or more English words in a row, once the allowed tokens are gone, is an English sentence.
SENTENCE = re.compile(r"[A-Za-z]{2,}[,;:]?(?:\s+[A-Za-z]{2,}[,;:]?){2,}")
ALLOWED = [
    r"`[^`]*`",  # commands
    r"\w+://\S+",  # URLs
    r"(?:/[\w.+-]+)+/?",  # paths
    r"--[\w-]+",  # flags
    r"\b[\w-]+(?:\.[\w-]+)+\b",  # codes (dns.nxdomain, upload.url), file names
    r"\bAS\d+\b",
    r"\b[0-9a-f]{12,}\b",  # key ids, measurement ids
    r"\bPROBE_\w+",
    r"\b[A-Z]{2,}\b",  # category codes (NEWS), DNS, TLS
    r"\bSaksi\b|\bDNS\b|\bTLS\b|\bURL\b|\bCSV\b|\bUTC\b|\bSQLite\b|\bdaemon\b|\bvkey\b",
]


def english_sentences(text: str) -> list[str]:
    for pattern in ALLOWED:
        text = re.sub(pattern, " ", text)
    return SENTENCE.findall(text)


def _probe(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROBE_", "LC_", "LANG"))}
    if "PROBE_LOOPBACK_GUARD" in os.environ:
        env["PROBE_LOOPBACK_GUARD"] = os.environ["PROBE_LOOPBACK_GUARD"]
    return subprocess.run(
        [sys.executable, "-m", "probe", "--lang", "km", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "COLUMNS": "200"},
        cwd=cwd,
    )


def khmer(result: subprocess.CompletedProcess[str]) -> str:
    """Both streams of a Khmer run, checked: no traceback, no English sentence, some Khmer."""
    text = result.stdout + result.stderr
    assert "Traceback" not in text
    assert english_sentences(text) == [], text
    assert re.search("[\u1780-\u17ff]", text), text
    return text


def test_the_detector_finds_english_and_allows_codes() -> None:
    assert english_sentences("no measurements yet: the store /tmp/x.db does not exist")
    assert not english_sentences(
        "កំហុស៖ `probe results show ID` dns.nxdomain AS38623 https://a.example/x --json"
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "probe.toml"
    path.write_text(
        "[network]\nsystem_resolvers = []\nudp_resolvers = []\ndoh_urls = []\ngetaddrinfo = false\n"
        f'bogon_ranges = ["10.0.0.0/8"]\n[store]\npath = "{tmp_path / "probe.db"}"\n'
    )
    return consented(path)


def test_results_in_khmer(config: Path) -> None:
    missing = khmer(_probe("results", "--config", str(config)))
    assert "មិនទាន់មានលទ្ធផលទេ" in missing
    ran = _probe("run", "--config", str(config), "--url", "http://127.0.0.1:9/")
    khmer(ran)
    assert "ប្រៀបធៀប" in ran.stdout  # the explanation chosen by the rule, in Khmer
    listed = khmer(_probe("results", "--config", str(config)))
    assert "ពេលចាប់ផ្ដើម" in listed and "បង្ហាញ 1 ក្នុងចំណោម 1" in listed
    assert "inconclusive.no_control" in listed or "rule" not in listed
    khmer(_probe("results", "--config", str(config), "--since", "yesterday"))
    khmer(_probe("results", "show", "ffff", "--config", str(config)))
    signed = _probe("results", "--config", str(config), "--json")
    assert signed.returncode == 0 and "គ" not in signed.stdout  # --json keeps the stored English
    uid = json.loads(signed.stdout)["uid"]
    full = _probe("results", "show", uid[:12], "--config", str(config))
    assert full.returncode == 0 and '"explanation": "' in full.stdout  # the signed payload, as it is
    assert full.stderr.startswith("ការពន្យល់៖ ") and english_sentences(full.stderr) == []


def test_the_signed_english_explanation_is_kept_in_json(config: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    command = ["run", "--config", str(config), "--json", "--url", "http://127.0.0.1:9/"]
    shown = subprocess.run(
        [sys.executable, "-m", "probe", "--lang", "km", *command], capture_output=True, text=True, env=env
    )
    verdict = json.loads(shown.stdout.splitlines()[0])["verdict"]
    assert not re.search("[\u1780-\u17ff]", verdict["explanation"])  # what is signed never changes
    assert f"rule.{verdict['rule_id']}" in MESSAGES


def test_every_rule_has_a_khmer_explanation() -> None:
    assert {k.removeprefix("rule.") for k in MESSAGES if k.startswith("rule.")} == set(RULE_IDS)


def test_targets_in_khmer(config: Path, tmp_path: Path) -> None:
    assert "មានស្រាប់" in khmer(_probe("targets", "list", "--config", str(config)))
    urls = _probe("targets", "list", "--list", "kh", "--config", str(config))
    head = urls.stdout.split("http", 1)[0]  # the notes column is the list's own data, as its authors wrote it
    assert "គេហទំព័រ" in head and "ប្រភេទ" in head and english_sentences(head) == []
    khmer(_probe("targets", "list", "--list", "nope", "--config", str(config)))
    csv = tmp_path / "mine.csv"
    csv.write_text(
        "url,category_code,category_description,date_added,source,notes\n"
        "https://a.example/,NEWS,News,2026-01-01,me,\nhttps://a.example/,NEWS,News,2026-01-01,me,\n"
    )
    assert "បាននាំចូល" in khmer(_probe("targets", "import", str(csv), "--config", str(config)))
    khmer(_probe("targets", "import", str(csv), "--config", str(config)))  # replaces the earlier import
    khmer(_probe("targets", "import", str(csv), "--name", "kh", "--config", str(config)))
    khmer(_probe("targets", "import", str(tmp_path / "none.csv"), "--config", str(config)))
    assert "បានលុប" in khmer(_probe("targets", "remove", "mine", "--config", str(config)))
    khmer(_probe("targets", "remove", "mine", "--config", str(config)))
    fingerprints = tmp_path / "fp.csv"
    fingerprints.write_text(
        "name,scope,other_names,location_found,pattern_type,pattern,confidence_no_fp,expected_countries,"
        "source,exp_url,notes\nfp_x,isp,,dns,full,10.9.9.9,5,KH,me,,\n"
    )
    khmer(_probe("targets", "import-fingerprints", str(fingerprints), "--config", str(config)))


def test_upload_enrol_and_keys_in_khmer(config: Path) -> None:
    assert "upload.url" in khmer(_probe("upload", "--config", str(config)))
    khmer(_probe("enrol", "--config", str(config)))
    _probe("run", "--config", str(config), "--url", "http://127.0.0.1:9/")  # makes the device seed
    shown = khmer(_probe("keys", "show", "--config", str(config)))
    assert "លេខកូនសោ" in shown and "មិនស្គាល់បណ្ដាញទេ" in shown


def test_demo_refusal_in_khmer(tmp_path: Path) -> None:
    existing = tmp_path / "demo.db"
    existing.write_text("")
    khmer(_probe("demo", "--store", str(existing)))


def test_a_refused_filter_in_khmer(tmp_path: Path) -> None:
    """The parameter checks' messages (FilterError.of) are said in Khmer by every command that reads them."""
    result = _probe("export", "timeline", "--since", "yesterday", "--data-dir", str(tmp_path))
    assert result.returncode != 0
    assert "'yesterday' មិនមែនជាកាលបរិច្ឆេទ" in khmer(result)


def test_verify_one_record_in_khmer(tmp_path: Path) -> None:
    from tests.test_verify import TinyLog, signed_measurement

    log = TinyLog()
    m, envelope, digest, _ = signed_measurement(tmp_path)
    good = tmp_path / "record.json"
    good.write_text(log.record(envelope, m, digest).model_dump_json())
    ok = _probe("verify", str(good))
    assert ok.returncode == 0 and ok.stdout.startswith("បានផ្ទៀងផ្ទាត់")
    khmer(ok)
    bad = tmp_path / "bad.json"
    bad.write_text(good.read_text().replace(log.vkey, TinyLog(seed=b"\x08" * 32).vkey))
    failed = _probe("verify", str(bad))
    assert failed.returncode == 1 and failed.stdout.startswith("បរាជ័យ")
    khmer(failed)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for h in root.handlers[:]:
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)
    set_lang(None)


def test_every_daemon_log_line_is_in_the_catalogue(restore_logging: None) -> None:
    """The log lines are catalogue messages: in Khmer each is one line, with no English sentence."""
    from probe.daemon.logs import configure

    set_lang("km")
    stream = io.StringIO()
    configure(False, stream)
    log = logging.getLogger("saksi.daemon")
    values = {"kind": "ពេញ", "why": "ហេតុ", "count": 3, "old": 1, "new": 2, "hours": "6.0", "next": "x"}
    values |= {"uploaded": 1, "rejected": 0, "waiting": 2, "error": "", "name": "kh", "run": 4}
    values |= {
        "measured": 1,
        "planned": 2,
        "job": "full",
        "state": "បានចប់",
        "number": 1,
        "path": "/x",
        "asn": 5,
    }
    for key in MESSAGES:
        if key.startswith("log_"):
            from probe.i18n import t

            log.info(t(key, **values))
    lines = stream.getvalue().splitlines()
    assert len(lines) == sum(1 for k in MESSAGES if k.startswith("log_"))
    assert english_sentences("\n".join(lines)) == []


@pytest.mark.slow
def test_the_daemon_logs_in_khmer(tmp_path: Path) -> None:
    from tests.test_daemon import _config

    with _silent() as port:
        config = _config(tmp_path, port)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PROBE_", "LC_", "LANG"))}
        if "PROBE_LOOPBACK_GUARD" in os.environ:
            env["PROBE_LOOPBACK_GUARD"] = os.environ["PROBE_LOOPBACK_GUARD"]
        process = subprocess.Popen(
            [sys.executable, "-m", "probe", "--lang", "km", "daemon", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        time.sleep(4)
        process.send_signal(signal.SIGTERM)
        out, errors = process.communicate(timeout=20)
    assert process.returncode == 0, errors
    assert "daemon បានចាប់ផ្ដើម" in out and "daemon បានឈប់" in out
    assert "កំពុងសាកល្បងគេហទំព័រ" in out  # a run started
    assert english_sentences(out) == [], out
    assert "127.0.0" not in out


class _silent:
    """A TCP server that accepts and never answers (as tests/test_daemon.py's silent_server)."""

    def __enter__(self) -> int:
        import socket

        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        return int(self.server.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.server.close()
