"""Conformance of probe.log.merkle: every transparency-dev/merkle proof vector, and our own RFC 6962 vectors.

The transparency-dev vectors live in ../shared/data/merkle-vectors beside the repository, or under
$SAKSI_SHARED_DATA (one test per JSON file). A missing folder or file fails the run, here and in CI alike:
a conformance suite that silently shrinks or skips tests nothing.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from probe.log import (
    EMPTY_ROOT,
    CompactRange,
    MemoryHashes,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_inclusion_proof,
    root_from_leaves,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from tests.shared_data import shared, shared_root

VECTORS = shared_root() / "merkle-vectors"  # default: Path(__file__).resolve().parents[2] / "shared" / "data"
# The number of files in each folder as published; fewer means the copy is incomplete.
EXPECTED_COUNTS = {"inclusion": 98, "consistency": 98}

# The leaves of the Certificate Transparency test suites (RFC 6962 reference tests) and the known roots of
# their first n leaves.
RFC6962_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
RFC6962_ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
RFC6962_LEAF_HASHES = [leaf_hash(entry) for entry in RFC6962_LEAVES]


def _missing_folder_message(kind: str) -> str:
    return (
        f"the Merkle proof vectors are missing from {VECTORS / kind}; restore ../shared/data/merkle-vectors "
        "(transparency-dev/merkle testdata) next to the repository, or set SAKSI_SHARED_DATA to its folder"
    )


def _cases(kind: str) -> list[Any]:
    folder = VECTORS / kind
    files = sorted(folder.rglob("*.json")) if folder.is_dir() else []
    if not files:
        # An empty parameter list would make pytest skip; one failing case says what is wrong instead.
        return [pytest.param(None, id=f"{kind}-MISSING")]
    return [pytest.param(path, id=str(path.relative_to(folder))) for path in files]


def _b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _load(path: Path | None, kind: str) -> dict[str, Any]:
    if path is None:
        shared(f"merkle-vectors/{kind}")  # fails in CI, skips with the reason elsewhere
        pytest.fail(_missing_folder_message(kind))
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.mark.parametrize("kind", sorted(EXPECTED_COUNTS))
def test_vector_folders_are_complete(kind: str) -> None:
    folder = shared(f"merkle-vectors/{kind}")
    count = len(list(folder.rglob("*.json")))
    assert count == EXPECTED_COUNTS[kind], f"{folder} holds {count} vectors, expected {EXPECTED_COUNTS[kind]}"
    for sub in ("0", "1", "2", "3", "4"):
        assert (folder / sub / "happy-path.json").is_file(), f"{folder / sub / 'happy-path.json'} is missing"


@pytest.mark.parametrize("path", _cases("inclusion"))
def test_inclusion_vector(path: Path | None) -> None:
    case = _load(path, "inclusion")
    leaf, root = _b64(case["leafHash"]), _b64(case["root"])
    proof = [_b64(p) for p in case["proof"] or []]
    index, size = case["leafIdx"], case["treeSize"]
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, proof, root)
    else:
        verify_inclusion(leaf, index, size, proof, root)
        assert root_from_inclusion_proof(leaf, index, size, proof) == root


@pytest.mark.parametrize("path", _cases("consistency"))
def test_consistency_vector(path: Path | None) -> None:
    case = _load(path, "consistency")
    root1, root2 = _b64(case["root1"]), _b64(case["root2"])
    proof = [_b64(p) for p in case["proof"] or []]
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(case["size1"], case["size2"], root1, root2, proof)
    else:
        verify_consistency(case["size1"], case["size2"], root1, root2, proof)


@pytest.mark.parametrize("size", range(9))
def test_rfc6962_roots(size: int) -> None:
    leaves = RFC6962_LEAF_HASHES[:size]
    want = bytes.fromhex(RFC6962_ROOTS[size])
    assert root_from_leaves(leaves) == want
    assert CompactRange.from_leaves(leaves).root() == want
    assert tree_root(size, MemoryHashes(RFC6962_LEAF_HASHES)) == want
    assert MemoryHashes(RFC6962_LEAF_HASHES).root(size) == want


def test_empty_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == RFC6962_ROOTS[0]


def _happy_paths(kind: str) -> list[dict[str, Any]]:
    folder = shared(f"merkle-vectors/{kind}")
    cases = [json.loads(p.read_text()) for p in sorted(folder.glob("*/happy-path.json"))]
    assert cases, _missing_folder_message(kind)
    return cases


def test_inclusion_happy_paths_match_our_proofs() -> None:
    """Where the vectors use the RFC 6962 leaves, our roots and generated proofs must equal theirs."""
    hashes = MemoryHashes(RFC6962_LEAF_HASHES)
    checked = 0
    for case in _happy_paths("inclusion"):
        index, size = case["leafIdx"], case["treeSize"]
        if _b64(case["leafHash"]) != RFC6962_LEAF_HASHES[index]:
            continue
        assert _b64(case["root"]).hex() == RFC6962_ROOTS[size]
        assert inclusion_proof(index, size, hashes) == [_b64(p) for p in case["proof"] or []]
        checked += 1
    assert checked == 5


def test_consistency_happy_paths_match_our_proofs() -> None:
    hashes = MemoryHashes(RFC6962_LEAF_HASHES)
    for case in _happy_paths("consistency"):
        size1, size2 = case["size1"], case["size2"]
        assert _b64(case["root1"]).hex() == RFC6962_ROOTS[size1]
        assert _b64(case["root2"]).hex() == RFC6962_ROOTS[size2]
        assert consistency_proof(size1, size2, hashes) == [_b64(p) for p in case["proof"] or []]


@pytest.mark.parametrize(
    ("index", "size"), [(0, 0), (1, 1), (-1, 5), (5, 5), (2**64 - 1, 1)], ids=lambda v: str(v)
)
def test_inclusion_proof_refuses_leaves_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(ProofError):
        inclusion_proof(index, size, MemoryHashes(RFC6962_LEAF_HASHES))


@pytest.mark.parametrize(("old", "new"), [(0, 1), (0, 8), (3, 2), (-1, 4)], ids=lambda v: str(v))
def test_consistency_proof_refuses_impossible_sizes(old: int, new: int) -> None:
    with pytest.raises(ProofError):
        consistency_proof(old, new, MemoryHashes(RFC6962_LEAF_HASHES))


def test_consistency_between_equal_sizes() -> None:
    hashes = MemoryHashes(RFC6962_LEAF_HASHES)
    assert consistency_proof(8, 8, hashes) == []
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(ProofError, match="empty-tree root"):
        verify_consistency(0, 0, b"x" * 32, b"x" * 32, [])


def test_proof_hashes_of_the_wrong_length_are_named() -> None:
    hashes = MemoryHashes(RFC6962_LEAF_HASHES)
    proof = inclusion_proof(2, 8, hashes)
    with pytest.raises(ProofError, match="inclusion proof hash 1 is 31 bytes"):
        verify_inclusion(RFC6962_LEAF_HASHES[2], 2, 8, [proof[0], proof[1][:31], proof[2]], hashes.root())


def test_compact_range_reports_completed_subtrees_and_rebuilds() -> None:
    cr = CompactRange()
    completed = [cr.append(h) for h in RFC6962_LEAF_HASHES[:7]]
    # Leaf 3 completes [3,4), [2,4) and [0,4).
    assert [(s.level, s.index, s.start, s.end) for s in completed[3]] == [
        (0, 3, 3, 4),
        (1, 1, 2, 4),
        (2, 0, 0, 4),
    ]
    assert completed[3][-1].hash.hex() == RFC6962_ROOTS[4]
    assert len(cr.peaks) == 3  # 7 = 4 + 2 + 1
    hashes = MemoryHashes(RFC6962_LEAF_HASHES[:7])
    rebuilt = CompactRange.from_source(7, hashes)
    assert rebuilt.peaks == cr.peaks
    rebuilt.append(RFC6962_LEAF_HASHES[7])
    assert rebuilt.root().hex() == RFC6962_ROOTS[8]
    assert cr.root().hex() == RFC6962_ROOTS[7]  # the rebuilt copy shares no state
    with pytest.raises(ProofError, match="3 peaks"):
        CompactRange.from_peaks(7, cr.peaks[:2])


def test_memory_hashes_answers_only_aligned_subtrees() -> None:
    hashes = MemoryHashes(RFC6962_LEAF_HASHES)
    assert hashes.range_hash(0, 8).hex() == RFC6962_ROOTS[8]
    assert hashes.range_hash(4, 6) == hashes.range_hash(4, 6)
    for start, end in [(0, 3), (1, 3), (2, 2), (6, 10), (-2, 0)]:
        with pytest.raises(ProofError):
            hashes.range_hash(start, end)
