"""Keys that do not follow a volunteer from one network to another.

One random device seed; an Ed25519 key per (network ASN, calendar quarter) derived from it with
HKDF-SHA256, info = "probe-key|AS<asn>|<YYYY>-Q<n>". The collector sees a different key on each network
and each quarter, as OONI's network-local pseudonyms do. The seed file is readable by its owner only and
written atomically (temporary file, fsync, rename, fsync of the folder).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEED_BYTES = 32
SEED_FILE = "device.seed"  # in store.keys_dir (by default a `keys` folder beside the store)


class KeyFileError(Exception):
    """The key files cannot be used; the message says what to do."""


def quarter_of(when: datetime) -> str:
    return f"{when.year:04d}-Q{(when.month - 1) // 3 + 1}"


def derive_key(seed: bytes, asn: int | None, quarter: str) -> Ed25519PrivateKey:
    info = f"probe-key|AS{asn or 0}|{quarter}".encode()
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(seed)
    return Ed25519PrivateKey.from_private_bytes(material)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """The hex SHA-256 of the raw 32-byte public key: what DSSE `keyid` and the log name a key by."""
    return hashlib.sha256(raw_public(key)).hexdigest()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, readable by the owner only; a failed fsync is an error."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def load_key_file(path: Path, what: str, *, create_hint: str | None = None) -> Ed25519PrivateKey:
    """The Ed25519 private key whose 32-byte seed is in `path`; made (and written, owner-only) on first
    use unless `create_hint` is given, which is then the sentence telling how to make it. KeyFileError
    says what is wrong with the file, naming it as `what`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if create_hint is not None:
            raise KeyFileError(f"no {what} at {path}; {create_hint}") from None
        key = Ed25519PrivateKey.generate()
        try:
            write_private(path, key.private_bytes_raw())
        except OSError as exc:
            raise KeyFileError(f"cannot create the {what} at {path}: {exc.strerror}") from None
        return key
    except OSError as exc:
        raise KeyFileError(f"cannot read the {what} at {path}: {exc.strerror}") from None
    if len(raw) != SEED_BYTES:
        raise KeyFileError(f"the {what} at {path} is damaged ({len(raw)} bytes, not {SEED_BYTES})")
    return Ed25519PrivateKey.from_private_bytes(raw)


class DeviceSeed:
    """The device seed at `path`, created on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    def load(self, *, create: bool = True) -> bytes:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            if not create:
                raise KeyFileError(f"no device key at {self.path}; `probe run` creates one") from None
            data = secrets.token_bytes(SEED_BYTES)
            try:
                write_private(self.path, data)
            except OSError as exc:
                raise KeyFileError(f"cannot create the device key at {self.path}: {exc.strerror}") from None
            return data
        except OSError as exc:
            raise KeyFileError(f"cannot read the device key at {self.path}: {exc.strerror}") from None
        if len(data) != SEED_BYTES:
            raise KeyFileError(
                f"the device key at {self.path} is damaged ({len(data)} bytes, not {SEED_BYTES})"
            )
        mode = self.path.stat().st_mode & 0o777
        if mode & 0o077:
            raise KeyFileError(
                f"the device key at {self.path} is readable by others (mode {mode:o}); run chmod 600 on it"
            )
        return data

    def key_for(self, asn: int | None, when: datetime) -> Ed25519PrivateKey:
        return derive_key(self.load(), asn, quarter_of(when))
