"""The plain-language report of an evidence bundle, as HTML (Jinja2) and PDF (fpdf2), from the same facts.

Written for journalists and courts: what was measured, from how many probes on which networks, what was
observed, what it does and does not prove, a suggested citation, and how to check it. Pure: no I/O, no
clock; the same facts give the same bytes. The PDF is drawn from the facts, not converted from the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2

from probe.analysis.report_doc import Block, blocks
from probe.analysis.rules import (
    MAX_ACCESSIBLE_SHARE,
    METHOD_SHARE,
    MIN_ATTESTED_PROBES,
    MIN_BLOCKED,
    MIN_VOUCHED_PROBES,
    PUBLISH_AFTER,
)
from probe.analysis.wording import install_extra, plural
from probe.i18n.catalogue import MESSAGES

TEMPLATES = Path(__file__).parent / "templates"

COUNTRIES = {"KH": "Cambodia", "TH": "Thailand", "VN": "Vietnam", "LA": "Laos", "MM": "Myanmar"}

# Each blocking method in words a reader without networking knowledge can follow.
# Each phrase completes "blocked by ...": noun phrases, never clauses (tests/test_report_words.py).
METHOD_WORDS = {
    "dns.nxdomain": "DNS answers saying the site does not exist, while an independent resolver found it",
    "dns.servfail": "DNS failures (SERVFAIL) for the site, while other names resolved",
    "dns.refused": "the network's DNS refusing to answer for the site",
    "dns.timeout": "the network's DNS staying silent for the site, while it answered for other names",
    "dns.no_answer": "empty DNS answers for the site",
    "dns.bogon": "DNS answers pointing to a private address instead of the site's servers",
    "dns.blockpage_ip": "DNS answers pointing to a known block-page server",
    "dns.injection": "forged DNS answers injected on the path, arriving before the real one",
    "dns.inconsistent": "DNS answers that differ from those seen from outside the country",
    "tcp.timeout": "connections to the site's servers timing out, while the control connected",
    "tcp.reset": "connections to the site's servers being cut (reset)",
    "tcp.refused": "connections to the site's servers being refused",
    "tls.reset": "cutting the secure (TLS) connection as soon as the site's name was sent",
    "tls.timeout": "stalling the secure (TLS) connection after the site's name was sent",
    "tls.eof": "closing the secure (TLS) connection after the site's name was sent",
    "tls.mitm": "intercepting the secure connection with a certificate the site does not use",
    "http.blockpage": "a known block page returned instead of the site",
    "http.reset": "cutting the web request (reset)",
    "http.timeout": "stalling the web request",
    "http.eof": "closing the web request without an answer",
    "http.diff": "a page returned that differs from the one fetched from outside",
}


UNWITNESSED = "(by the probes' own clocks: no independent witness vouches for these dates)"

LAB_BANNER = MESSAGES["report_lab_banner"][0]
DO_NOT_CITE = MESSAGES["report_do_not_cite"][0]


@dataclass(frozen=True)
class Network:
    asn: int | None
    name: str | None
    measurements: int
    probes: int
    blocked: int
    vouched: int = 0  # probes vouched for by an invitation
    unverified: int = 0
    # `measurements`, `probes`, `blocked`, `vouched`, `unverified` are of counted measurements (what the
    # timeline rules count); set aside: filed under this network but not counted (bundle_tally)
    set_aside: int = 0

    @property
    def label(self) -> str:
        number = f"AS{self.asn}" if self.asn is not None else "an unknown network"
        return f"{number} ({self.name})" if self.name else number


@dataclass(frozen=True)
class BlockingPeriod:
    domain: str
    asn: int | None
    network: str | None
    method: str | None
    confidence: str | None
    probe_words: str | None  # the probes' own explanation, most common
    began_after: str | None  # the last measurement that got through before
    began_by: str | None  # the first blocked one
    last_seen: str | None
    ended_after: str | None
    ended_by: str | None
    ongoing: bool
    # The same moments as witnessed brackets in plain words (probe.analysis.brackets.say); None when no
    # independent witness vouches for them, and the probes' own clocks are quoted as such.
    began_words: str | None = None
    ended_words: str | None = None
    began_words_km: str | None = None  # the same brackets in Khmer (brackets.say, lang km)
    ended_words_km: str | None = None
    basis: str | None = None  # what the publishing window rested on (basis_words)
    fingerprint: str | None = None  # the blockpage fingerprint the blocked measurements matched, most common
    basis_counts: dict[str, int] | None = None  # the numbers behind `basis`, for other languages

    @property
    def network_label(self) -> str:
        number = f"AS{self.asn}" if self.asn is not None else "an unknown network"
        return f"{number} ({self.network})" if self.network else number

    @property
    def method_words(self) -> str:
        if self.method is None:
            return "an unrecorded method"
        return METHOD_WORDS.get(self.method, self.method)

    @property
    def began(self) -> str:
        if self.began_words:
            if self.began_after:
                return f"began {self.began_words}"
            return f"was already in place when the data begins (first measurement made {self.began_words})"
        if self.began_after:
            return f"began between {when(self.began_after)} and {when(self.began_by)} {UNWITNESSED}"
        return f"was already in place when the data begins (first seen {when(self.began_by)} {UNWITNESSED})"

    @property
    def ended(self) -> str:
        if self.ended_words:
            if self.ongoing:
                return f"was still observed at the last measurement, made {self.ended_words}"
            return f"ended {self.ended_words}"
        if self.ongoing:
            return f"was still observed at the last measurement, {when(self.last_seen)} {UNWITNESSED}"
        return f"ended between {when(self.ended_after)} and {when(self.ended_by)} {UNWITNESSED}"


@dataclass(frozen=True)
class ReportFacts:
    domain: str
    domains: list[str]
    since: datetime | None
    until: datetime | None
    first_at: str | None
    last_at: str | None
    measurements: int
    controls: int
    not_in_log: int
    probes: int
    vouched: int
    unverified: int
    networks: list[Network]
    countries: list[str]
    periods: list[BlockingPeriod]
    windows: dict[str, int]  # day windows by state
    manifest_sha256: str
    origin: str
    checkpoint_size: int
    checkpoint_root: str
    rules_version: str
    created_at: str
    rules: list[str] = field(
        default_factory=lambda: [
            f"a day counts as blocked on a network only when at least {MIN_BLOCKED} measurements found it "
            f"blocked, {METHOD_SHARE:.0%} of them by the same method, and at most "
            f"{MAX_ACCESSIBLE_SHARE:.0%} of all measurements that day reached the site;",
            f"a state is published only from whole days and with a basis: at least {MIN_ATTESTED_PROBES} "
            f"distinct probes whose network the collector attested, or {MIN_VOUCHED_PROBES} vouched probe; "
            "measurements whose network was only claimed, or whose time lies outside its bracket, are "
            "shown but never counted;",
            f"a change (blocked, or no longer blocked) is published only after {PUBLISH_AFTER} consecutive "
            "days in the new state;",
            "a probe's results for a day are set aside when its own control sites failed more than 75 % of "
            "the time (its network, not the site, was the problem).",
        ]
    )
    lab: bool = False  # the measurements were invented (probe.lab.history): not evidence of anything
    hosts: list[tuple[str, int, int]] = field(default_factory=list)  # (host, measurements, found blocked)
    # When the measurements were made, as a witnessed bracket in plain words; None: not witnessed
    tested_words: str | None = None
    tested_words_km: str | None = None  # the same in Khmer
    # The same bracket's two ends (ISO, UTC), each None when not witnessed for every measurement
    witnessed_days: tuple[str | None, ...] = (None, None)
    # Measurements the rules set aside (bundle_tally.set_aside_reason), by reason; not in `measurements`
    set_aside: dict[str, int] = field(default_factory=dict)
    # The bundle's witnesses.json: how many witnesses, the quorum, and whether they are independent
    witnesses: int = 0
    quorum: int = 0
    independent: bool = True

    @property
    def counted_networks(self) -> list[Network]:
        """The networks with counted measurements (all of them when none has any): a title never names a
        network only set-aside measurements were filed under."""
        return [n for n in self.networks if n.measurements] or self.networks

    @property
    def dates_witnessed(self) -> bool:
        """Some date in this report is a bracket independent witnesses vouch for."""
        words = [self.tested_words, *(w for p in self.periods for w in (p.began_words, p.ended_words))]
        return self.witnesses > 0 and self.independent and any(words)

    @property
    def tested(self) -> str:
        if self.tested_words:
            return self.tested_words
        return f"between {when(self.first_at)} and {when(self.last_at)} {UNWITNESSED}"

    @property
    def country(self) -> str:
        names = [COUNTRIES.get(cc, cc) for cc in self.countries]
        return ", ".join(names) if names else "the measured networks"

    @property
    def period_start(self) -> str:
        """The period asked for, else the witnessed first day, else the probes' clocks (marked so)."""
        if self.since:
            return day(self.since.isoformat())
        return (
            day(self.witnessed_days[0]) if self.witnessed_days[0] else f"{day(self.first_at)} (probe clock)"
        )

    @property
    def period_end(self) -> str:
        if self.until:
            return day((self.until - timedelta(seconds=1)).isoformat())
        return (
            day(self.witnessed_days[-1]) if self.witnessed_days[-1] else f"{day(self.last_at)} (probe clock)"
        )

    @property
    def site(self) -> str:
        return ", ".join(self.domains) if self.domains else self.domain

    @property
    def title(self) -> str:
        """What the data shows and no more: the hosts found blocked (not every host measured), on the
        network(s) where they were, and a country only when more than one network is named."""
        if self.periods:
            hosts = sorted({p.domain for p in self.periods})
            asns = sorted({p.asn for p in self.periods}, key=lambda a: a or 0)
            where = (
                next(p.network_label for p in self.periods)
                if len(asns) == 1
                else f"{len(asns)} networks in {self.country}"
            )
            title = f"Blocking of {', '.join(hosts)} on {where}"
        else:
            where = (
                self.counted_networks[0].label
                if len(self.counted_networks) == 1
                else f"{plural(len(self.counted_networks), 'network')} in {self.country}"
            )
            title = f"Measurements of {self.site} on {where}"
        title += f", {self.period_start} to {self.period_end}"
        return f"LAB DATA (not evidence): {title}" if self.lab else title

    @property
    def citation(self) -> str:
        if self.lab:
            return DO_NOT_CITE
        return (
            f'Saksi measurement network, "{self.title}", evidence bundle sha256:{self.manifest_sha256}, '
            f"log checkpoint {self.origin} size {self.checkpoint_size} root {self.checkpoint_root}"
        )

    @property
    def summary(self) -> str:
        """The report's summary sentence (English), as report_doc words it."""
        return next(b.text for b in blocks(self) if b.kind == "summary")


