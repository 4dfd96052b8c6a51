"""`probe init`: informed consent (text and quiz, English or Khmer), then the settings file, then enrolment.

Interactive in a terminal; every answer also has a flag, and `--yes-i-understand` records consent without
the quiz, for servers and automation. Answers that no setting holds yet (see `FUTURE_SETTINGS`) are kept in
the consent record instead of the settings file, whose unknown keys `load_settings` would refuse.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

import typer
from pydantic import BaseModel
from rich.text import Text

from probe.cli.common import UserError, err, fail, out, say
from probe.config import (
    ConfigError,
    Settings,
    StoreSettings,
    default_config_path,
    load_settings,
    plain_http_problem,
)
from probe.consent import configfile
from probe.consent.networks import NETWORK_CHECK_S, network_now, parse_asn
from probe.consent.record import Choice, consent_path, record_consent
from probe.consent.texts import CONSENT_VERSION, LANGS, ConsentText, Lang, parse_yes_no, text_for
from probe.i18n import chosen as global_lang
from probe.i18n import current, set_lang, t
from probe.lists import builtin_lists
from probe.lists.categories import CATEGORIES, category_name
from probe.models.target import SENSITIVE_CATEGORIES
from probe.sign.keys import SEED_FILE, DeviceSeed, KeyFileError
from probe.sign.signer import ProbeSigner
from probe.store import Store, StoreError
from probe.upload import UploadError, enrol

T = TypeVar("T")

# Answers `probe init` asks for that need a setting the probe does not have yet: written to the settings
# file when probe.config.Settings has the setting, otherwise kept in the consent record's `choices`.
FUTURE_SETTINGS = ("targets.categories", "daemon.every_hours", "upload.socks5")
DEFAULT_EVERY_HOURS = 6
CONTROL_PATH = "/api/v1/control"
_CATEGORY = re.compile(r"[A-Z0-9_]+")
_CLEAR = frozenset({"none", "-"})


@dataclass
class Answers:
    """What `probe init` learnt; None means 'not given' (the settings file keeps what it had)."""

    collector: str | None = None
    token: str | None = None
    categories: list[str] | None = None
    include_sensitive: bool | None = None
    every_hours: int | None = None
    socks5: str | None = None
    cleared: set[str] = field(default_factory=set)  # settings the volunteer chose to remove


def has_setting(dotted: str) -> bool:
    """Whether probe.config.Settings has the setting `section.name`."""
    section, _, name = dotted.partition(".")
    holder = Settings.model_fields.get(section)
    model = holder.annotation if holder is not None else None
    return isinstance(model, type) and issubclass(model, BaseModel) and name in model.model_fields


# checks: each returns the value to keep, or raises ValueError with a sentence ------------------------------


def check_collector(value: str, *, allow_http: bool = False) -> str:
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(t("bad_collector", value=value))
    problem = None if allow_http else plain_http_problem(url)
    if problem:
        raise ValueError(problem)
    return url


def check_network(value: str) -> tuple[bool, list[int]]:
    """`this` -> (False, []) (resolved later), `any` -> (True, []), `AS1,AS2` -> (False, [1, 2])."""
    word = value.strip().lower()
    if word in ("this", "any"):
        return word == "any", []
    return False, [parse_asn(part) for part in value.split(",") if part.strip()] or [parse_asn(value)]


def check_socks5(value: str) -> str:
    host, sep, port = value.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(t("bad_socks5", value=value))
    return value.strip()


def check_categories(value: str) -> list[str] | None:
    """Category codes from `NEWS,HUMR`; None for all (the non-sensitive ones). Sensitive codes are refused."""
    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    if not codes or codes == ["ALL"]:
        return None
    for code in codes:
        if not _CATEGORY.fullmatch(code) or code not in CATEGORIES:
            lang = current()
            known = (f"{c} ({category_name(c, lang)})" for c in CATEGORIES if c not in SENSITIVE_CATEGORIES)
            raise ValueError(t("bad_category", code=code, codes=", ".join(known)))
        if code in SENSITIVE_CATEGORIES:
            raise ValueError(t("sensitive_in_categories", code=code))
    return list(dict.fromkeys(codes))


def check_hours(value: str | int) -> int:
    try:
        hours = int(value)
    except ValueError:
        raise ValueError(t("bad_hours", value=value)) from None
    if not 1 <= hours <= 168:
        raise ValueError(t("hours_range", hours=hours))
    return hours


def _flag(name: str, value: str | None, check: Callable[[str], T]) -> T | None:
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as exc:
        fail(f"{name}: {exc}")


# the conversation ----------------------------------------------------------------------------------------


def ask(prompt: str, check: Callable[[str], T], default: str = "") -> T:
    """Ask until `check` accepts the answer; a refused answer is explained."""
    while True:
        raw = typer.prompt(prompt, default=default, show_default=bool(default))
        try:
            return check(raw)
        except ValueError as exc:
            out.print(Text(str(exc), style="yellow"))


def ask_yes_no(prompt: str, text: ConsentText, default: bool | None = None) -> bool:
    shown = {None: "", True: "y", False: "n"}[default]
    while True:
        raw = typer.prompt(f"{prompt} {text.ui.yes_no_hint}", default=shown, show_default=bool(shown))
        answer = parse_yes_no(raw)
        if answer is not None:
            return answer
        out.print(text.ui.not_yes_no)


def show(text: ConsentText) -> None:
    out.print()
    out.print(Text(text.title, style="bold"))
    for part in text.parts:
        out.print()
        out.print(Text(part.title, style="bold underline"))
        for line in part.lines:
            say(out, line, prefix="  • ")
    out.print()


def quiz(text: ConsentText) -> None:
    """Every question answered right; a wrong answer shows the explanation and asks again."""
    out.print(Text(text.ui.quiz_intro, style="bold"))
    for number, question in enumerate(text.questions, 1):
        while True:
            if ask_yes_no(f"{number}. {question.prompt}", text) == question.answer:
                out.print(Text(text.ui.correct, style="green"))
                break
            out.print(Text(f"{text.ui.wrong} {question.explanation}", style="yellow"))
            out.print(text.ui.again)
    out.print()


def _optional(check: Callable[[str], T]) -> Callable[[str], T | None]:
    def wrapped(value: str) -> T | None:
        return None if not value.strip() or value.strip().lower() in _CLEAR else check(value)

    return wrapped


def _list_categories(lang: str) -> str:
    """The non-sensitive categories of the built-in list, for the prompt: `all = NEWS, HUMR, ...`."""
    entries = builtin_lists().get("kh", [])
    codes = dict.fromkeys(e.category_code for e in entries if e.category_code not in SENSITIVE_CATEGORIES)
    return "all = " + ", ".join(f"{c} {category_name(c, lang)}" for c in codes)


def converse(text: ConsentText, given: Answers, existing: dict[str, Any]) -> Answers:
    """Ask for every answer not given as a flag; the defaults are the settings file's current values."""

    def current(section: str, name: str) -> Any:
        table = existing.get(section)
        return table.get(name) if isinstance(table, dict) else None

    ui = text.ui
    answers = dataclasses.replace(given, cleared=set())
    if answers.collector is None:
        answers.collector = ask(ui.collector, _optional(check_collector), current("upload", "url") or "")
        if answers.collector is None:
            answers.cleared |= {"upload.url", "control.url"}
    if answers.collector and given.token is None:
        answers.token = ask(ui.token, _optional(lambda t: t.strip()), current("upload", "token") or "")
        if answers.token is None:
            answers.cleared.add("upload.token")
    if answers.categories is None:
        now = current("targets", "categories")
        default = ",".join(now) if isinstance(now, list) else "all"
        answers.categories = ask(
            f"{ui.categories} ({_list_categories(text.lang)})", check_categories, default
        )
        if answers.categories is None:
            answers.cleared.add("targets.categories")
    if answers.include_sensitive is None:
        answers.include_sensitive = ask_yes_no(ui.sensitive, text, default=False)
    if answers.every_hours is None:
        now = current("daemon", "every_hours")
        answers.every_hours = ask(ui.every_hours, check_hours, str(now or DEFAULT_EVERY_HOURS))
    if answers.socks5 is None:
        answers.socks5 = ask(ui.socks5, _optional(check_socks5), current("upload", "socks5") or "")
        if answers.socks5 is None:
            answers.cleared.add("upload.socks5")
    return answers


