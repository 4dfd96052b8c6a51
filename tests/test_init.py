"""`probe init` as a volunteer uses it: typed answers in a real terminal (a pty), in English and in Khmer.

Every test runs with its own HOME, XDG_CONFIG_HOME and XDG_DATA_HOME, so the real home is never touched;
no test reaches beyond loopback (a collector on loopback, or a closed loopback port).
"""

from __future__ import annotations

import codecs
import fcntl
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer

from probe.cli.init import has_setting
from probe.config import Settings, load_settings
from probe.consent import CONSENT_VERSION, require_consent
from tests.collector_rig import collector

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r")


def init_command() -> list[str]:
    """`probe init` once it is registered in probe.cli.app, else the command module on its own."""
    from probe.cli.app import app

    if "init" in typer.main.get_command(app).commands:  # type: ignore[attr-defined]
        return [sys.executable, "-m", "probe", "init"]
    return [sys.executable, "-m", "probe.cli.init"]


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An environment of a volunteer with an empty home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"}
    env.update(
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONUTF8="1",
        LANG="C.UTF-8",
        TERM="xterm-256color",
    )
    (tmp_path / "home").mkdir()
    return env


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Terminal:
    """A command in a pseudo-terminal, driven like a person: wait for a prompt, type an answer."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.master = master
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.screen = ""  # everything shown so far, without colours
        self.seen = 0  # how far `expect` has read
        self.closed = False

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            self.closed = True
            return
        self.screen = ANSI.sub("", self.screen + self.decoder.decode(chunk))

    def expect(self, text: str, timeout: float = 60) -> str:
        """Wait until `text` is shown after what was already expected; return what came before it."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.screen.find(text, self.seen)
            if found >= 0:
                before = self.screen[self.seen : found]
                self.seen = found + len(text)
                return before
            if self.closed or time.monotonic() > deadline:
                raise AssertionError(f"never shown: {text!r}; the screen ends with:\n{self.screen[-3000:]}")
            self._read(0.2)

    def type(self, answer: str) -> None:
        os.write(self.master, answer.encode() + b"\n")

    def answer(self, prompt: str, answer: str) -> str:
        before = self.expect(prompt)
        self.type(answer)
        return before

    def finish(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            self._read(0.2)
        os.close(self.master)
        return self.proc.wait(timeout=10)


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    started: list[Terminal] = []
    yield started
    for t in started:
        if t.proc.poll() is None:
            t.proc.kill()
            t.proc.wait()


def consent_of(config: Path) -> dict[str, object]:
    s = load_settings(config)
    return dict(json.loads((s.store.path.parent / "consent.json").read_text()))


def chosen(s: Settings, consent: dict[str, object], name: str) -> object:
    """An answer of `probe init`: the setting when the probe has it, else what the consent record keeps."""
    if has_setting(name):
        section, _, field = name.partition(".")
        return getattr(getattr(s, section), field)
    choices = consent["choices"]
    assert isinstance(choices, dict)
    return choices.get(name)


def test_english_wrong_answers_are_explained_and_asked_again(
    home: dict[str, str], tmp_path: Path, terminals: list[Terminal]
) -> None:
    port = closed_port()  # a collector that does not answer: enrolment waits, init still succeeds
    t = Terminal([*init_command(), "--lang", "en"], home)
    terminals.append(t)
    t.expect("Before you start: what Saksi does, and the risks")
    t.expect("Your IP address is never recorded, uploaded or published.")
    t.expect("A draft cybercrime law would make providers keep traffic data")
    t.expect("for 180 days")
    t.answer("1. Does Saksi hide what you do online, or make you anonymous? (y = yes, n = no)", "y")
    t.expect("Not quite. No. Saksi does not hide anything.")
    t.answer("Please answer again.", "n")
    t.expect("Right.")
    t.answer("2. Can others see that someone on this network tested websites", "y")
    t.expect("Right.")
    t.answer("3. Could running Saksi carry legal risk in Cambodia?", "perhaps")
    t.answer("Please answer y (yes) or n (no).", "no")
    t.expect("Not quite. Yes, it could. A 2018 order created a unit to monitor social media.")
    t.expect("180 days")
    t.answer("Please answer again.", "yes")
    t.expect("Right.")
    t.answer("Do you want to run Saksi on this network, knowing all this?", "y")
    t.answer("Collector URL", f"http://127.0.0.1:{port}/")
    t.answer("Invite token", "")
    t.answer("Categories to test, separated by commas (all = NEWS News, HUMR Human rights", "news,PORN")
    t.answer("PORN is a sensitive category", "news,humr")
    t.answer("Also test the sensitive categories", "")
    t.answer("Test every how many hours?", "0")
    t.answer("choose between 1 and 168", "12")
    t.answer("Send uploads through a SOCKS5 proxy", "")
    t.answer("Where may Saksi test? this = only the network you are on now", "AS-5")
    t.answer("is not a network number", "this")
    t.expect("Consent recorded in")
    t.expect("No network is approved yet, so Saksi tests nothing")  # the collector did not say which
    t.expect("The key is not enrolled yet (the collector at")
    t.expect("It will be enrolled at the first upload.")
    assert t.finish() == 0, t.screen

    config = tmp_path / "config" / "saksi" / "probe.toml"  # $XDG_CONFIG_HOME/saksi/probe.toml
    s = load_settings(config)
    assert s.upload.url == f"http://127.0.0.1:{port}"
    assert s.control.url == f"http://127.0.0.1:{port}/api/v1/control"
    assert s.upload.token is None
    assert s.targets.include_sensitive is False
    assert s.store.path == tmp_path / "data" / "saksi" / "probe.db"
    assert config.stat().st_mode & 0o077 == 0
    consent = consent_of(config)
    assert consent["version"] == CONSENT_VERSION
    assert consent["lang"] == "en"
    assert consent["method"] == "quiz"
    assert str(consent["agreed_at"]).startswith(datetime.now(UTC).date().isoformat())
    assert chosen(s, consent, "targets.categories") == ["NEWS", "HUMR"]
    assert chosen(s, consent, "daemon.every_hours") == 12
    assert consent["networks"] == [] and consent["any_network"] is False
    assert (s.store.path.parent / "consent.json").stat().st_mode & 0o077 == 0
    require_consent(s)


def test_khmer_wrong_answer_explained_in_khmer_then_settings_written(
    home: dict[str, str], tmp_path: Path, terminals: list[Terminal]
) -> None:
    config = tmp_path / "elsewhere" / "probe.toml"
    t = Terminal([*init_command(), "--config", str(config), "--no-enrol"], home)
    terminals.append(t)
    t.answer("Language / ភាសា (en = English, km = ខ្មែរ)", "km")
    t.expect("មុននឹងចាប់ផ្ដើម៖ អ្វីដែល Saksi ធ្វើ និងហានិភ័យ")
    t.expect("អាសយដ្ឋាន IP របស់អ្នក មិនដែលត្រូវបានកត់ត្រា បញ្ជូន ឬផ្សព្វផ្សាយឡើយ។")
    t.expect("សេចក្ដីព្រាងច្បាប់ស្ដីពីបទល្មើសបច្ចេកវិទ្យា")
    t.expect("១៨០ ថ្ងៃ")
    t.answer("1. តើ Saksi លាក់អ្វីដែលអ្នកធ្វើលើអ៊ីនធឺណិត ឬធ្វើឲ្យអ្នកអនាមិកឬទេ? (y = បាទ/ចាស, n = ទេ)", "ទេ")
    t.expect("ត្រឹមត្រូវ។")
    t.answer("2. តើអ្នកដទៃអាចឃើញថា", "ទេ")
    t.expect("មិនត្រឹមត្រូវទេ។ បាទ/ចាស អាចឃើញ។ លទ្ធផលត្រូវបានផ្សព្វផ្សាយ")
    t.answer("សូមឆ្លើយម្ដងទៀត។", "បាទ")
    t.expect("ត្រឹមត្រូវ។")
    t.answer("3. តើការដំណើរការ Saksi អាចមានហានិភ័យផ្លូវច្បាប់នៅកម្ពុជាឬទេ?", "ចាស")
    t.expect("ត្រឹមត្រូវ។")
    t.answer("តើអ្នកចង់ដំណើរការ Saksi លើបណ្ដាញនេះ", "ចាស")
    t.answer("URL របស់ម៉ាស៊ីនប្រមូលលទ្ធផល", "")
    t.answer("ប្រភេទដែលត្រូវសាកល្បង", "")
    t.answer("សាកល្បងប្រភេទរសើប", "y")
    t.answer("សាកល្បងរៀងរាល់ប៉ុន្មានម៉ោងម្ដង?", "")
    t.answer("បញ្ជូនលទ្ធផលតាមប្រូកស៊ី SOCKS5", "127.0.0.1:9050")
    t.answer("តើ Saksi អាចសាកល្បងនៅបណ្ដាញណា?", "any")
    t.expect("ការយល់ព្រមត្រូវបានកត់ត្រាក្នុង")
    t.expect("Saksi អាចសាកល្បងនៅគ្រប់បណ្ដាញ")
    t.expect(f"probe run --config {config}")
    assert t.finish() == 0, t.screen

    s = load_settings(config)
    assert s.upload.url is None and s.control.url is None
    assert s.targets.include_sensitive is True
    consent = consent_of(config)
    assert (consent["version"], consent["lang"], consent["method"]) == (CONSENT_VERSION, "km", "quiz")
    assert chosen(s, consent, "targets.categories") is None  # all categories
    assert chosen(s, consent, "daemon.every_hours") == 6
    assert chosen(s, consent, "upload.socks5") == "127.0.0.1:9050"
    assert consent["any_network"] is True
    assert not (tmp_path / "config").exists()  # --config was honoured
    require_consent(s)


def test_declining_writes_nothing(home: dict[str, str], tmp_path: Path, terminals: list[Terminal]) -> None:
    t = Terminal([*init_command(), "--lang", "en", "--no-enrol"], home)
    terminals.append(t)
    for prompt in ("1. ", "2. ", "3. "):
        t.answer(prompt, {"1. ": "n"}.get(prompt, "y"))
    t.answer("Do you want to run Saksi on this network", "n")
    t.expect("Nothing was written.")
    assert t.finish() == 1
    assert not (tmp_path / "config").exists()
    assert not (tmp_path / "data" / "saksi" / "consent.json").exists()


def run_init(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*init_command(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_flags_for_servers_record_consent_and_keep_other_settings(
    home: dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / "probe.toml"
    config.write_text("[network]\nconcurrency = 8\n\n[upload]\nbatch_size = 50\n")
    result = run_init(
        "--yes-i-understand",
        "--lang",
        "km",
        "--collector",
        f"http://127.0.0.1:{closed_port()}",
        "--token",
        "invite-123",
        "--categories",
        "NEWS,HUMR",
        "--include-sensitive",
        "--every-hours",
        "3",
        "--socks5",
        "127.0.0.1:9050",
        "--config",
        str(config),
        "--no-enrol",
        env=home,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    s = load_settings(config)
    assert s.network.concurrency == 8 and s.upload.batch_size == 50  # the other settings are kept
    assert s.upload.token == "invite-123"
    assert s.targets.include_sensitive is True
    assert (tmp_path / "probe.toml.bak").read_text().startswith("[network]")
    consent = consent_of(config)
    assert (consent["version"], consent["lang"], consent["method"]) == (CONSENT_VERSION, "km", "flag")
    # Sensitive categories opted in are named with the chosen ones (as probe.lists.select would want).
    assert chosen(s, consent, "targets.categories") == ["NEWS", "HUMR", "DATE", "LGBT", "PORN", "REL", "XED"]
    assert chosen(s, consent, "daemon.every_hours") == 3
    assert chosen(s, consent, "upload.socks5") == "127.0.0.1:9050"
    # Through a proxy the collector cannot tell this network: none is approved until the volunteer says.
    assert consent["any_network"] is False and consent["networks"] == []
    require_consent(s)


def test_flags_enrol_at_a_collector_on_loopback(home: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "probe.toml"
    with collector(tmp_path / "rig") as rig:
        result = run_init("--yes-i-understand", "--collector", rig.url, "--config", str(config), env=home)
    assert result.returncode == 0, result.stderr
    assert f"This network's key is enrolled at {rig.url} (tier unverified)." in result.stdout
    s = load_settings(config)
    assert (s.store.path.parent / "keys" / "device.seed").exists()


def test_without_a_terminal_or_the_flag_it_says_what_to_do(home: dict[str, str]) -> None:
    result = run_init("--lang", "en", env=home)
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "--yes-i-understand" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--collector", "ftp://collector.example", "is not an https:// URL"),
        ("--collector", "http://collector.example", "is plain http://: use https://"),
        ("--network", "AS-5", "is not a network number"),
        ("--categories", "NEWZ", "'NEWZ' is not a category code; the codes are"),
        ("--categories", "NEWS,PORN", "PORN is a sensitive category"),
        ("--socks5", "localhost", "is not host:port"),
        ("--every-hours", "0", "between 1 and 168"),
        ("--lang", "fr", "unknown language 'fr'"),
    ],
)
def test_a_bad_flag_is_one_sentence_and_writes_nothing(
    home: dict[str, str], tmp_path: Path, flag: str, value: str, says: str
) -> None:
    result = run_init("--yes-i-understand", flag, value, "--config", str(tmp_path / "p.toml"), env=home)
    assert result.returncode == 2, result.stdout + result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "p.toml").exists()


def test_help_names_every_flag(home: dict[str, str]) -> None:
    result = run_init("--help", env={**home, "COLUMNS": "200"})
    assert result.returncode == 0
    for flag in (
        "--lang",
        "--yes-i-understand",
        "--collector",
        "--token",
        "--categories",
        "--include-sensitive",
        "--every-hours",
        "--socks5",
        "--config",
        "--no-enrol",
    ):
        assert flag in result.stdout


@pytest.mark.parametrize(
    ("before", "after", "locale", "lang"),
    [
        ([], [], "km_KH.UTF-8", "km"),  # the Khmer locale
        (["--lang", "km"], [], "C.UTF-8", "km"),  # probe --lang km init
        (["--lang", "km"], ["--lang", "en"], "km_KH.UTF-8", "en"),  # init's own --lang wins
        ([], [], "C.UTF-8", "en"),
    ],
)
def test_the_global_language_and_the_locale_are_inits_default(
    home: dict[str, str], tmp_path: Path, before: list[str], after: list[str], locale: str, lang: str
) -> None:
    config = tmp_path / "probe.toml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "probe",
            *before,
            "init",
            *after,
            "--yes-i-understand",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**home, "LANG": locale},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert consent_of(config)["lang"] == lang


def test_in_a_khmer_terminal_the_questions_default_to_khmer(
    home: dict[str, str], tmp_path: Path, terminals: list[Terminal]
) -> None:
    t = Terminal(
        [*init_command(), "--config", str(tmp_path / "probe.toml"), "--no-enrol"],
        {**home, "LANG": "km_KH.UTF-8"},
    )
    terminals.append(t)
    t.answer("Language / ភាសា (en = English, km = ខ្មែរ) [km]", "")
    t.expect("មុននឹងចាប់ផ្ដើម៖ អ្វីដែល Saksi ធ្វើ និងហានិភ័យ")


def test_probe_lang_km_init_asks_no_language_and_speaks_khmer(
    home: dict[str, str], tmp_path: Path, terminals: list[Terminal]
) -> None:
    args = [sys.executable, "-m", "probe", "--lang", "km", "init", "--config", str(tmp_path / "probe.toml")]
    t = Terminal([*args, "--no-enrol"], home)
    terminals.append(t)
    assert "Language / ភាសា" not in t.expect("មុននឹងចាប់ផ្ដើម៖ អ្វីដែល Saksi ធ្វើ និងហានិភ័យ")
