"""The plain-language report of an evidence bundle, as HTML (Jinja2) and PDF (fpdf2), from the same facts.

Written for journalists and courts: what was measured, from how many probes on which networks, what was
observed, what it does and does not prove, a suggested citation, and how to check it. Pure: no I/O, no
clock; the same facts give the same bytes. The PDF is drawn from the facts, not converted from the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import jinja2

from probe.analysis.rules import MAX_ACCESSIBLE_SHARE, METHOD_SHARE, MIN_BLOCKED, MIN_PROBES, PUBLISH_AFTER
from probe.analysis.wording import install_extra

TEMPLATES = Path(__file__).parent / "templates"

COUNTRIES = {"KH": "Cambodia", "TH": "Thailand", "VN": "Vietnam", "LA": "Laos", "MM": "Myanmar"}

# Each blocking method in words a reader without networking knowledge can follow.
METHOD_WORDS = {
    "dns.nxdomain": "the network's DNS said the site does not exist, while an independent resolver found it",
    "dns.servfail": "the network's DNS failed to answer for the site (SERVFAIL), while other names resolved",
    "dns.refused": "the network's DNS refused to answer for the site",
    "dns.timeout": "the network's DNS did not answer for the site, while it answered for other names",
    "dns.no_answer": "the network's DNS gave an empty answer for the site",
    "dns.bogon": "DNS answers pointing to a private address instead of the site's servers",
    "dns.blockpage_ip": "DNS answers pointing to a known block-page server",
    "dns.injection": "forged DNS answers injected on the path, arriving before the real one",
    "dns.inconsistent": "DNS answers that differ from those seen from outside the country",
    "tcp.timeout": "connections to the site's servers timed out, while the control connected",
    "tcp.reset": "connections to the site's servers were cut (reset)",
    "tcp.refused": "connections to the site's servers were refused",
    "tls.reset": "the secure (TLS) connection was cut as soon as the site's name was sent",
    "tls.timeout": "the secure (TLS) connection stalled after the site's name was sent",
    "tls.eof": "the secure (TLS) connection was closed after the site's name was sent",
    "tls.mitm": "the secure connection was intercepted with a certificate the site does not use",
    "http.blockpage": "the page returned was a known block page",
    "http.reset": "the web request was cut (reset)",
    "http.timeout": "the web request stalled",
    "http.eof": "the web request was closed without an answer",
    "http.diff": "the page returned differs from the one fetched from outside",
}

VERIFY_MD = """# Verifying this evidence bundle offline

Everything needed is in this zip; no network is used. Unzip it and work in its folder.

## With the Saksi tool

The `probe` command is not published on PyPI: install it from the source repository or the wheel that
whoever published this bundle points you to, for example

    pip install ./saksi_probe-<version>-py3-none-any.whl    # or: pip install 'git+<repository URL>'
    probe verify bundle.zip --log-key '<the collector's published verifier key>'

It checks every file's SHA-256 against MANIFEST.json, the collector's signature over MANIFEST.json and
the reports (SIGNATURE.json), the checkpoint's signature (checkpoint.txt, by the key in log-key.txt),
every measurement's signature by its probe key (keys/), every receipt's signature by the collector,
that each receipt names the measurement's SHA-256, that each log statement says what the receipt says,
every inclusion proof against the checkpoint's root, and it recomputes timeline.csv, timeline.json and
events.json from the signed measurements with the same rules. It prints a summary and exits 1, naming
the file and the check, if any byte anywhere was changed. It says LAB DATA when the measurements were
invented for testing (`probe collector demo-data`): such a bundle is not evidence of anything.

The trust anchor is the collector's key: compare the line in log-key.txt with the one the project
publishes (GET /api/v1/log/key on the collector, and elsewhere), or pass it with --log-key.

## By hand: openssl 3, jq, sha256sum, and a short Python script

openssl checks every signature; a Merkle inclusion proof needs the short script in step 4 (Python 3,
standard library only). Temporary files go to a fresh temporary directory, never into this folder:

```sh
T=$(mktemp -d)
```

### 1. The collector's key and the signed checkpoint