# the result ----------------------------------------------------------------------------------------------


def updates_for(answers: Answers, existing: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Choice]]:
    """The settings to write (dotted name -> value, None removes) and the answers kept for later."""
    updates: dict[str, Any] = {name: None for name in answers.cleared}
    if answers.collector:
        updates["upload.url"] = answers.collector
        updates["control.url"] = answers.collector + CONTROL_PATH
    if answers.token:
        updates["upload.token"] = answers.token
    if answers.include_sensitive is not None:
        updates["targets.include_sensitive"] = answers.include_sensitive
    # Pin the store (and so the consent record beside it) unless the file or the environment (a systemd
    # unit sets PROBE_STORE__PATH) already decides where it is.
    store = existing.get("store")
    if not (isinstance(store, dict) and "path" in store) and not os.environ.get("PROBE_STORE__PATH"):
        updates["store.path"] = str(StoreSettings().path)
    future: dict[str, Choice] = {}
    categories = answers.categories
    if categories is not None and answers.include_sensitive:
        categories = [*categories, *sorted(SENSITIVE_CATEGORIES)]  # what probe.lists.select would measure
    for name, value in (
        ("targets.categories", categories),
        ("daemon.every_hours", answers.every_hours),
        ("upload.socks5", answers.socks5),
    ):
        if value is None and name not in answers.cleared:
            continue
        if has_setting(name):
            updates[name] = value
        else:
            updates.pop(name, None)
            if value is not None:
                future[name] = value
    return updates, future


