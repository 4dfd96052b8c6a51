"""The report as one document: a list of blocks (heading, paragraph, bullet, table, ...) made once from
the facts, which report.html and report.pdf both render, so the two say the same words (a test compares
the PDF's extracted text with the HTML's). English or Khmer: every fixed phrase is a message of the one
catalogue (probe.i18n.catalogue, keys report_*). Nothing here decides a fact: probe.analysis.report does.

The Khmer report gives the witnessed date brackets in Khmer where independent witnesses vouch for them
(brackets.say, lang km: the `*_km` words of the facts), else the probes' own clocks, saying which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from probe.analysis.wording import plural
from probe.i18n.catalogue import MESSAGES

if TYPE_CHECKING:
    from probe.analysis.report import BlockingPeriod, ReportFacts

Kind = Literal["lab", "title", "summary", "heading", "para", "bullet", "table", "mono", "muted"]
LANGS = ("en", "km")


@dataclass(frozen=True)
class Block:
    kind: Kind
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()  # a table: its header row first


def say(key: str, lang: str, **values: object) -> str:
    """The report message `key` in `lang` (en or km), filled in."""
    english, khmer = MESSAGES[key]
    return (khmer if lang == "km" else english).format(**values)


def _count(n: int, word: str, lang: str) -> str:
    return plural(n, word) if lang == "en" else str(n)


def method_words(method: str | None, lang: str) -> str:
    from probe.analysis.report import METHOD_WORDS

    if method is None:
        return "an unrecorded method" if lang == "en" else "វិធីដែលមិនបានកត់ត្រា"
    if lang == "en":
        return METHOD_WORDS.get(method, method)
    if f"report_method_{method}" in MESSAGES:
        return say(f"report_method_{method}", lang)
    layer = method.split(".")[0]
    return (
        say(f"report_method_{layer}", lang, method=method) if f"report_method_{layer}" in MESSAGES else method
    )


def _title(r: ReportFacts, lang: str) -> str:
    if lang == "en":
        return r.title
    start, end = (
        r.period_start.replace("(probe clock)", "").strip(),
        r.period_end.replace("(probe clock)", "").strip(),
    )
    country = say("report_country_kh", lang) if r.countries == ["KH"] else ", ".join(r.countries)
    if r.periods:
        hosts = sorted({p.domain for p in r.periods})
        asns = {p.asn for p in r.periods}
        where = (
            r.periods[0].network_label
            if len(asns) == 1
            else say("report_networks_in", lang, count=len(asns), country=country)
        )
        title = say("report_title_blocked", lang, hosts=", ".join(hosts), where=where, start=start, end=end)
    else:
        where = (
            r.counted_networks[0].label
            if len(r.counted_networks) == 1
            else say("report_networks_in", lang, count=len(r.counted_networks), country=country)
        )
        title = say("report_title_measured", lang, hosts=r.site, where=where, start=start, end=end)
    return say("report_lab_title", lang, title=title) if r.lab else title


def _tested(r: ReportFacts, lang: str) -> str:
    from probe.analysis.report import when

    if lang == "en":
        return r.tested
    if r.tested_words_km:
        return r.tested_words_km
    return say("report_probe_clock", lang, first=when(r.first_at), last=when(r.last_at))


def _period(p: BlockingPeriod, lang: str) -> str:
    from probe.analysis.report import when

    if lang == "en":
        began, ended = p.began, p.ended
    else:  # the witnessed brackets where witnesses vouch for them, else the probes' clocks
        began = (
            say("report_began_witnessed", lang, words=p.began_words_km)
            if p.began_words_km and p.began_after
            else say("report_began_at_start_witnessed", lang, words=p.began_words_km)
            if p.began_words_km
            else say("report_began_between", lang, after=when(p.began_after), by=when(p.began_by))
            if p.began_after
            else say("report_began_at_start", lang, by=when(p.began_by))
        )
        ended = (
            say("report_still_seen_witnessed", lang, words=p.ended_words_km)
            if p.ended_words_km and p.ongoing
            else say("report_ended_witnessed", lang, words=p.ended_words_km)
            if p.ended_words_km
            else say("report_still_seen", lang, at=when(p.last_seen))
            if p.ongoing
            else say("report_ended_between", lang, after=when(p.ended_after), by=when(p.ended_by))
        )
    confidence = p.confidence or "likely"
    text = say(
        "report_period",
        lang,
        domain=p.domain,
        network=p.network_label,
        method=method_words(p.method, lang),
        confidence=say(f"report_conf_{confidence}", lang)
        if f"report_conf_{confidence}" in MESSAGES
        else confidence,
        fingerprint=say("report_fingerprint", lang, name=p.fingerprint) if p.fingerprint else "",
        began=began,
        ended=ended,
    )
    if p.basis_counts is not None:
        text += " " + basis_text(p.basis_counts, lang)
    elif p.basis:
        text += " " + p.basis
    if p.probe_words:
        text += " " + say("report_probes_said", lang, words=p.probe_words)
    return text


def basis_text(c: dict[str, int], lang: str) -> str:
    return say(
        "report_basis",
        lang,
        probes=_count(c["probes"], "probe", lang),
        vouched=c["probes_vouched"],
        attested=c["probes_attested"],
        m_attested=c["measurements_attested"],
        m_observed=c["measurements_observed"],
        m_claimed=c["measurements_claimed"],
        m_out=c["measurements_out_of_time"],
    )


def _rules(r: ReportFacts, lang: str) -> list[str]:
    if lang == "en":
        return list(r.rules)
    from probe.analysis.rules import (
        MAX_ACCESSIBLE_SHARE,
        METHOD_SHARE,
        MIN_ATTESTED_PROBES,
        MIN_BLOCKED,
        MIN_VOUCHED_PROBES,
        PUBLISH_AFTER,
    )

    return [
        say(
            "report_rule_blocked",
            lang,
            min_blocked=MIN_BLOCKED,
            share=f"{METHOD_SHARE:.0%}",
            accessible=f"{MAX_ACCESSIBLE_SHARE:.0%}",
        ),
        say("report_rule_basis", lang, attested=MIN_ATTESTED_PROBES, vouched=MIN_VOUCHED_PROBES),
        say("report_rule_publish", lang, days=PUBLISH_AFTER),
        say("report_rule_controls", lang),
    ]


def witness_words(r: ReportFacts, lang: str) -> str:
    """What the bundle's witnesses vouch for, from its witnesses.json and brackets alone: no witness,
    only demo-data's lab witness, witnesses that dated nothing here, or witnessed brackets."""
    if r.witnesses == 0:
        return say("report_witness_none", lang)
    if not r.independent:
        return say("report_witness_lab", lang)
    named = (
        _count(r.witnesses, "witness", lang) if lang == "km" else plural(r.witnesses, "witness", "witnesses")
    )
    key = "report_witness_some" if r.dates_witnessed else "report_witness_unused"
    return say(key, lang, witnesses=named, quorum=r.quorum)


