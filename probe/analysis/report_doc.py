"""The report as one document: a list of blocks (heading, paragraph, bullet, table, ...) made once from
the facts, which report.html and report.pdf both render, so the two say the same words (a test compares
the PDF's extracted text with the HTML's). Nothing here decides a fact: probe.analysis.report does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from probe.analysis.wording import plural

if TYPE_CHECKING:
    from probe.analysis.report import ReportFacts

Kind = Literal["lab", "title", "summary", "heading", "para", "bullet", "table", "mono", "muted"]


@dataclass(frozen=True)
class Block:
    kind: Kind
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()  # a table: its header row first


def blocks(r: ReportFacts) -> list[Block]:
    """Every word of the report, in order."""
    from probe.analysis.report import LAB_BANNER, PROVES

    out: list[Block] = []
    if r.lab:
        out.append(Block("lab", LAB_BANNER))
    out += [Block("title", r.title), Block("summary", r.summary), Block("heading", "What was measured")]
    out.append(
        Block(
            "para",
            f"The site {r.site} was tested {plural(r.measurements, 'time')} by {plural(r.probes, 'probe')} "
            f"(distinct signing keys): {r.vouched} vouched for by an invitation, {r.unverified} unverified "
            f"(enrolled without one). The measurements were made {r.tested}. A probe's key changes with each "
            "network and each quarter of the year, so one volunteer may count as more than one probe. "
            f"{plural(r.controls, 'measurement')} of control sites by the same probes are included, because "
            "the rules use them.",
        )
    )
    if r.not_in_log:
        out.append(
            Block(
                "para",
                f"{plural(r.not_in_log, 'further measurement')} in this period had been received but were not "
                "yet in the signed log at this checkpoint; they are left out of this bundle.",
            )
        )
    out.append(Block("heading", "Networks"))
    out.append(
        Block(
            "table",
            rows=(
                ("Network", "Measurements", "Probes", "Vouched", "Unverified", "Found blocked"),
                *(
                    (
                        n.label,
                        str(n.measurements),
                        str(n.probes),
                        str(n.vouched),
                        str(n.unverified),
                        str(n.blocked),
                    )
                    for n in r.networks
                ),
            ),
        )
    )
    if len(r.hosts) > 1:
        out.append(Block("heading", "Hosts"))
        out.append(
            Block(
                "table",
                rows=(
                    ("Host", "Measurements", "Found blocked"),
                    *((h, str(n), str(b)) for h, n, b in r.hosts),
                ),
            )
        )
    out.append(Block("heading", "What was observed"))
    if not r.periods:
        out.append(Block("para", "No period of corroborated blocking was observed under the rules below."))
    for p in r.periods:
        text = (
            f"{p.domain} on {p.network_label}: blocked by {p.method_words} ({p.confidence or 'likely'})"
            + (f", matching the blockpage fingerprint {p.fingerprint}" if p.fingerprint else "")
            + f". The blocking {p.began}; {p.ended}."
            + (f" {p.basis}" if p.basis else "")
            + (f' The probes reported: "{p.probe_words}"' if p.probe_words else "")
        )
        out.append(Block("para", text))
    out.append(Block("para", f"How measurements become a finding (timeline rules {r.rules_version}):"))
    out += [Block("bullet", rule) for rule in r.rules]
    windows = ", ".join(f"{state} {n}" for state, n in r.windows.items())
    out.append(
        Block(
            "muted",
            f"Day windows by state: {windows}. The full timeline is in timeline.csv and the published "
            "changes, with the measurements that bound each date, in events.json.",
        )
    )
    out.append(Block("heading", "What this does and does not prove"))
    out += [Block("bullet", line) for line in PROVES]
    out.append(Block("heading", "Citation: do not cite" if r.lab else "Suggested citation"))
    out.append(Block("lab" if r.lab else "mono", r.citation))
    out.append(Block("heading", "How to verify"))
    out.append(
        Block(
            "para",
            "Everything needed is in the bundle; no network is used. Run probe verify bundle.zip (and compare "
            "the collector key in log-key.txt with the one the project publishes), or follow VERIFY.md with "
            "openssl and a short Python script. Any changed byte in any file makes verification fail and "
            "name the file.",
        )
    )
    out.append(
        Block(
            "muted",
            f"Bundle: MANIFEST.json sha256:{r.manifest_sha256}. Log checkpoint: {r.origin}, size "
            f"{r.checkpoint_size}, root {r.checkpoint_root}. The collector's own clock signed that checkpoint "
            f"at {r.created_at}; only the witnessed brackets above are dates you can rely on.",
        )
    )
    return out