def _this_network(s: Settings) -> int | None:
    """The network the probe is on now (probe.asn, else the collector's answer), said while it waits."""
    if s.probe.asn is None and s.upload.url and not s.upload.socks5:
        wait = min(NETWORK_CHECK_S, s.upload.timeout_s)
        say(err, t("asking_network", url=s.upload.url, seconds=f"{wait:g}"))
    return asyncio.run(network_now(s))


def _enrol(s: Settings, token: str | None, now: datetime, asn: int | None) -> tuple[str | None, str | None]:
    """(tier, None) once the key of network `asn` is enrolled, or (None, why not)."""
    if asn is None:
        return None, f"the collector at {s.upload.url} did not say which network this is"
    try:
        say(err, t("enrolling", url=s.upload.url, seconds=f"{s.upload.timeout_s:g}"))
        key = ProbeSigner(DeviceSeed(s.store.seed_folder / SEED_FILE)).key(asn, now)
        with Store(s.store.path) as store:
            record, _new = asyncio.run(enrol(s, store, key, token=token))
    except (UploadError, KeyFileError, StoreError) as exc:
        return None, str(exc)
    return record.tier, None


def _validate(path: Path) -> Settings:
    try:
        return load_settings(path)
    except ConfigError as exc:
        fail(f"the settings `probe init` would write are refused ({exc}); nothing was changed")


def _pick_lang(lang: str | None, interactive: bool) -> Lang:
    # init's own --lang, else `probe --lang`, else asked (in a terminal) with the locale's language as default.
    lang = lang or global_lang()
    if lang is None and interactive:
        lang = typer.prompt("Language / ភាសា (en = English, km = ខ្មែរ)", default=current())
    try:
        return text_for((lang or current()).strip().lower()).lang
    except ValueError as exc:
        fail(f"--lang: {exc}")