def set_aside_words(r: ReportFacts, lang: str) -> str:
    """The measurements the rules did not count, by reason; empty when none was set aside."""
    total = sum(r.set_aside.values())
    if not total:
        return ""
    reasons = ", ".join(
        say(f"report_aside_{reason}", lang, count=n)
        for reason, n in sorted(r.set_aside.items())
        if n and f"report_aside_{reason}" in MESSAGES
    )
    return say(
        "report_set_aside",
        lang,
        count=_count(total, "measurement", lang),
        reasons=reasons,
    )


def blocks(r: ReportFacts, lang: str = "en") -> list[Block]:
    """Every word of the report, in order, in `lang`."""
    from probe.analysis.report import PROVES

    out: list[Block] = []
    if r.lab:
        out.append(Block("lab", say("report_lab_banner", lang)))
    nets = sum(n.measurements > 0 for n in r.networks)  # networks with counted measurements
    summary = (
        say(
            "report_summary",
            lang,
            measurements=_count(r.measurements, "measurement", lang),
            site=r.site,
            probes=_count(r.probes, "probe", lang),
            networks=_count(nets, "network", lang),
            tested=_tested(r, lang),
        )
        if r.measurements
        else say("report_summary_nothing", lang, site=r.site)
    ) + set_aside_words(r, lang)
    blocked_nets = len({p.asn for p in r.periods})
    summary += (
        say("report_summary_blocked", lang, count=blocked_nets)
        if blocked_nets
        else say("report_summary_none", lang)
    )
    out += [Block("title", _title(r, lang)), Block("summary", summary)]
    out.append(Block("heading", say("report_h_measured", lang)))
    if r.measurements:
        out.append(
            Block(
                "para",
                say(
                    "report_measured",
                    lang,
                    site=r.site,
                    times=_count(r.measurements, "time", lang),
                    probes=_count(r.probes, "probe", lang),
                    vouched=r.vouched,
                    unverified=r.unverified,
                    tested=_tested(r, lang),
                    controls=_count(r.controls, "measurement", lang),
                ),
            )
        )
    if r.not_in_log:
        out.append(
            Block(
                "para",
                say("report_not_in_log", lang, count=_count(r.not_in_log, "further measurement", lang)),
            )
        )
    # counted measurements (and their probes, and how many found it blocked) apart from those set aside
    cols = ("network", "counted", "probes", "vouched", "unverified", "blocked", "set_aside")
    out.append(Block("heading", say("report_h_networks", lang)))
    out.append(
        Block(
            "table",
            rows=(
                tuple(say(f"report_col_{c}", lang) for c in cols),
                *(
                    (
                        n.label,
                        str(n.measurements),
                        str(n.probes),
                        str(n.vouched),
                        str(n.unverified),
                        str(n.blocked),
                        str(n.set_aside),
                    )
                    for n in r.networks
                ),
            ),
        )
    )
    if len(r.hosts) > 1:
        out.append(Block("heading", say("report_h_hosts", lang)))
        header = tuple(say(f"report_col_{c}", lang) for c in ("host", "counted", "blocked"))
        out.append(Block("table", rows=(header, *((h, str(n), str(b)) for h, n, b in r.hosts))))
    out.append(Block("heading", say("report_h_observed", lang)))
    if not r.periods:
        out.append(Block("para", say("report_none_observed", lang)))
    out += [Block("para", _period(p, lang)) for p in r.periods]
    if r.periods and lang != "en":
        note = "report_clock_note_witnessed" if r.dates_witnessed else "report_clock_note_unwitnessed"
        out.append(Block("muted", say(note, lang)))
    out.append(Block("para", say("report_how", lang, version=r.rules_version)))
    out += [Block("bullet", rule) for rule in _rules(r, lang)]
    windows = ", ".join(
        f"{say(f'outcome_{state}', lang) if f'outcome_{state}' in MESSAGES else state} {n}"
        for state, n in r.windows.items()
    )
    out.append(Block("muted", say("report_windows", lang, windows=windows)))
    out.append(Block("heading", say("report_h_proves", lang)))
    proves = PROVES if lang == "en" else [say(f"report_proves_{i}", lang) for i in range(1, 6)]
    proves = [line + (" " + witness_words(r, lang) if i == 1 else "") for i, line in enumerate(proves)]
    out += [Block("bullet", line) for line in proves]
    out.append(Block("heading", say("report_h_no_cite" if r.lab else "report_h_cite", lang)))
    out.append(Block("lab", say("report_do_not_cite", lang)) if r.lab else Block("mono", r.citation))
    out.append(Block("heading", say("report_h_verify", lang)))
    out.append(Block("para", say("report_verify", lang)))
    out.append(
        Block(
            "muted",
            say(
                "report_bundle",
                lang,
                sha=r.manifest_sha256,
                origin=r.origin,
                size=r.checkpoint_size,
                root=r.checkpoint_root,
                created=r.created_at,
            )
            + say("report_bundle_witnessed" if r.dates_witnessed else "report_bundle_unwitnessed", lang),
        )
    )
    return out
