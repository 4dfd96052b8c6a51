"""What a bundle's verification found (`probe.analysis.bundle_verify`), check by check, and the summary
`probe verify bundle.zip` prints from it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from probe.analysis.provenance import LAB_SOFTWARE_VERSION
from probe.lab.history import LAB_WITNESS_NAME

CHECKS = {
    "log-key": "the collector's key (log-key.txt, collector.pub.pem)",
    "bundle-signature": "the collector's signature over MANIFEST.json and the reports",
    "manifest": "every file's SHA-256 against MANIFEST.json; none missing, none added",
    "checkpoint": "the checkpoint's signature by the log key",
    "keys": "the probes' public keys",
    "signature": "every measurement's signature by its probe key",
    "measurement": "every payload is a measurement of this bundle",
    "receipt": "every receipt's signature by the collector, naming the payload's SHA-256",
    "statement": "every log statement says what its receipt says",
    "inclusion": "every inclusion proof against the checkpoint's root",
    "timeline": "timeline.csv and timeline.json recomputed from the payloads",
    "events": "events.json recomputed from the payloads",
}
# The dates (probe.analysis.bundle_dates_verify): a failure fails the bundle; an unwitnessed bundle is
# "not checked" here, which the summary says loudly, but its signatures and proofs still verify.
DATE_CHECKS = {
    "consistency": "every checkpoint given is consistent with checkpoint.txt (no fork)",
    "witness": "the witnesses' cosignatures (cosignature/v1) on the checkpoints",
    "brackets": "every measurement's witnessed time bracket (brackets.json)",
}
# The verdicts recomputed (probe.classify.recheck): a different verdict fails the bundle; one that cannot be
# recomputed (lab data, other rules) is "not checked", with the reason.
VERDICT_CHECKS = {"verdict": "every verdict recomputed from its signed observations, with its rules version"}
MAX_FAILURES_KEPT = 200


@dataclass(frozen=True)
class Failure:
    file: str
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.check}: {self.message}"


@dataclass
class Results:
    """Checks passed and failed; a Summary, or one worker's share of the measurements."""

    failures: list[Failure] = field(default_factory=list)
    failed_count: Counter[str] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)  # check -> items that passed
    skipped: Counter[str] = field(default_factory=Counter)  # check -> items not checked (an earlier failure)
    skip_reasons: dict[str, str] = field(default_factory=dict)  # check -> why (the first reason given)
    # each verified measurement: (uid, ASN, network evidence, time bracket start, receipt time, inside)
    measured: list[tuple[str, int | None, str, str | None, str, bool]] = field(default_factory=list)

    def fail(self, file: str, check: str, message: str) -> None:
        self.failed_count[check] += 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(Failure(file, check, message))

    def skip(self, check: str, because: str) -> None:
        """The check could not be performed because an earlier one failed: not a failure of its own."""
        self.skipped[check] += 1
        self.skip_reasons.setdefault(check, because)

    def merge(self, other: Results) -> None:
        self.failed_count.update(other.failed_count)
        self.passed.update(other.passed)
        self.skipped.update(other.skipped)
        for check, because in other.skip_reasons.items():
            self.skip_reasons.setdefault(check, because)
        self.failures.extend(other.failures[: max(0, MAX_FAILURES_KEPT - len(self.failures))])
        self.measured.extend(other.measured)


