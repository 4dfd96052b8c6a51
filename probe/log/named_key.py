"""What every C2SP signed-note key shares, signer or verifier, whatever its signature type: a key name,
a raw Ed25519 public key, the type byte, the 4-byte key id SHA-256(name || 0x0A || type || key)[:4] and
the verifier key string `<name>+<hex key id>+base64(type || key)`. Signed notes (type 0x01) and
cosignature/v1 (type 0x04) differ only in the type byte and in what they sign; no I/O here."""

from __future__ import annotations

import hashlib
from typing import ClassVar, Self

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from probe.log.ed25519 import check_public_key
from probe.log.errors import NoteFormatError, WeakKeyError
from probe.log.text import check_name, encode_b64


def named_key_id(name: str, alg: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


class NamedKey:
    ALG: ClassVar[int]
    KIND: ClassVar[str] = "verifier key"  # how error messages name such a key

    __slots__ = ("_key_id", "_name", "_public")

    def __init__(self, name: str, public_key: bytes) -> None:
        check_name(name)
        self._name = name
        self._public = bytes(public_key)
        self._key_id = named_key_id(name, self.ALG, self._public)

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        return self._public

    def verifier_key(self) -> str:
        """The verifier key string ``<name>+<hex key id>+base64(type || public key)``."""
        return f"{self._name}+{self._key_id.hex()}+{encode_b64(bytes([self.ALG]) + self._public)}"


class NamedSigner(NamedKey):
    """A named private key."""

    __slots__ = ("_key",)

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        super().__init__(name, private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
        self._key = private_key

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Self:
        """A signer from a 32-byte Ed25519 seed (RFC 8032 private key), e.g. a fixed one in tests."""
        if len(seed) != 32:
            raise NoteFormatError(f"an Ed25519 seed is 32 bytes, not {len(seed)}")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))


class NamedVerifier(NamedKey):
    """A named public key, refused when it is malformed, non-canonical or of small order."""

    __slots__ = ("_key",)

    def __init__(self, name: str, public_key: bytes) -> None:
        check_name(name)
        try:
            check_public_key(public_key)
        except WeakKeyError as exc:
            raise NoteFormatError(f"{self.KIND} {name!r}: {exc}") from exc
        super().__init__(name, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(self._public)