def basis_words(row: dict[str, object]) -> str:
    """The basis of a published change (an event row, probe.analysis.timeline.basis_row), in words."""
    return (
        f"Published on the basis of {plural(int(str(row['probes'])), 'probe')} ({row['probes_vouched']} vouched, "
        f"{row['probes_attested']} with networks attested by the collector): {row['measurements_attested']} "
        f"measurements attested, {row['measurements_observed']} observed from the network; "
        f"{row['measurements_claimed']} whose network was only claimed and {row['measurements_out_of_time']} "
        "outside their time bracket were shown but not counted."
    )


def when(iso: str | None) -> str:
    if not iso:
        return "an unknown time"
    return iso.replace("T", " ").split(".")[0].removesuffix("Z").removesuffix("+00:00")[:16] + " UTC"


def day(iso: str | None) -> str:
    return iso[:10] if iso else "unknown"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_html(facts: ReportFacts, lang: str = "en") -> bytes:
    template = _environment().get_template("report.html.j2")
    return template.render(r=facts, lang=lang, blocks=blocks(facts, lang)).encode()


# --- PDF ---------------------------------------------------------------------------------------------

_LATIN = str.maketrans({"—": "-", "–": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "≥": ">="})


def _latin(text: str) -> str:
    """The PDF's core fonts are Latin-1: replace the few typographic marks we use, drop the rest."""
    return text.translate(_LATIN).encode("latin-1", "replace").decode("latin-1")


