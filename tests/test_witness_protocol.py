"""C2SP tlog-witness and tlog-cosignature (cosignature/v1) against the specs' examples, and every answer
of the witness's add-checkpoint decision, over HTTP as a collector sees it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.control.service import ServerThread
from probe.log import Checkpoint, MemoryHashes, NoteSigner, NoteVerifier, consistency_proof, leaf_hash
from probe.log.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosignature_key_id,
    cosigned_message,
)
from probe.log.errors import NoteError, NoteFormatError, NoteSignatureError
from probe.witness.protocol import RequestError, parse_add_checkpoint, request_body
from probe.witness.server import create_app
from probe.witness.state import NO_CONSISTENCY, SAME_SIZE_OTHER_ROOT, WitnessState

ORIGIN = "saksi.test/log"

# --- the specs' examples ------------------------------------------------------------------------------

SPEC_REQUEST = """old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
\u2014 example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
"""

SPEC_COSIGNATURE = (
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="
)

SPEC_SIGNED_MESSAGE = b"""cosignature/v1
time 1679315147
example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
"""


def test_spec_add_checkpoint_request_parses() -> None:
    parsed = parse_add_checkpoint(SPEC_REQUEST.encode())
    assert parsed.old_size == 20852014
    assert len(parsed.proof) == 4
    assert base64.b64encode(parsed.proof[0]).decode() == "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw="
    assert parsed.checkpoint.origin == "example.com/behind-the-sofa"
    assert parsed.checkpoint.size == 20852163
    assert request_body(parsed.old_size, list(parsed.proof), parsed.note) == SPEC_REQUEST.encode()


def test_spec_cosignature_layout_and_signed_message() -> None:
    raw = base64.b64decode(SPEC_COSIGNATURE)
    assert len(raw) == 4 + 8 + 64  # key id, big-endian u64 timestamp, Ed25519 signature
    assert int.from_bytes(raw[4:12], "big") == 1679315147
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cosigned_message(text, 1679315147) == SPEC_SIGNED_MESSAGE


def test_key_id_is_type_0x04_and_differs_from_a_note_key() -> None:
    signer = CosignatureSigner.from_seed("witness.example.com/w1", bytes(range(32)))
    public = signer.verifier().public_key
    expected = hashlib.sha256(b"witness.example.com/w1\n\x04" + public).digest()[:4]
    assert signer.key_id == expected == cosignature_key_id("witness.example.com/w1", public)
    note_key = NoteSigner.from_seed("witness.example.com/w1", bytes(range(32)))
    assert note_key.key_id != signer.key_id  # 0x01 vs 0x04: one key cannot pass for the other
    vkey = signer.verifier_key()
    name, hex_id, key64 = vkey.split("+", 2)
    assert (name, hex_id) == ("witness.example.com/w1", expected.hex())
    assert base64.b64decode(key64)[0] == 0x04
    assert CosignatureVerifier.from_vkey(vkey).key_id == expected
    with pytest.raises(NoteFormatError, match="not a cosignature/v1 key"):
        CosignatureVerifier.from_vkey(note_key.verifier_key())
    with pytest.raises(NoteFormatError):
        NoteVerifier.from_vkey(vkey)


def test_cosignature_signs_exactly_the_spec_message() -> None:
    signer = CosignatureSigner.from_seed("w.test/1", bytes(32))
    text = Checkpoint(ORIGIN, 5, bytes(32), ("ext line",)).text()
    line = signer.signature_line(text, 1700000000)
    raw = base64.b64decode(line.rsplit(" ", 1)[1])
    public = Ed25519PublicKey.from_public_bytes(signer.verifier().public_key)
    public.verify(raw[12:], b"cosignature/v1\ntime 1700000000\n" + text.encode())  # raises if not
    found = signer.verifier().verify(text + "\n" + line)
    assert (found.timestamp, found.line) == (1700000000, line)
    # any change to the time or the checkpoint breaks it
    forged = base64.b64encode(raw[:4] + (1600000000).to_bytes(8, "big") + raw[12:]).decode()
    with pytest.raises(NoteSignatureError):
        signer.verifier().verify_line(text, f"\u2014 w.test/1 {forged}")
    with pytest.raises(NoteSignatureError):
        signer.verifier().verify_line(text.replace("5", "6", 1), line)
    with pytest.raises(NoteFormatError, match="non-zero"):
        signer.signature_line(text, 0)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_request_parser_never_crashes(body: bytes) -> None:
    with suppress(RequestError):
        parse_add_checkpoint(body)


@pytest.mark.parametrize(
    "body",
    [
        "old 01\n\n",
        "old -1\n\n",
        "old 1\nnot base64!\n\nx\n1\nAAAA\n\n\u2014 a b\n",
        "old 1\n" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" * 64 + "\n",
        "old 1\nAAAA\n\n",
        "old 3",
    ],
)
def test_malformed_requests_are_refused(body: str) -> None:
    with pytest.raises(RequestError):
        parse_add_checkpoint(body.encode())


# --- the witness's decisions --------------------------------------------------------------------------


class Log:
    """A log in memory that signs checkpoints with a NoteSigner (a collector's, in miniature)."""

    def __init__(self, seed: bytes = bytes(32), tag: bytes = b"") -> None:
        self.signer = NoteSigner.from_seed(ORIGIN, seed)
        self.tree = MemoryHashes()
        self.tag = tag

    def grow(self, n: int) -> None:
        for _ in range(n):
            self.tree.append(leaf_hash(self.tag + len(self.tree).to_bytes(8, "big")))

    def note(self, size: int | None = None) -> str:
        size = self.tree.size if size is None else size
        return self.signer.sign(Checkpoint(ORIGIN, size, self.tree.root(size)).text())

    def body(self, old: int, size: int | None = None) -> bytes:
        size = self.tree.size if size is None else size
        proof = consistency_proof(old, size, self.tree) if 0 < old < size else []
        return request_body(old, proof, self.note(size))


@contextmanager
def witness(tmp: Path, *logs: NoteSigner) -> Iterator[tuple[str, WitnessState]]:
    state = WitnessState(
        tmp / "w.db",
        CosignatureSigner.from_seed("witness.test/w1", b"\x07" * 32),
        [s.verifier() for s in logs],
    )
    server = ServerThread(uvicorn.Config(create_app(state), host="127.0.0.6", port=0, log_level="warning"))
    server.start()
    try:
        yield f"http://127.0.0.6:{server.port}", state
    finally:
        server.stop()
        state.close()


def post(url: str, body: bytes) -> httpx.Response:
    return httpx.post(f"{url}/add-checkpoint", content=body, timeout=10)


def test_every_answer_of_add_checkpoint(tmp_path: Path) -> None:
    log = Log()
    log.grow(5)
    stranger = NoteSigner.from_seed("other.test/log", b"\x02" * 32)
    with witness(tmp_path, log.signer) as (url, state):
        # unknown origin: 404
        other = request_body(
            0, [], stranger.sign(Checkpoint("other.test/log", 0, hashlib.sha256().digest()).text())
        )
        assert post(url, other).status_code == 404
        # known origin, not signed by the trusted key: 403
        impostor = NoteSigner.from_seed(ORIGIN, b"\x09" * 32)
        forged = request_body(0, [], impostor.sign(Checkpoint(ORIGIN, 5, log.tree.root()).text()))
        assert post(url, forged).status_code == 403
        # a trusted name and key id whose signature fails: 403
        note = log.note()
        sig = note.rsplit(" ", 1)[1].strip()
        raw = bytearray(base64.b64decode(sig))
        raw[-1] ^= 1
        bad = note.replace(sig, base64.b64encode(bytes(raw)).decode())
        assert post(url, request_body(0, [], bad)).status_code == 403
        # malformed: 400; old size above the checkpoint's: 400
        assert post(url, b"old x\n\n").status_code == 400
        assert post(url, request_body(9, [], log.note())).status_code == 400
        # a non-empty proof from size 0: 422
        assert post(url, request_body(0, [bytes(32)], log.note())).status_code == 422
        # size 0 with a root other than the empty tree's: 422
        zero = log.signer.sign(Checkpoint(ORIGIN, 0, bytes(32)).text())
        assert post(url, request_body(0, [], zero)).status_code == 422
        # first contact: cosigned
        first = post(url, log.body(0))
        assert first.status_code == 200, first.text
        cosig = state.signer.verifier().verify(log.note() + first.text)
        assert cosig.timestamp > 1_600_000_000
        # the wrong old size: 409 with the size it holds, as text/x.tlog.size
        log.grow(3)
        conflict = post(url, log.body(0))
        assert conflict.status_code == 409
        assert conflict.text == "5\n"
        assert conflict.headers["content-type"] == "text/x.tlog.size"
        # growth with a good proof: cosigned
        assert post(url, log.body(5)).status_code == 200
        # a bad proof: 422, recorded, nothing cosigned
        bad_proof = request_body(8, [], log.note())
        log.grow(1)
        assert post(url, request_body(8, [bytes(32)], log.note())).status_code == 422
        assert post(url, bad_proof).status_code == 200  # the same size and root again: cosigned again
        kinds = [c.kind for c in state.conflicts()]
        assert kinds == [NO_CONSISTENCY]
        # monitoring: the latest cosigned checkpoint, with both signatures
        origin_hash = hashlib.sha256(ORIGIN.encode()).hexdigest()
        got = httpx.get(f"{url}/{origin_hash}/checkpoint")
        assert got.status_code == 200
        log.signer.verifier().verify(got.text)
        assert state.signer.verifier().verify(got.text).timestamp >= cosig.timestamp
        assert httpx.get(f"{url}/{'0' * 64}/checkpoint").status_code == 404
        assert httpx.get(f"{url}/key").text.strip() == state.signer.verifier_key()


def test_a_fork_is_refused_and_recorded_with_both_checkpoints(tmp_path: Path) -> None:
    honest, forked = Log(), Log(tag=b"fork")  # the same key, different histories
    honest.grow(4)
    forked.grow(4)
    with witness(tmp_path, honest.signer) as (url, state):
        assert post(url, honest.body(0)).status_code == 200
        same_size = post(url, forked.body(4))
        assert same_size.status_code == 422 and "FORK" in same_size.text
        forked.grow(4)
        assert post(url, forked.body(4)).status_code == 422  # no proof links the fork to what it cosigned
        conflicts = state.conflicts()
        assert [c.kind for c in conflicts] == [SAME_SIZE_OTHER_ROOT, NO_CONSISTENCY]
        assert conflicts[0].held_note == honest.note(4) and conflicts[0].offered_note == forked.note(4)
        for c in conflicts:  # both are signed by the log's key: proof a third party can check
            honest.signer.verifier().verify(c.held_note)
            honest.signer.verifier().verify(c.offered_note)
        assert httpx.get(f"{url}/conflicts").json()[0]["kind"] == SAME_SIZE_OTHER_ROOT
        # the honest log still grows, and the witness never cosigned anything of the fork
        honest.grow(4)
        assert post(url, honest.body(4)).status_code == 200
        assert [s for s, _, _ in state.history(ORIGIN)] == [4, 8]
        assert all(root == honest.tree.root(size) for size, root, _ in state.history(ORIGIN))


def test_state_survives_a_restart_and_time_never_goes_back(tmp_path: Path) -> None:
    log = Log()
    log.grow(3)
    signer = CosignatureSigner.from_seed("witness.test/w1", b"\x07" * 32)
    now = [2_000_000_000.0]
    state = WitnessState(tmp_path / "w.db", signer, [log.signer.verifier()], clock=lambda: now[0])
    assert state.add_checkpoint(parse_add_checkpoint(log.body(0))).status == 200
    state.close()
    now[0] = 1_000_000_000.0  # the clock jumped back
    again = WitnessState(tmp_path / "w.db", signer, [log.signer.verifier()], clock=lambda: now[0])
    answer = again.add_checkpoint(parse_add_checkpoint(log.body(0)))
    assert (answer.status, answer.body) == (409, "3\n")
    log.grow(2)
    answer = again.add_checkpoint(parse_add_checkpoint(log.body(3)))
    assert answer.status == 200
    assert signer.verifier().verify(log.note() + answer.body).timestamp == 2_000_000_000
    again.close()


def test_a_note_with_a_bad_trusted_line_and_a_good_one_is_refused(tmp_path: Path) -> None:
    log = Log()
    log.grow(2)
    note = log.note()
    text, line = note.split("\n\n")
    sig = line.rsplit(" ", 1)[1].strip()
    raw = bytearray(base64.b64decode(sig))
    raw[10] ^= 1
    two = f"{text}\n\n{line}\u2014 {ORIGIN} {base64.b64encode(bytes(raw)).decode()}\n"
    state = WitnessState(
        tmp_path / "w.db", CosignatureSigner.from_seed("w.t/1", bytes(32)), [log.signer.verifier()]
    )
    try:
        assert state.add_checkpoint(parse_add_checkpoint(request_body(0, [], two))).status == 403
    finally:
        state.close()
    with pytest.raises(NoteError):
        log.signer.verifier().verify(two)
