"""Examples for probe.log.note and probe.log.ed25519: a known answer from Go's sumdb/note, and each refusal."""

from __future__ import annotations

import base64

import pytest

from probe.log import (
    Checkpoint,
    NoteFormatError,
    NoteSignatureError,
    NoteSigner,
    NoteUnsignedError,
    NoteVerifier,
    WeakKeyError,
    check_public_key,
    key_id,
)
from probe.log import ed25519 as ed

# golang.org/x/mod/sumdb/note's own test key and signed note: byte-for-byte interoperability with Go.
GO_PRIVATE_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

SIGNER = NoteSigner.from_seed("saksi.example/log", bytes(range(32)))
OTHER = NoteSigner.from_seed("witness.example", bytes(32))
ROOT = bytes(range(32))

P = 2**255 - 19
ORDER8_Y = (
    0x05FC536D880238B13933C6D305ACDFD5F098EFF289F4C345B027B2C28F95E826,
    0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7,
)
# The 8 points of order dividing 8, as encoded (y little-endian, sign of x in the top bit).
SMALL_ORDER = {
    "identity (0, 1)": 1,
    "order 2 (0, -1)": P - 1,
    "order 4 (+x, 0)": 0,
    "order 4 (-x, 0)": 1 << 255,
    "order 8 a+": ORDER8_Y[0],
    "order 8 a-": ORDER8_Y[0] | 1 << 255,
    "order 8 b+": ORDER8_Y[1],
    "order 8 b-": ORDER8_Y[1] | 1 << 255,
}


def _enc(value: int) -> bytes:
    return value.to_bytes(32, "little")


def _vkey(name: str, raw: bytes) -> str:
    encoded = base64.b64encode(bytes([1]) + raw).decode()
    return f"{name}+{key_id(name, raw).hex()}+{encoded}"


def test_go_sumdb_note_known_answer() -> None:
    seed = base64.b64decode(GO_PRIVATE_KEY.split("+", 4)[4])[1:]
    signer = NoteSigner.from_seed("PeterNeumann", seed)
    assert signer.verifier_key() == GO_VKEY
    assert signer.sign(GO_TEXT) == GO_NOTE
    verifier = NoteVerifier.from_vkey(GO_VKEY)
    assert verifier.verify(GO_NOTE) == GO_TEXT
    assert verifier.verify(GO_NOTE.encode()) == GO_TEXT
    assert verifier.verifier_key() == GO_VKEY


def test_vkey_whose_base64_contains_a_plus_sign() -> None:
    vkey = SIGNER.verifier_key()
    assert "+" in vkey.split("+", 2)[2]
    assert NoteVerifier.from_vkey(vkey).public_key == SIGNER.public_key
    assert NoteVerifier.from_vkey(vkey.replace(SIGNER.key_id.hex(), SIGNER.key_id.hex().upper())).name


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "name",
        "name+c74f20a3",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # empty name
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # space in name
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # 7 hex digits
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key id
        "PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # not hex
        "PeterNeumann+c74f20a3+AhpzdnMHFDw4TEHoMMW84SqogX7FZJqqvywxOIs1stdE",  # key type 0x02
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10Q=",  # 31-byte key
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW=",  # bad padding
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX",  # non-canonical base64
    ],
)
def test_bad_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(NoteFormatError):
        NoteVerifier.from_vkey(vkey)


@pytest.mark.parametrize("name", list(SMALL_ORDER))
def test_small_order_keys_are_refused(name: str) -> None:
    raw = _enc(SMALL_ORDER[name])
    with pytest.raises(WeakKeyError, match="small-order point"):
        check_public_key(raw)
    with pytest.raises(NoteFormatError) as info:
        NoteVerifier.from_vkey(_vkey("log", raw))
    assert isinstance(info.value.__cause__, WeakKeyError)


@pytest.mark.parametrize(
    "raw",
    [
        _enc(P),  # y = p, a second encoding of y = 0
        _enc(P + 1),  # y = p + 1, a second encoding of y = 1
        _enc(2**255 - 1),
        _enc(1 | 1 << 255),  # x = 0 with the sign bit set
        _enc((P - 1) | 1 << 255),
    ],
    ids=["y=p", "y=p+1", "y=2^255-1", "-0 at y=1", "-0 at y=-1"],
)
def test_non_canonical_keys_are_refused(raw: bytes) -> None:
    with pytest.raises(WeakKeyError, match="canonical"):
        check_public_key(raw)


def test_off_curve_and_short_keys_are_refused() -> None:
    with pytest.raises(WeakKeyError, match="not a point"):
        check_public_key(_enc(2))  # no x satisfies the curve equation for y = 2
    with pytest.raises(WeakKeyError, match="32 bytes"):
        check_public_key(bytes(31))


def test_mixed_order_key_is_refused() -> None:
    point = ed._add(ed._decode(SIGNER.public_key), ed._decode(_enc(ORDER8_Y[0])))
    x, y, z, _ = point
    zinv = pow(z, -1, P)
    x, y = x * zinv % P, y * zinv % P
    with pytest.raises(WeakKeyError, match="small-order component"):
        check_public_key(_enc(y | (x & 1) << 255))


def test_honest_keys_pass() -> None:
    for seed in range(20):
        check_public_key(NoteSigner.from_seed("k", bytes([seed]) * 32).public_key)


