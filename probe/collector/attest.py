"""A measurement's network evidence and time bracket, from the collector's own records. Pure.

- attested: the measurement carries a control answer signed by this collector's key that names the
  envelope's key id and the measurement's uid, saw the request come from the network the probe claims,
  and was made when the probe says it measured. The collector saw this key on that network then.
- observed: no such answer, but the upload itself came from the claimed network.
- claimed: neither (through Tor, a mismatch, a copied answer): stored, kept and shown, never counted as
  that network's evidence.

Time: a measurement's `started_at` counts only inside [the later of its time_anchor checkpoint's signing
time and its key's enrolment, its receipt time]; an attested one must also lie within CONTROL_SKEW of the
control answer's signed time (that pins it). Outside, it is stored and flagged, and not used for timelines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from probe.analysis.facts import ATTESTED, CLAIMED, OBSERVED
from probe.i18n.catalogue import MESSAGES
from probe.models.control import ControlResponse
from probe.models.measurement import Measurement
from probe.models.types import parse_utc
from probe.sign.dsse import CONTROL_TYPE, SignatureError, verify_envelope

# How far the control's signed time may lie from the probe's started_at: the control is asked at the
# start of a URL's measurement, which lasts at most timeouts.url_s (a minute by default); clocks drift.
CONTROL_SKEW = timedelta(minutes=10)
CLOCK_SLACK = timedelta(minutes=5)  # a probe clock a little ahead of the collector's is not a lie


def why(code: str, **values: object) -> str:
    """One reason of a receipt's network_why, in the English the receipt signs: the catalogue's
    `attest_why_<code>` (probe.i18n.dashboard_words), which also holds its Khmer."""
    return MESSAGES[f"attest_why_{code}"][0].format(**values)


def _pattern(code: str) -> re.Pattern[str]:
    english = re.escape(MESSAGES[f"attest_why_{code}"][0])
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>\\d+)", english) + "$")


_PATTERNS = {
    key.removeprefix("attest_why_"): _pattern(key.removeprefix("attest_why_"))
    for key in MESSAGES
    if key.startswith("attest_why_")
}


def why_reasons(text: str) -> list[tuple[str, dict[str, str]]] | None:
    """A signed network_why read back into its reasons' codes and values (a reader's language can then say
    it); None when a part is not one of this collector's reasons (a receipt from another version)."""
    found = []
    for part in text.split("; "):
        match = next(((c, m) for c, p in _PATTERNS.items() if (m := p.match(part))), None)
        if match is None:
            return None
        found.append((match[0], match[1].groupdict()))
    return found


@dataclass(frozen=True)
class Attestation:
    evidence: str  # attested | observed | claimed
    why: str  # one sentence: how the collector knows, or why it does not
    control_at: str | None = None  # the control answer's signed time, when attested


def network_evidence(
    m: Measurement, key_id: str, observed_asn: int | None, control_keys: dict[str, Ed25519PublicKey]
) -> Attestation:
    claim = m.probe.asn if m.probe.asn is not None else observed_asn
    answer, problem = _own_answer(m, control_keys)
    if answer is not None:
        echo = answer.request
        if echo is None:
            problem = why("no_request")
        elif echo.key_id != key_id:
            problem = why("other_key")
        elif echo.measurement_uid != m.measurement_uid:
            problem = why("other_measurement")
        elif answer.client.asn is None:
            problem = why("unmapped")
        elif answer.client.asn != claim:
            problem = why("other_network", seen=answer.client.asn, claim=claim)
        elif answer.answered_at is None or not _near(answer.answered_at, m.started_at, CONTROL_SKEW):
            problem = why("far")
        else:
            return Attestation(ATTESTED, why("seen"), answer.answered_at)
    if claim is not None and observed_asn == claim:
        return Attestation(OBSERVED, why("upload_from", asn=claim) + (f"; {problem}" if problem else ""))
    seen = why("upload_from", asn=observed_asn) if observed_asn is not None else why("upload_unknown")
    return Attestation(CLAIMED, f"{problem or why('no_answer')}; {seen}")


def _own_answer(
    m: Measurement, control_keys: dict[str, Ed25519PublicKey]
) -> tuple[ControlResponse | None, str | None]:
    """The control answer's signed payload, when this collector signed it (never the unsigned copy
    beside it in the measurement)."""
    if m.control is None or m.control.envelope is None:
        return None, None
    try:
        body = verify_envelope(m.control.envelope, CONTROL_TYPE, control_keys)
        return ControlResponse.model_validate_json(body), None
    except SignatureError:
        return None, why("not_signed")
    except ValidationError:
        return None, why("not_control")


def _near(a: str, b: str, within: timedelta) -> bool:
    try:
        return abs(parse_utc(a) - parse_utc(b)) <= within
    except ValueError:
        return False


@dataclass(frozen=True)
class Bracket:
    earliest: str  # the latest of: the anchor checkpoint's signing time, the key's enrolment
    latest: str  # the receipt time
    inside: bool
    why: str


def time_bracket(
    started_at: str,
    received_at: str,
    enrolled_at: str,
    anchor_signed_at: str | None,
    attestation: Attestation,
) -> Bracket:
    """[the later of the key's enrolment, the anchor's signing and (attested) the control's signed time
    less CONTROL_SKEW; the receipt time], and whether started_at lies in it (CLOCK_SLACK either side)."""
    bounds = [(parse_utc(enrolled_at), enrolled_at, "before its key was enrolled")]
    if anchor_signed_at:
        bounds.append((parse_utc(anchor_signed_at), anchor_signed_at, "before a checkpoint it had seen"))
    if attestation.control_at:
        pinned = parse_utc(attestation.control_at) - CONTROL_SKEW
        bounds.append((pinned, _iso(pinned), "before the control answered"))
    lower, earliest, too_early = max(bounds, key=lambda b: b[0])
    started = parse_utc(started_at)
    if started < lower - CLOCK_SLACK:
        return Bracket(earliest, received_at, False, f"started_at is {too_early}")
    if started > parse_utc(received_at) + CLOCK_SLACK:
        return Bracket(earliest, received_at, False, "started_at is after the collector received it")
    return Bracket(earliest, received_at, True, "inside its bracket")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
