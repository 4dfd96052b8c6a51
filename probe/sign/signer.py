"""The probe's signer: the key for a measurement's network and quarter, and its DSSE envelope."""

from __future__ import annotations

import hashlib
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from probe.models.measurement import Measurement
from probe.sign.dsse import MEASUREMENT_TYPE, Envelope, sign_envelope
from probe.sign.jcs import canonical
from probe.sign.keys import DeviceSeed, derive_key, key_id, quarter_of


class ProbeSigner:
    def __init__(self, seed: DeviceSeed) -> None:
        self._seed = seed.load()
        self._keys: dict[tuple[int | None, str], Ed25519PrivateKey] = {}

    def key(self, asn: int | None, when: datetime) -> Ed25519PrivateKey:
        return self.key_in(asn, quarter_of(when))

    def key_in(self, asn: int | None, quarter: str) -> Ed25519PrivateKey:
        """The key of network `asn` in `quarter` (YYYY-Qn)."""
        slot = (asn, quarter)
        if slot not in self._keys:
            self._keys[slot] = derive_key(self._seed, asn, quarter)
        return self._keys[slot]

    def key_id_for(self, asn: int | None, when: datetime) -> str:
        return key_id(self.key(asn, when).public_key())

    def sign(self, m: Measurement) -> tuple[Envelope, str]:
        """The envelope over the measurement's RFC 8785 bytes, and the hex SHA-256 of those bytes.

        The measurement's `probe.key_id` must already name the key of its network and quarter.
        """
        when = datetime.fromisoformat(m.started_at.replace("Z", "+00:00"))
        key = self.key(m.probe.asn, when)
        kid = key_id(key.public_key())
        if m.probe.key_id != kid:
            raise ValueError("the measurement names another key than its network's and quarter's")
        body = canonical(m)
        return sign_envelope(MEASUREMENT_TYPE, body, key, kid), hashlib.sha256(body).hexdigest()