@dataclass
class Summary(Results):
    path: str = ""
    measurements: int = 0
    controls: int = 0
    context: int = 0  # measurements from before `since`, bundled only to date the events (bundle_files.in_context, bundle_context)
    probes: int = 0
    tiers: Counter[str] = field(default_factory=Counter)
    networks: list[int | None] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    first_at: str | None = None
    last_at: str | None = None
    origin: str | None = None
    checkpoint_size: int | None = None
    checkpoint_root: str | None = None
    manifest_sha256: str | None = None
    log_key: str | None = None
    log_key_from_user: bool = False
    witness_keys: list[str] = field(default_factory=list)
    witness_keys_from_user: bool = False
    quorum: int = 1
    event_dates: list[str] = field(default_factory=list)  # each event with its witnessed bracket
    events: int = 0
    blocking_events: int = 0
    elapsed_s: float = 0.0
    lab_measurements: int = 0  # payloads that are lab data (probe.lab.history), found in the payloads
    lab_flag: bool = False  # MANIFEST.json's lab_data
    evidence: Counter[str] = field(default_factory=Counter)  # measurements by the receipts' network evidence
    out_of_time: int = 0  # measurements whose started_at lies outside the receipt's time bracket

    @property
    def lab_data(self) -> bool:
        """Invented measurements: from the payloads themselves, or the manifest's flag."""
        return self.lab_measurements > 0 or self.lab_flag

    @property
    def ok(self) -> bool:
        return (
            not self.failed_count
            and not any(self.skipped[c] for c in CHECKS)
            and all(self.passed[c] for c in CHECKS)
        )

    @property
    def witnessed(self) -> bool:
        """Dates vouched for by at least one witness that is not demo-data's throwaway lab witness."""
        real = [k for k in self.witness_keys if not is_lab_witness(k)]
        return bool(real) and self.passed["witness"] > 0 and not self.failed_count["witness"]

    def check_ok(self, check: str) -> bool:
        return self.failed_count[check] == 0

    def not_checked(self, check: str) -> str | None:
        """Why `check` was not (wholly) performed, or None when it was."""
        if self.skipped[check] or not (self.passed[check] or self.failed_count[check]):
            return self.skip_reasons.get(check, "an earlier check failed")
        return None

    def ordered_failures(self) -> list[Failure]:
        """The failures in the order of the checks; files merely added to the zip last."""
        order = {name: i for i, name in enumerate({**CHECKS, **DATE_CHECKS})}
        return sorted(
            self.failures, key=lambda f: (f.message.endswith("it was added"), order.get(f.check, len(order)))
        )

    def failed_files(self, check: str | None = None) -> set[str]:
        return {f.file for f in self.failures if check is None or f.check == check}


def lab_line(s: Summary) -> str | None:
    """The loud line for lab data, or None."""
    if not s.lab_data:
        return None
    if s.lab_measurements:
        found = (
            f"{s.lab_measurements} measurement(s) in this bundle were invented by `probe collector demo-data`"
            f" (software.version {LAB_SOFTWARE_VERSION})"
        )
        if not s.lab_flag:
            found += ", although MANIFEST.json does not say so"
    else:
        found = "MANIFEST.json says this bundle holds data invented by `probe collector demo-data`"
    return f"LAB DATA: {found}; it is not evidence of anything"


def is_lab_witness(vkey: str) -> bool:
    return vkey.split("+", 1)[0] == LAB_WITNESS_NAME


def trust_lines(s: Summary) -> list[str]:
    """Which keys this verification trusted, plainly."""
    if s.witness_keys:
        origin = "given with --witness-key" if s.witness_keys_from_user else "FROM THE BUNDLE ITSELF"
        lines = [
            f"witness      {k} ({origin})"
            + (" LAB WITNESS: a throwaway of demo-data, not independent" if is_lab_witness(k) else "")
            for k in s.witness_keys
        ]
        lines.append(
            f"policy       {s.quorum} of {len(s.witness_keys)} witness{'es' if len(s.witness_keys) != 1 else ''}"
        )
    else:
        lines = ["witness      none: no independent witness cosigned these checkpoints"]
    if not s.log_key_from_user or not s.witness_keys_from_user:
        lines.append(
            "trust        this bundle vouches for itself: the keys marked FROM THE BUNDLE ITSELF came in the "
            "same zip; compare them with keys published elsewhere (--log-key, --witness-key)"
        )
    return lines