class PdfUnavailable(Exception):
    """fpdf2 (the `analysis` extra) is not installed; one sentence."""


def _no_fpdf() -> str:
    return f"report.pdf needs fpdf2: install the analysis extra ({install_extra('analysis')})"


def pdf_problem(lang: str = "en") -> str | None:
    """Why the PDF reports of `lang` cannot be made on this machine (one sentence), or None when they can;
    asked before a bundle's file is opened, so that a missing extra leaves nothing half-written."""
    try:
        import fpdf  # noqa: F401
    except ImportError:
        return _no_fpdf()
    if lang == "km":
        from probe.analysis.report_km import NO_SHAPING, KhmerUnavailable, khmer_font

        try:
            import uharfbuzz  # noqa: F401
        except ImportError:
            return NO_SHAPING
        try:
            khmer_font()
        except KhmerUnavailable as exc:
            return str(exc)
    return None


def render_pdf(facts: ReportFacts, lang: str = "en") -> bytes:
    """The PDF report, from the same blocks as the HTML. fpdf2 is part of the `analysis` extra, so it is
    imported here, not by the collector."""
    try:
        from fpdf import FPDF
    except ImportError:
        raise PdfUnavailable(_no_fpdf()) from None

    pdf = FPDF()
    created = datetime.fromisoformat(facts.created_at.replace("Z", "+00:00"))
    pdf.set_creation_date(created)  # fixed, so the same facts give the same bytes
    pdf.set_author("Saksi measurement network")
    pdf.set_auto_page_break(True, margin=15)
    doc = blocks(facts, lang)
    if lang == "km":
        from probe.analysis.report_km import KhmerPdf

        return KhmerPdf(pdf).render(doc, next(b.text for b in doc if b.kind == "title"))
    pdf.set_title(_latin(facts.title))
    pdf.add_page()
    for b in doc:
        _pdf_block(pdf, b)
    return bytes(pdf.output())