def init(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help=f"Language of the explanation and quiz: {' or '.join(LANGS)} (Khmer). Default: `probe --lang`, "
            "else the locale (asked in a terminal).",
        ),
    ] = None,
    yes_i_understand: Annotated[
        bool,
        typer.Option(
            "--yes-i-understand",
            help="Record consent without the quiz (servers, automation): you have read what the probe does and "
            "the risks (docs/volunteer.md). Asks nothing; answers not given as flags keep their defaults.",
        ),
    ] = False,
    collector: Annotated[
        str | None, typer.Option("--collector", help="The collector's URL (upload.url; control.url follows).")
    ] = None,
    token: Annotated[str | None, typer.Option("--token", help="An invite token from the collector.")] = None,
    categories: Annotated[
        str | None,
        typer.Option("--categories", help="Categories to test, e.g. NEWS,HUMR (default: all non-sensitive)."),
    ] = None,
    include_sensitive: Annotated[
        bool | None,
        typer.Option(
            "--include-sensitive/--exclude-sensitive",
            help="Also test PORN, XED, DATE, LGBT and REL (default: no; they carry more risk).",
            show_default=False,
        ),
    ] = None,
    every_hours: Annotated[
        int | None, typer.Option("--every-hours", help=f"Test every N hours (default {DEFAULT_EVERY_HOURS}).")
    ] = None,
    socks5: Annotated[
        str | None,
        typer.Option("--socks5", help="Send uploads through this SOCKS5 proxy, e.g. 127.0.0.1:9050."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Settings file to write (default: $XDG_CONFIG_HOME/saksi/probe.toml); other settings in it are "
            "kept, the old file is saved as .bak.",
            show_default=False,
        ),
    ] = None,
    no_enrol: Annotated[
        bool, typer.Option("--no-enrol", help="Do not enrol the key now (the first upload does it).")
    ] = False,
    network: Annotated[
        str | None,
        typer.Option(
            "--network",
            help="Where the probe may measure: `this` (only the network it is on now; the default), `any` "
            "(any network it joins), or network numbers such as AS38623,AS17976. `probe networks` changes it.",
            show_default=False,
        ),
    ] = None,
    allow_http: Annotated[
        bool,
        typer.Option(
            "--allow-http",
            help="Accept a plain http:// collector that is not on this machine (upload.allow_http): anyone on "
            "the path could then read and change what it sends. Only for a lab.",
        ),
    ] = False,
) -> None:
    """Set up this probe: what it does and the risks, a short quiz, then the settings and enrolment.

    In a terminal it explains, in English or Khmer (--lang km), what the probe measures, what is published
    and the risks, then asks three questions that must be answered right, then the settings. For servers,
    every answer is a flag and --yes-i-understand records consent. `probe run` refuses to start until this
    was done for the current version of the text.
    """
    interactive = not yes_i_understand
    if lang is not None and lang.strip().lower() in LANGS:
        set_lang(lang)  # so that a refused flag is explained in the language asked for
    if interactive and not sys.stdin.isatty():
        fail(
            "`probe init` asks questions and needs a terminal; on a server, read docs/volunteer.md and pass "
            "--yes-i-understand with the answers as flags"
        )
    given = Answers(
        collector=_flag("--collector", collector, lambda v: check_collector(v, allow_http=allow_http)),
        token=(token.strip() or None) if token is not None else None,
        categories=_flag("--categories", categories, check_categories),
        include_sensitive=include_sensitive,
        every_hours=_flag("--every-hours", None if every_hours is None else str(every_hours), check_hours),
        socks5=_flag("--socks5", socks5, check_socks5),
    )
    chosen_network = _flag("--network", network, check_network)
    path = (config or default_config_path()).expanduser()
    try:
        existing = configfile.read(path)
    except configfile.ConfigFileError as exc:
        fail(str(exc))
    chosen = _pick_lang(lang, interactive)
    set_lang(chosen)
    text = text_for(chosen)

    if interactive:
        show(text)
        quiz(text)
        if not ask_yes_no(text.ui.agree, text):
            out.print(text.ui.declined)
            raise typer.Exit(1)
        answers = converse(text, given, existing)
        if chosen_network is None:
            chosen_network = ask(text.ui.networks, check_network, "this")
    else:
        answers = given

    updates, future = updates_for(answers, existing)
    if allow_http:
        updates["upload.allow_http"] = True
    try:
        document = configfile.merge(existing, updates)
        configfile.write(path, configfile.dumps(document), _validate)
    except configfile.ConfigFileError as exc:
        fail(str(exc))
    s = _validate(path)
    now = datetime.now(UTC)
    any_network, networks = chosen_network or (False, [])
    wants_enrol = bool(s.upload.url) and not no_enrol and not (s.upload.socks5 and s.probe.asn is None)
    this = _this_network(s) if wants_enrol or not (any_network or networks) else None
    if not any_network and not networks:
        networks = [this] if this is not None else []
    consent = record_consent(
        s,
        chosen,
        CONSENT_VERSION,
        now,
        method="quiz" if interactive else "flag",
        choices=future,
        networks=networks,
        any_network=any_network,
    )
    out.print(text.ui.config_written.format(path=path))
    out.print(
        text.ui.consent_recorded.format(path=consent_path(s), version=consent.version, date=consent.agreed_at)
    )
    out.print(
        text.ui.networks_any
        if any_network
        else text.ui.networks_listed.format(networks=", ".join(f"AS{n}" for n in networks))
        if networks
        else text.ui.networks_none
    )
    if future:
        listed = "; ".join(f"{k} = {','.join(v) if isinstance(v, list) else v}" for k, v in future.items())
        err.print(
            f"[bold yellow]note:[/] kept in the consent record until this version of the probe has these "
            f"settings: {listed}",
            markup=True,
        )
    if s.upload.url and not no_enrol:
        if s.upload.socks5 and s.probe.asn is None:
            # Through the proxy whoami names the proxy's exit, not this network, whose key must be enrolled.
            later = "through the SOCKS5 proxy the collector cannot tell which network this is"
            out.print(text.ui.enrol_later.format(why=later))
        else:
            tier, why = _enrol(s, s.upload.token, now, this)
            if tier is not None:
                out.print(text.ui.enrolled.format(url=s.upload.url, tier=tier))
            else:
                out.print(text.ui.enrol_later.format(why=why))
    out.print(text.ui.next_step.format(command=f"probe run --config {path}"))


def main() -> None:
    """`python -m probe.cli.init`: the command on its own, with the errors `probe` prints."""
    alone = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    alone.command()(init)
    try:
        alone()
    except UserError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