def evidence_words(s: Summary) -> str:
    """How the collector knew the measurements' networks and times, as its receipts sign it: only attested
    and observed ones inside their time bracket count in the timeline (docs/evidence.md)."""
    known = ("attested", "observed", "claimed")
    parts = [f"{s.evidence.get(k, 0)} {k}" for k in known]
    unknown = sum(n for k, n in s.evidence.items() if k not in known)
    if unknown:
        parts.append(f"{unknown} not recorded (receipts from before 2026-12)")
    return f"networks {', '.join(parts)}; {s.out_of_time} outside their time bracket"


def each_measurement(s: Summary) -> list[str]:
    """One line per verified measurement: its network evidence and time bracket, as its receipt signs."""
    lines = []
    for uid, asn, evidence, earliest, received, inside in sorted(s.measured):
        where = "inside" if inside else "OUTSIDE (not counted)"
        network = f"AS{asn}" if asn is not None else "AS?"
        lines.append(f"  {uid} {network} {evidence:<8} time [{earliest or '?'}, {received}] {where}")
    return lines


def describe(s: Summary) -> list[str]:
    """The summary `probe verify` prints, one line each."""
    tiers = ", ".join(f"{n} {t}" for t, n in sorted(s.tiers.items())) or "none"
    nets = ", ".join(f"AS{a}" for a in s.networks) or "none"
    lab = lab_line(s)
    lines = [
        *([lab] if lab else []),
        f"bundle       {s.path}",
        f"site         {', '.join(s.domains) or 'none'}",
        f"measurements {s.measurements} (+ {s.controls} control measurements by the same probes"
        + (f", + {s.context} earlier ones, before the period, that date its events)" if s.context else ")"),
        f"probes       {s.probes} ({tiers})",
        f"networks     {len(s.networks)}: {nets}",
        f"period       {s.first_at or '?'} to {s.last_at or '?'}",
        f"evidence     {evidence_words(s)}",
        f"events       {s.events} published state changes, {s.blocking_events} of them to blocked",
        f"checkpoint   {s.origin} size {s.checkpoint_size} root {s.checkpoint_root}"
        if s.checkpoint_size is not None
        else "checkpoint   unknown: checkpoint.txt could not be read",
        f"manifest     sha256:{s.manifest_sha256}"
        if s.manifest_sha256
        else "manifest     unknown: MANIFEST.json could not be read",
        f"collector    {s.log_key} ({'given with --log-key' if s.log_key_from_user else 'FROM THE BUNDLE ITSELF'})"
        if s.log_key
        else "collector    unknown: log-key.txt could not be read",
        *trust_lines(s),
        *s.event_dates,
    ]
    for name, what in {**CHECKS, **VERDICT_CHECKS, **DATE_CHECKS}.items():
        why = s.not_checked(name)
        mark = "✗" if not s.check_ok(name) else "–" if why is not None else "✓"
        count = f" ({s.passed[name]})" if s.passed[name] > 1 else ""
        failed = f", {s.failed_count[name]} FAILED" if s.failed_count[name] else ""
        skipped = f", {s.skipped[name] or 'all'} not checked (because {why})" if why is not None else ""
        if why is not None and not (s.passed[name] or s.failed_count[name]):
            skipped = f": not checked (because {why})"
        if name in ("witness", "brackets") and mark == "✓" and not s.witnessed:
            # the cosignatures verify, but no independent witness made them: no tick that reads as one
            mark, skipped = "–", f"{skipped}: {unwitnessed_words(s)}"
        lines.append(f"{mark} {name:<17}{what}{count}{failed}{skipped}")
    return lines  # the lab line once, first: the verdict line repeats "lab data: not evidence"


def unwitnessed_words(s: Summary) -> str:
    """Why the dates are not witnessed, from the bundle's witnesses and their checks."""
    if not s.witness_keys:
        return "no witness cosigned these checkpoints; the dates rest on the collector's and the probes' clocks alone"
    if all(is_lab_witness(k) for k in s.witness_keys):
        return (
            "only demo-data's throwaway lab witness cosigned, which is not independent; the dates rest on the "
            "collector's and the probes' clocks alone"
        )
    return "no trusted witness cosigned a checkpoint these dates rest on; they rest on the collector's word alone"