def test_other_signers_lines_are_ignored_when_ours_verifies() -> None:
    text = Checkpoint("saksi.example/log", 5, ROOT).text()
    note = OTHER.sign(text) + SIGNER.signature_line(text)
    assert SIGNER.verifier().verify(note) == text
    assert OTHER.verifier().verify(note) == text
    with pytest.raises(NoteUnsignedError):
        SIGNER.verifier().verify(OTHER.sign(text))


def test_bad_signature_by_our_key_is_named() -> None:
    note = SIGNER.sign("hello\n")
    forged = SIGNER.signature_line("other\n")
    with pytest.raises(NoteSignatureError):
        SIGNER.verifier().verify("hello\n\n" + forged)
    # Every line that claims our key must verify, not only the first (Go checks only the first).
    with pytest.raises(NoteSignatureError):
        SIGNER.verifier().verify(note + forged)


def test_same_name_different_key_is_not_our_signature() -> None:
    impostor = NoteSigner.from_seed(SIGNER.name, bytes([9]) * 32)
    with pytest.raises(NoteUnsignedError):
        SIGNER.verifier().verify(impostor.sign("hello\n"))


@pytest.mark.parametrize(
    "note",
    [
        "hello\n",  # no signature block
        "hello\n\n",  # empty signature block
        "hello\n\n— saksi.example/log AAAA",  # no final newline
        "hello\n\n- saksi.example/log AAAAAAA=\n",  # hyphen, not em dash
        "hello\n\n—saksi.example/log AAAAAAA=\n",  # no space after the dash
        "hello\n\n— saksi.example/log\n",  # no signature
        "hello\n\n— saksi.example/log AAAA\n",  # 3 bytes: too short for a key id and a signature
        "hello\n\n— saksi.example/log AAAAAAA\n",  # bad padding
        "hello\n\n— a+b AAAAAAA=\n",  # '+' in the key name
        "hel\tlo\n\n— saksi.example/log AAAAAAA=\n",  # control character
        "hello\n\n" + "— x AAAAAAA=\n" * 101,
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(NoteFormatError):
        SIGNER.verifier().verify(note)


def test_invalid_utf8_and_surrogates_are_malformed() -> None:
    note = SIGNER.sign("hello\n").encode()
    with pytest.raises(NoteFormatError, match="UTF-8"):
        SIGNER.verifier().verify(b"\xff" + note)
    with pytest.raises(NoteFormatError, match="UTF-8"):
        SIGNER.verifier().verify("\ud800" + note.decode())


@pytest.mark.parametrize("text", ["", "no newline", "tab\there\n", "\ud800\n"])
def test_signer_refuses_text_that_is_not_note_text(text: str) -> None:
    with pytest.raises(NoteFormatError):
        SIGNER.sign(text)


def test_c2sp_checkpoint_example() -> None:
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    checkpoint = Checkpoint.parse(text)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.extensions == ()
    assert checkpoint.text() == text
    with_ext = Checkpoint.parse(text + "ext one\nExt 2\n")
    assert with_ext.extensions == ("ext one", "Ext 2")
    assert Checkpoint.parse(SIGNER.verifier().verify(SIGNER.sign(with_ext.text()))) == with_ext


ROOT64 = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    "text",
    [
        f"o\n1\n{ROOT64}",  # no final newline
        "o\n1\n",  # no root line
        f"\n1\n{ROOT64}\n",  # empty origin
        f"o\n01\n{ROOT64}\n",  # leading zero
        f"o\n+1\n{ROOT64}\n",
        f"o\n 1\n{ROOT64}\n",
        f"o\n-0\n{ROOT64}\n",
        f"o\n\u0661\n{ROOT64}\n",  # an Arabic-Indic digit one
        f"o\n18446744073709551616\n{ROOT64}\n",  # 2^64
        f"o\n{'9' * 5000}\n{ROOT64}\n",  # longer than int() parses
        f"o\n1\n{base64.b64encode(ROOT[:31]).decode()}\n",  # 31-byte root
        f"o\n1\n{ROOT64[:-2]}9=\n",  # non-canonical base64 (the same bytes as ...8=)
        f"o\n1\n{ROOT64}\n\n",  # empty extension line
        f"o\n1\n{ROOT64}\nbad\x01ext\n",
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(NoteFormatError):
        Checkpoint.parse(text)


def test_largest_checkpoint_size() -> None:
    assert Checkpoint.parse(f"o\n18446744073709551615\n{ROOT64}\n").size == 2**64 - 1
    assert Checkpoint.parse(f"o\n0\n{ROOT64}\n").size == 0


@pytest.mark.parametrize(
    ("origin", "size", "root", "extensions"),
    [
        ("", 1, ROOT, ()),
        ("a\nb", 1, ROOT, ()),
        ("o", -1, ROOT, ()),
        ("o", 2**64, ROOT, ()),
        ("o", True, ROOT, ()),
        ("o", 1, ROOT[:31], ()),
        ("o", 1, ROOT, ("",)),
        ("o", 1, ROOT, ("a\nb",)),
    ],
)
def test_checkpoint_fields_are_checked(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...]
) -> None:
    with pytest.raises(NoteFormatError):
        Checkpoint(origin, size, root, extensions)