```sh
cat log-key.txt   # <name>+<key hash>+<key>: compare with the collector's published key
# collector.pub.pem is the key in log-key.txt: both lines print the same 32 bytes
openssl pkey -pubin -in collector.pub.pem -outform DER | tail -c 32 | base64
cut -d+ -f3- log-key.txt | base64 -d | tail -c 32 | base64
# checkpoint.txt is a C2SP signed note. The signed text is every line before the blank line (the log's
# name, the tree size, the root hash), each with its newline; the signature line is
# "— <name> base64(4-byte key hash || Ed25519 signature)".
NAME=$(cut -d+ -f1 log-key.txt)
awk '/^$/ {exit} {print}' checkpoint.txt > "$T/checkpoint.text"
grep "^— $NAME " checkpoint.txt | awk '{print $NF}' | base64 -d | tail -c +5 > "$T/checkpoint.sig"
openssl pkeyutl -verify -pubin -inkey collector.pub.pem -rawin -in "$T/checkpoint.text" \\
  -sigfile "$T/checkpoint.sig"
sed -n 2p checkpoint.txt   # the tree size
sed -n 3p checkpoint.txt   # the root hash every inclusion proof must reach
```

### 2. The bundle's signature and every file

A DSSE envelope is checked by rebuilding the bytes that were signed (its PAE) and verifying the
signature on them; this function leaves the signed payload in `$T/payload`:

```sh
dsse() {  # dsse ENVELOPE.json KEY.pem
  TYPE=$(jq -r .payloadType "$1")
  jq -r .payload "$1" | base64 -d > "$T/payload"
  jq -r '.signatures[0].sig' "$1" | base64 -d > "$T/sig"
  { printf 'DSSEv1 %d %s %d ' ${#TYPE} "$TYPE" "$(stat -c %s "$T/payload")"; cat "$T/payload"; } > "$T/pae"
  openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$T/pae" -sigfile "$T/sig"
}
dsse SIGNATURE.json collector.pub.pem
jq -r .manifest_sha256 "$T/payload"   # the hash the collector signed ...
sha256sum MANIFEST.json               # ... equals MANIFEST.json's; the reports' hashes are in $T/payload
jq -r '.files | to_entries[] | "\\(.value.sha256)  \\(.key)"' MANIFEST.json | sha256sum -c --quiet \\
  && echo "every file matches MANIFEST.json"
```

### 3. One measurement

```sh
M=measurements/<uid>
dsse "$M/envelope.json" "keys/$(jq -r '.signatures[0].keyid' "$M/envelope.json").pem"
sha256sum "$T/payload"   # equals payload_sha256 in the receipt and in proof.json's statement
dsse "$M/receipt.json" collector.pub.pem
jq -r '.payload_sha256, .key_id, .received_at, .observed_asn' "$T/payload"   # proof.json's statement
```

### 4. Its inclusion proof in the log

openssl cannot check a Merkle proof. Save this as `$T/inclusion.py` and run
`python3 "$T/inclusion.py" "$M/proof.json" checkpoint.txt`: it hashes the statement as the log's leaf
(RFC 6962: SHA-256 of 0x00 and the statement's RFC 8785 bytes, which for this statement of plain strings
and a number are its keys sorted, without spaces) and climbs the proof as RFC 9162 section 2.1.3.2 says,
up to the root on the third line of checkpoint.txt.

```python
import base64, hashlib, json, sys
doc, note = json.load(open(sys.argv[1])), open(sys.argv[2], encoding="utf-8").read().split("\\n")
statement, proof = doc["statement"], doc["inclusion"]
leaf = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
r, fn, sn = hashlib.sha256(b"\\0" + leaf).digest(), proof["leaf_index"], proof["tree_size"] - 1
for p in (base64.b64decode(h) for h in proof["hashes"]):
    if sn == 0:
        sys.exit("inclusion FAILED: the proof is too long")
    if fn & 1 or fn == sn:
        r = hashlib.sha256(b"\\1" + p + r).digest()
        while fn and not fn & 1:
            fn, sn = fn >> 1, sn >> 1
    else:
        r = hashlib.sha256(b"\\1" + r + p).digest()
    fn, sn = fn >> 1, sn >> 1
ok = sn == 0 and r == base64.b64decode(note[2]) and proof["tree_size"] == int(note[1])
print("inclusion OK" if ok else "inclusion FAILED")
sys.exit(0 if ok else 1)
```