def _pdf_block(pdf: Any, b: Block) -> None:
    def cell(height: float, text: str, **kw: Any) -> None:
        pdf.multi_cell(0, height, _latin(text), new_x="LMARGIN", new_y="NEXT", **kw)

    if b.kind == "lab":
        pdf.set_text_color(180, 0, 0)
        pdf.set_font("helvetica", "B", 12)
        cell(6, b.text, border=1)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(3)
    elif b.kind == "title":
        pdf.set_font("helvetica", "B", 16)
        cell(8, b.text)
    elif b.kind == "heading":
        pdf.ln(3)
        pdf.set_font("helvetica", "B", 13)
        cell(7, b.text)
    elif b.kind == "bullet":  # indented, with no mark of its own: the text is the HTML's, word for word
        pdf.set_font("helvetica", "", 10)
        pdf.set_x(pdf.l_margin + 5)
        pdf.multi_cell(0, 5, _latin(b.text), new_x="LMARGIN", new_y="NEXT")
    elif b.kind == "mono":
        pdf.set_font("courier", "", 8)
        cell(4, b.text)
        pdf.ln(1)
    elif b.kind == "table":
        pdf.set_font("helvetica", "", 9)
        # the first column (a network's or a host's name) wide enough for one line, so text reads in order
        # and each number's column as wide as its heading needs, so no heading wraps
        widths = (3.2, *(max(1.0, len(heading) / 8) for heading in b.rows[0][1:]))
        with pdf.table(first_row_as_headings=True, line_height=5, col_widths=widths) as table:
            for row in b.rows:
                line = table.row()
                for value in row:
                    line.cell(_latin(value))
        pdf.ln(1)
    else:  # summary, para, muted
        pdf.set_font("helvetica", "", 9 if b.kind == "muted" else 10)
        cell(5, b.text)
        pdf.ln(1)


PROVES = [
    "Each measurement is signed by a probe's key: the signature proves which key produced the record and that "
    "nobody changed a byte of it since.",
    "The collector's signed receipt and the public log prove the record was received no later than the "
    "checkpoint.",  # report_doc adds what the bundle's witnesses vouch for (witness_words)
    "A signature does not prove the measurement is true: a volunteer's device, or a fake probe, can lie. "
    "That is why this report counts distinct probes and networks, labels each probe's enrolment tier, and "
    "requires corroboration by several measurements and probes before it says 'blocked'.",
    "A probe key is a pseudonym: it does not identify the volunteer, and the bundle holds no IP address.",
    "'Accessible' results show an absence of evidence, not proof of access: a censor could let known probes "
    "through.",
]
