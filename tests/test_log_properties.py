"""Property tests of probe.log: proofs verify and every tampering fails; notes and checkpoints round-trip.

Trees have 1 to 300 leaves with distinct leaf hashes, so a tampered proof can only verify through a hash
collision. Parsers get random and spliced bytes and may raise only their own error (NoteError).
"""

from __future__ import annotations

import contextlib
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe.log import (
    Checkpoint,
    CompactRange,
    MemoryHashes,
    NoteError,
    NoteSigner,
    NoteVerifier,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SIGNER = NoteSigner.from_seed("saksi.example/log", bytes(range(32)))
VERIFIER = NoteVerifier.from_vkey(SIGNER.verifier_key())


def _tree(size: int, salt: int) -> MemoryHashes:
    return MemoryHashes(leaf_hash(salt.to_bytes(8, "big") + i.to_bytes(4, "big")) for i in range(size))


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _fails_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    try:
        verify_inclusion(leaf, index, size, proof, root)
    except ProofError:
        return True
    return False


def _fails_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> bool:
    try:
        verify_consistency(old, new, old_root, new_root, proof)
    except ProofError:
        return True
    return False


sizes = st.integers(min_value=1, max_value=300)
salts = st.integers(min_value=0, max_value=2**32)


@FAST
@given(size=sizes, salt=salts)
def test_every_inclusion_proof_verifies_and_is_short(size: int, salt: int) -> None:
    hashes = _tree(size, salt)
    root = hashes.root()
    bound = math.ceil(math.log2(size))
    for index in range(size):
        proof = inclusion_proof(index, size, hashes)
        assert len(proof) <= bound
        verify_inclusion(hashes.leaf(index), index, size, proof, root)


def _check_inclusion_tampering(hashes: MemoryHashes, index: int, bits: range | list[int]) -> None:
    size, root, leaf = hashes.size, hashes.root(), hashes.leaf(index)
    proof = inclusion_proof(index, size, hashes)
    for bit in bits:
        assert _fails_inclusion(_flip(leaf, bit), index, size, proof, root)
        assert _fails_inclusion(leaf, index, size, proof, _flip(root, bit))
        for i, node in enumerate(proof):
            assert _fails_inclusion(leaf, index, size, [*proof[:i], _flip(node, bit), *proof[i + 1 :]], root)
    for bit in range(size.bit_length() + 1):
        assert _fails_inclusion(leaf, index ^ (1 << bit), size, proof, root)
    assert _fails_inclusion(leaf, index, size, [*proof, root], root)
    assert _fails_inclusion(leaf, index, size, [root, *proof], root)
    if proof:
        assert _fails_inclusion(leaf, index, size, proof[:-1], root)
    # The tree size is not tampered with here: an RFC 6962 root does not commit to it (the same proof can
    # verify for leaf 0 of 3 and of 4 leaves), which is why a checkpoint signs the size with the root.


@FAST
@given(size=sizes, salt=salts, data=st.data())
def test_any_tampering_breaks_an_inclusion_proof(size: int, salt: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    bits = data.draw(st.lists(st.integers(min_value=0, max_value=255), min_size=1, max_size=4), label="bits")
    _check_inclusion_tampering(_tree(size, salt), index, bits)


def test_every_bit_flip_breaks_an_inclusion_proof() -> None:
    hashes = _tree(300, 7)
    for index in (0, 137, 255, 256, 299):
        _check_inclusion_tampering(hashes, index, range(256))


def _check_consistency_tampering(hashes: MemoryHashes, old: int, bits: range | list[int]) -> None:
    new = hashes.size
    old_root, new_root = hashes.root(old), hashes.root()
    proof = consistency_proof(old, new, hashes)
    for bit in bits:
        assert _fails_consistency(old, new, _flip(old_root, bit), new_root, proof)
        assert _fails_consistency(old, new, old_root, _flip(new_root, bit), proof)
        for i, node in enumerate(proof):
            assert _fails_consistency(
                old, new, old_root, new_root, [*proof[:i], _flip(node, bit), *proof[i + 1 :]]
            )
    assert _fails_consistency(old, new, old_root, new_root, [*proof, new_root])
    assert _fails_consistency(old, new, old_root, new_root, [old_root, *proof])
    if proof:
        assert _fails_consistency(old, new, old_root, new_root, proof[:-1])
    # Sizes are not tampered with, for the reason given in _check_inclusion_tampering.


@FAST
@given(new=sizes, salt=salts, data=st.data())
def test_consistency_proofs_verify_and_tampering_fails(new: int, salt: int, data: st.DataObject) -> None:
    hashes = _tree(new, salt)
    old = data.draw(st.integers(min_value=1, max_value=new), label="old")
    proof = consistency_proof(old, new, hashes)
    assert len(proof) <= math.ceil(math.log2(new)) + 1  # RFC 9162 allows one more than an audit path
    verify_consistency(old, new, hashes.root(old), hashes.root(), proof)
    bits = data.draw(st.lists(st.integers(min_value=0, max_value=255), min_size=1, max_size=4), label="bits")
    _check_consistency_tampering(hashes, old, bits)


def test_every_consistency_proof_of_a_small_tree_verifies() -> None:
    hashes = _tree(64, 3)
    for new in range(1, 65):
        for old in range(1, new + 1):
            verify_consistency(
                old, new, hashes.root(old), hashes.root(new), consistency_proof(old, new, hashes)
            )


def test_every_bit_flip_breaks_a_consistency_proof() -> None:
    hashes = _tree(300, 11)
    for old in (1, 3, 128, 137, 299, 300):
        _check_consistency_tampering(hashes, old, range(256))


@FAST
@given(size=sizes, salt=salts)
def test_compact_range_root_matches_the_rfc_definition_at_every_size(size: int, salt: int) -> None:
    leaves = [leaf_hash(salt.to_bytes(8, "big") + i.to_bytes(4, "big")) for i in range(size)]
    cr, hashes = CompactRange(), MemoryHashes()
    assert cr.root() == root_from_leaves([])
    for n, leaf in enumerate(leaves, 1):
        completed = cr.append(leaf)
        hashes.append(leaf)
        assert cr.root() == root_from_leaves(leaves[:n])
        assert len(cr.peaks) == n.bit_count()
        for sub in completed:  # each completed subtree is exactly the hash of its leaves
            assert sub.hash == root_from_leaves(leaves[sub.start : sub.end])
    assert CompactRange.from_source(size, hashes).peaks == cr.peaks


origins = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
)  # no control characters, hence no newline
extension_lines = st.lists(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30), max_size=3
)
checkpoints = st.builds(
    Checkpoint,
    origin=origins,
    size=st.integers(min_value=0, max_value=2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=extension_lines.map(tuple),
)


@FAST
@given(checkpoint=checkpoints)
def test_checkpoint_text_round_trips(checkpoint: Checkpoint) -> None:
    assert Checkpoint.parse(checkpoint.text()) == checkpoint
    assert Checkpoint.parse(checkpoint.text().encode()) == checkpoint


@FAST
@given(checkpoint=checkpoints, data=st.data())
def test_signed_note_verifies_and_any_changed_byte_fails(checkpoint: Checkpoint, data: st.DataObject) -> None:
    note = SIGNER.sign(checkpoint.text()).encode()
    assert VERIFIER.verify(note) == checkpoint.text()
    assert Checkpoint.parse(VERIFIER.verify(note)) == checkpoint
    mask = data.draw(st.integers(min_value=1, max_value=255), label="xor mask")
    for position in range(len(note)):
        changed = bytearray(note)
        changed[position] ^= mask
        try:
            VERIFIER.verify(bytes(changed))
        except NoteError:
            continue
        raise AssertionError(f"changing byte {position} with mask {mask:#x} still verified")


@FAST
@given(blob=st.binary(max_size=300))
def test_random_bytes_raise_only_note_error(blob: bytes) -> None:
    for parse in (Checkpoint.parse, VERIFIER.verify):
        with contextlib.suppress(NoteError):
            parse(blob)


@FAST
@given(text=st.text(max_size=200))
def test_random_text_raises_only_note_error(text: str) -> None:
    for parse in (Checkpoint.parse, VERIFIER.verify, NoteVerifier.from_vkey):
        with contextlib.suppress(NoteError):
            parse(text)


@FAST
@given(checkpoint=checkpoints, data=st.data())
def test_spliced_notes_raise_only_note_error(checkpoint: Checkpoint, data: st.DataObject) -> None:
    note = SIGNER.sign(checkpoint.text()).encode()
    start = data.draw(st.integers(min_value=0, max_value=len(note)), label="start")
    end = data.draw(st.integers(min_value=start, max_value=len(note)), label="end")
    spliced = note[:start] + data.draw(st.binary(max_size=20), label="insert") + note[end:]
    for parse in (Checkpoint.parse, VERIFIER.verify):
        with contextlib.suppress(NoteError):
            parse(spliced)
