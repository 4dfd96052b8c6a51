"""The collector's Ed25519 key: it signs receipts (DSSE), control answers (DSSE) and log checkpoints (C2SP)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from probe.log import NoteSigner
from probe.models.base import Wire
from probe.sign.dsse import Envelope, sign_envelope
from probe.sign.jcs import canonical
from probe.sign.keys import key_id, load_key_file

KEY_FILE = "collector.key"


class CollectorKey:
    def __init__(self, private: Ed25519PrivateKey, origin: str) -> None:
        self.private = private
        self.origin = origin
        self.key_id = key_id(private.public_key())
        self.notes = NoteSigner(origin, private)

    @classmethod
    def load_or_create(cls, data_dir: Path, origin: str) -> CollectorKey:
        return cls(load_key_file(data_dir / KEY_FILE, "collector key"), origin)

    def verifier_key(self) -> str:
        return self.notes.verifier_key()

    def sign_model(self, payload_type: str, model: Wire) -> tuple[Envelope, bytes]:
        body = canonical(model)
        return sign_envelope(payload_type, body, self.private, self.key_id), body
