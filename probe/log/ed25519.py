"""Validation of Ed25519 public keys before we trust them (verifier keys, enrolment), with no I/O.

`cryptography` (OpenSSL) verifies signatures but accepts any 32 bytes as a public key, including keys
for which a signature can be forged without a private key or that verify one signature under several
encodings. `check_public_key` rejects, with `WeakKeyError`:

- a length other than 32 bytes;
- a non-canonical encoding: y >= p = 2**255 - 19, or the sign bit set for x = 0 ("negative zero");
- a y for which no curve point exists;
- the 8 small-order (torsion) points, whose signatures prove nothing: [8]P is the identity;
- points outside the prime-order subgroup (mixed order): [L]P is not the identity.

An honestly generated key (a * B) passes every check. The arithmetic is the RFC 8032 reference
(section 5.1) in extended coordinates; it runs once per key (about a millisecond), not per signature.
"""

from __future__ import annotations

from probe.log.errors import WeakKeyError

__all__ = ["check_public_key"]

_P = 2**255 - 19
_D = -121665 * pow(121666, -1, _P) % _P
_L = 2**252 + 27742317777372353535851937790883648493
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)

_Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z
_IDENTITY: _Point = (0, 1, 1, 0)


def _add(a: _Point, b: _Point) -> _Point:
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % _P
    bb = (y1 + x1) * (y2 + x2) % _P
    cc = 2 * t1 * t2 * _D % _P
    dd = 2 * z1 * z2 % _P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(scalar: int, point: _Point) -> _Point:
    acc = _IDENTITY
    while scalar:
        if scalar & 1:
            acc = _add(acc, point)
        point = _add(point, point)
        scalar >>= 1
    return acc


def _is_identity(point: _Point) -> bool:
    x, y, z, _ = point
    return x % _P == 0 and (y - z) % _P == 0


def _decode(raw: bytes) -> _Point:
    """RFC 8032 5.1.3 point decoding, refusing the non-canonical encodings that it (and OpenSSL) tolerate."""
    if len(raw) != 32:
        raise WeakKeyError(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
    encoded = int.from_bytes(raw, "little")
    sign, y = encoded >> 255, encoded & ((1 << 255) - 1)
    if y >= _P:
        raise WeakKeyError("Ed25519 public key is not canonically encoded (y >= 2^255 - 19)")
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x2 = u * pow(v, -1, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        raise WeakKeyError("Ed25519 public key is not a point on the curve")
    if x == 0 and sign:
        raise WeakKeyError("Ed25519 public key is not canonically encoded (sign bit set for x = 0)")
    if x & 1 != sign:
        x = _P - x
    return (x, y, 1, x * y % _P)


def check_public_key(raw: bytes) -> None:
    """Raise WeakKeyError unless `raw` is a canonical Ed25519 key in the prime-order subgroup."""
    point = _decode(raw)
    if _is_identity(_mul(8, point)):
        raise WeakKeyError("Ed25519 public key is a small-order point: signatures under it prove nothing")
    if not _is_identity(_mul(_L, point)):
        raise WeakKeyError("Ed25519 public key has a small-order component (not in the prime-order group)")