The timeline and events files are recomputed from the signed measurements by `probe verify` only.
"""


LAB_BANNER = (
    "LAB DATA — invented by `probe collector demo-data`; NOT evidence of anything. Every measurement in "
    "this bundle was made up for testing: do not cite it, publish it or rely on it."
)
DO_NOT_CITE = "Do not cite: this bundle holds lab data invented for testing, not measurements of anything."


@dataclass(frozen=True)
class Network:
    asn: int | None
    name: str | None
    measurements: int
    probes: int
    blocked: int

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
        if self.began_after:
            return f"began between {when(self.began_after)} and {when(self.began_by)}"
        return f"was already in place when the data begins (first seen {when(self.began_by)})"

    @property
    def ended(self) -> str:
        if self.ongoing:
            return f"still observed at the last measurement, {when(self.last_seen)}"
        return f"ended between {when(self.ended_after)} and {when(self.ended_by)}"


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
            f"blocked, from at least {MIN_PROBES} distinct probes (or one probe in 3 separate hours), "
            f"{METHOD_SHARE:.0%} of them by the same method, and at most {MAX_ACCESSIBLE_SHARE:.0%} of "
            "all measurements that day reached the site;",
            f"a change (blocked, or no longer blocked) is published only after {PUBLISH_AFTER} consecutive "
            "days in the new state;",
            "a probe's results for a day are set aside when its own control sites failed more than 75 % of "
            "the time (its network, not the site, was the problem).",
        ]
    )
    lab: bool = False  # the measurements were invented (probe.lab.history): not evidence of anything

    @property
    def country(self) -> str:
        names = [COUNTRIES.get(cc, cc) for cc in self.countries]
        return ", ".join(names) if names else "the measured networks"

    @property
    def period_start(self) -> str:
        return day(self.since.isoformat()) if self.since else day(self.first_at)

    @property
    def period_end(self) -> str:
        if self.until:
            return day((self.until - timedelta(seconds=1)).isoformat())
        return day(self.last_at)

    @property
    def site(self) -> str:
        return ", ".join(self.domains) if self.domains else self.domain

    @property
    def title(self) -> str:
        what = "Blocking" if self.periods else "Measurements"
        title = f"{what} of {self.site} in {self.country}, {self.period_start} to {self.period_end}"
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
        nets = len(self.networks)
        blocked_nets = len({p.asn for p in self.periods})
        head = (
            f"{self.measurements} measurements of {self.site} from {self.probes} probes on {nets} "
            f"network{'s' if nets != 1 else ''} between {self.period_start} and {self.period_end}."
        )
        if blocked_nets:
            return head + f" Blocking was observed and corroborated on {blocked_nets} of them."
        return head + " No corroborated blocking was observed."


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


def render_html(facts: ReportFacts) -> bytes:
    template = _environment().get_template("report.html.j2")
    return template.render(r=facts, proves=PROVES, verify_md=VERIFY_MD, lab_banner=LAB_BANNER).encode()


# --- PDF ---------------------------------------------------------------------------------------------

_LATIN = str.maketrans({"—": "-", "–": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "≥": ">="})


def _latin(text: str) -> str:
    """The PDF's core fonts are Latin-1: replace the few typographic marks we use, drop the rest."""
    return text.translate(_LATIN).encode("latin-1", "replace").decode("latin-1")


class PdfUnavailable(Exception):
    """fpdf2 (the `analysis` extra) is not installed; one sentence."""


