"""A stored verdict recomputed from the signed observations it rests on: what `probe verify` uses to say
whether a measurement's verdict follows from its own evidence under the rules version it names.

The signature proves who wrote a verdict, not that the rules gave it. Recomputing closes that gap for
anyone holding the record: the same observations and control answer, through `classify`, must give the
same outcome, method, confidence, rule id and fingerprint. It can only be done with the rules this
verifier has (RULES_VERSION): a measurement naming another version is reported as not recomputed, never as
agreeing. Every classifier setting that can change a verdict is either in the record or named by the
verdict: a probe's own bogon ranges are recorded (Measurement.classifier, absent when they are the
defaults) and used here; its own fingerprint list is not, so the verifier uses the shipped one, and a
fingerprint a verdict names that is unknown to it is "not recomputed", not a lie.
Pure: no I/O beyond reading the shipped fingerprint files once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from probe.analysis.provenance import is_lab_payload
from probe.classify.context import Context, bogon_ranges_of
from probe.classify.fingerprints import FingerprintSet
from probe.classify.rules import RULES_VERSION
from probe.classify.verdict import classify
from probe.models.measurement import Measurement
from probe.models.verdict import Verdict

COMPARED = ("outcome", "method", "confidence", "rule_id", "fingerprint")


@dataclass(frozen=True)
class Recheck:
    """`agrees`: True (the same verdict), False (a different one), None (not recomputed: `message` says why)."""

    agrees: bool | None
    message: str
    recomputed: Verdict | None = None


@cache
def _shipped() -> tuple[FingerprintSet, frozenset[str]]:
    from probe.lists.builtin import builtin_fingerprints

    shipped = builtin_fingerprints()
    return FingerprintSet(shipped), frozenset(f.name for f in shipped)


def _words(v: Verdict) -> str:
    how = f" ({v.method}, {v.confidence})" if v.method else ""
    fp = f", fingerprint {v.fingerprint}" if v.fingerprint else ""
    return f"{v.outcome}{how} by rule {v.rule_id}{fp}"


def recheck(m: Measurement) -> Recheck:
    """Recompute `m.verdict` from `m.observations` and its control answer (module docstring)."""
    if is_lab_payload(m):
        return Recheck(None, "lab data: the verdict was invented, not derived from observations")
    if m.rules_version != RULES_VERSION:
        return Recheck(
            None,
            f"the verdict names rules {m.rules_version}; this verifier has rules {RULES_VERSION} only, so it "
            "cannot recompute it (use a Saksi release with those rules)",
        )
    fingerprints, names = _shipped()
    stored = m.verdict
    try:
        ranges = bogon_ranges_of(m)
    except ValueError:
        return Recheck(False, "its recorded classifier.bogon_ranges are not networks in CIDR form")
    ctx = Context(fingerprints=fingerprints, bogon_ranges=ranges, probe_asn=m.probe.asn)
    control = m.control.response if m.control else None
    try:
        again = classify(
            m.target.url,
            m.observations,
            control,
            ctx,
            incomplete=stored.rule_id == "inconclusive.incomplete",
        )
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        return Recheck(False, f"its observations cannot be classified ({type(exc).__name__})")
    same = all(getattr(again, f) == getattr(stored, f) for f in COMPARED)
    if same:
        return Recheck(True, f"recomputed with rules {RULES_VERSION}: {_words(again)}", again)
    if stored.fingerprint and stored.fingerprint not in names:
        return Recheck(
            None,
            f"the verdict names fingerprint {stored.fingerprint}, which this verifier's shipped list lacks",
            again,
        )
    ranges_used = "the bogon ranges it records" if m.classifier else "default bogon ranges"
    return Recheck(
        False,
        f"the verdict says {_words(stored)}, but its signed observations give {_words(again)} under rules "
        f"{RULES_VERSION} (shipped fingerprints, {ranges_used})",
        again,
    )
