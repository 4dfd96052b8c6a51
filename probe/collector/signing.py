"""The collector's Ed25519 key: it signs receipts (DSSE), control answers (DSSE) and log checkpoints (C2SP)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from probe.log import NoteSigner
from probe.models.base import Wire
from probe.sign.dsse import Envelope, sign_envelope
from probe.sign.jcs import canonical
from probe.sign.keys import KeyFileError, key_id, write_private

KEY_FILE = "collector.key"


class CollectorKey:
    def __init__(self, private: Ed25519PrivateKey, origin: str) -> None:
        self.private = private
        self.origin = origin
        self.key_id = key_id(private.public_key())
        self.notes = NoteSigner(origin, private)

    @classmethod
    def load_or_create(cls, data_dir: Path, origin: str) -> CollectorKey:
        path = data_dir / KEY_FILE
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            key = Ed25519PrivateKey.generate()
            try:
                write_private(path, key.private_bytes_raw())
            except OSError as exc:
                raise KeyFileError(f"cannot create the collector key at {path}: {exc.strerror}") from None
            return cls(key, origin)
        except OSError as exc:
            raise KeyFileError(f"cannot read the collector key at {path}: {exc.strerror}") from None
        if len(raw) != 32:
            raise KeyFileError(f"the collector key at {path} is damaged ({len(raw)} bytes, not 32)")
        return cls(Ed25519PrivateKey.from_private_bytes(raw), origin)

    def verifier_key(self) -> str:
        return self.notes.verifier_key()

    def sign_model(self, payload_type: str, model: Wire) -> tuple[Envelope, bytes]:
        body = canonical(model)
        return sign_envelope(payload_type, body, self.private, self.key_id), body