def render_pdf(facts: ReportFacts) -> bytes:
    """The PDF report. fpdf2 is part of the `analysis` extra, so it is imported here, not by the collector."""
    try:
        from fpdf import FPDF
    except ImportError:
        raise PdfUnavailable(
            f"report.pdf needs fpdf2: install the analysis extra ({install_extra('analysis')})"
        ) from None

    class _Pdf(FPDF):
        def heading(self, text: str) -> None:
            self.ln(3)
            self.set_font("helvetica", "B", 13)
            self.multi_cell(0, 7, _latin(text), new_x="LMARGIN", new_y="NEXT")
            self.set_font("helvetica", "", 10)

        def para(self, text: str, *, mono: bool = False) -> None:
            self.set_font("courier" if mono else "helvetica", "", 8 if mono else 10)
            self.multi_cell(0, 4 if mono else 5, _latin(text), new_x="LMARGIN", new_y="NEXT")
            self.set_font("helvetica", "", 10)
            self.ln(1)

        def bullet(self, text: str) -> None:
            self.multi_cell(0, 5, _latin("- " + text), new_x="LMARGIN", new_y="NEXT")

    pdf = _Pdf()
    created = datetime.fromisoformat(facts.created_at.replace("Z", "+00:00"))
    pdf.set_creation_date(created)  # fixed, so the same facts give the same bytes
    pdf.set_title(_latin(facts.title))
    pdf.set_author("Saksi measurement network")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    if facts.lab:
        pdf.set_text_color(180, 0, 0)
        pdf.set_font("helvetica", "B", 14)
        pdf.multi_cell(0, 7, _latin(LAB_BANNER), border=1, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(3)
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 8, _latin(facts.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 10)
    pdf.para(facts.summary)

    pdf.heading("What was measured")
    pdf.para(
        f"The site {facts.site} was tested {facts.measurements} times between {when(facts.first_at)} and "
        f"{when(facts.last_at)} by {facts.probes} probes (distinct signing keys): {facts.vouched} vouched "
        f"for by an invitation, {facts.unverified} unverified (enrolled without one). A probe's key changes "
        f"with each network and each quarter of the year. {facts.controls} measurements of control sites "
        "by the same probes are included, because the rules use them."
    )
    if facts.not_in_log:
        pdf.para(
            f"{facts.not_in_log} further measurements in this period had been received but were not yet in "
            "the signed log at this checkpoint; they are left out of this bundle."
        )
    pdf.heading("Networks")
    for n in facts.networks:
        pdf.bullet(
            f"{n.label}: {n.measurements} measurements from {n.probes} probes, {n.blocked} found the site blocked"
        )

    pdf.heading("What was observed")
    if not facts.periods:
        pdf.para("No period of corroborated blocking was observed under the rules below.")
    for p in facts.periods:
        pdf.para(
            f"{p.domain} on {p.network_label}: blocked by {p.method_words} ({p.confidence or 'likely'}). "
            f"The blocking {p.began}; {p.ended}."
            + (f' The probes reported: "{p.probe_words}"' if p.probe_words else "")
        )
    pdf.para("How measurements become a finding (timeline rules " + facts.rules_version + "):")
    for rule in facts.rules:
        pdf.bullet(rule)

    pdf.heading("What this does and does not prove")
    for line in PROVES:
        pdf.bullet(line)

    pdf.heading("Citation: do not cite" if facts.lab else "Suggested citation")
    pdf.para(facts.citation, mono=not facts.lab)

    pdf.heading("How to verify")
    pdf.para(
        "Everything needed is in the bundle; no network is used. Run `probe verify bundle.zip` (compare the "
        "collector key in log-key.txt with the one the project publishes), or follow VERIFY.md with openssl "
        "and a short script. Any changed byte in any file makes verification fail and name the file."
    )
    pdf.para(
        f"Bundle: MANIFEST.json sha256:{facts.manifest_sha256}. Log checkpoint: {facts.origin}, size "
        f"{facts.checkpoint_size}, root {facts.checkpoint_root}"
    )
    return bytes(pdf.output())


PROVES = [
    "Each measurement is signed by a probe's key: the signature proves which key produced the record and that "
    "nobody changed a byte of it since.",
    "The collector's signed receipt and the public log prove the record was received no later than the "
    "checkpoint, and that the collector cannot remove or back-date it without publishing a contradictory "
    "checkpoint.",
    "A signature does not prove the measurement is true: a volunteer's device, or a fake probe, can lie. "
    "That is why this report counts distinct probes and networks, labels each probe's enrolment tier, and "
    "requires corroboration by several measurements and probes before it says 'blocked'.",
    "A probe key is a pseudonym: it does not identify the volunteer, and the bundle holds no IP address.",
    "'Accessible' results show an absence of evidence, not proof of access: a censor could let known probes "
    "through.",
]
