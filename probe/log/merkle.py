"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification, with no I/O.

The collector appends leaf hashes with `CompactRange` (O(log n) state and work per entry) and stores the
`Subtree` hashes each append completes; it answers proof requests through a `HashSource` backed by that
store. The offline verifier needs only `verify_inclusion` and `verify_consistency`.

The HashSource contract
-----------------------
`HashSource.range_hash(start, end)` returns the Merkle tree hash of leaves [start, end). This module only
ever asks for *perfect, aligned* subtrees: `end - start == 2**k` for some k >= 0 and `start % 2**k == 0`,
with `end` no larger than the tree size the caller passed in. Such a range is exactly one node of the tree
at level k and index `start >> k`, and it never changes once the tree has reached `end` leaves, so a
database can answer it from a table keyed (level, index) filled from what `CompactRange.append` returns
(level 0 is the leaf hash itself), or from stored leaf hashes plus a cache. Hashes of the ragged right edge
of a tree are computed here from at most log2(n) such subtrees, so a proof costs O(log n) lookups.

This module may not open files, sockets or databases; it imports only the standard library.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from probe.log.errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "HashSource",
    "MemoryHashes",
    "Subtree",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "root_from_leaves",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2): where RFC 6962 splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaves(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of a whole list of leaf hashes, computed as RFC 6962 defines it.

    This is the reference definition (recursive split), kept independent of `CompactRange` so the two
    can check each other.
    """

    def mth(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return leaf_hashes[lo]
        k = _split(hi - lo)
        return node_hash(mth(lo, lo + k), mth(lo + k, hi))

    return EMPTY_ROOT if not leaf_hashes else mth(0, len(leaf_hashes))


@dataclass(frozen=True, slots=True)
class Subtree:
    """A perfect subtree: leaves [index * 2**level, (index + 1) * 2**level), and its hash."""

    level: int
    index: int
    hash: bytes

    @property
    def start(self) -> int:
        return self.index << self.level

    @property
    def end(self) -> int:
        return (self.index + 1) << self.level


class HashSource(Protocol):
    """Where proof generation reads subtree hashes from; see the module docstring for the contract."""

    def range_hash(self, start: int, end: int) -> bytes:
        """The hash of the perfect subtree over leaves [start, end) (power-of-two size, aligned)."""
        ...


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes long; a SHA-256 hash is {HASH_SIZE} bytes")


def _aligned_cover(start: int, end: int) -> list[tuple[int, int]]:
    """Split [start, end) into perfect aligned subtrees, left to right (largest first at a tree's edge)."""
    out: list[tuple[int, int]] = []
    while start < end:
        # The largest power of two that both divides start (alignment) and fits before end.
        size = start & -start if start else 1 << ((end - 1).bit_length())
        while start + size > end:
            size >>= 1
        out.append((start, start + size))
        start += size
    return out


def _fold_right(hashes: Sequence[bytes]) -> bytes:
    """Combine perfect subtrees of decreasing size, left to right, into the hash of their union.

    RFC 6962 splits n leaves at the largest power of two, so the tree over such a run is the first subtree
    joined with the tree over the rest: folding from the right reproduces that.
    """
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def _source_hash(hashes: HashSource, start: int, end: int) -> bytes:
    value = hashes.range_hash(start, end)
    if len(value) != HASH_SIZE:
        # A storage bug must not turn into a proof that silently fails to verify somewhere else.
        raise ProofError(f"the hash source returned {len(value)} bytes for leaves [{start}, {end})")
    return value


def _range_root(hashes: HashSource, start: int, end: int) -> bytes:
    """The hash of a tree node [start, end): a perfect subtree, or a node on the ragged right edge."""
    return _fold_right([_source_hash(hashes, s, e) for s, e in _aligned_cover(start, end)])


def tree_root(size: int, hashes: HashSource) -> bytes:
    """The root hash of the tree made of the first `size` leaves of `hashes`."""
    if size < 0:
        raise ProofError(f"tree size {size} is negative")
    return EMPTY_ROOT if size == 0 else _range_root(hashes, 0, size)


class CompactRange:
    """The compact range [0, size): the hashes of the perfect subtrees ("peaks") that make up the tree.

    It holds popcount(size) hashes, so appending and computing the root are O(log n) and no leaf is kept.
    `append` returns every subtree the new leaf completes, which a store keeps to answer `range_hash`.
    """

    __slots__ = ("_peaks", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._peaks: list[bytes] = []  # largest (leftmost) subtree first

    @classmethod
    def from_peaks(cls, size: int, peaks: Sequence[bytes]) -> CompactRange:
        """Rebuild from stored peaks: one hash per set bit of `size`, largest subtree first."""
        if size < 0:
            raise ProofError(f"tree size {size} is negative")
        if len(peaks) != size.bit_count():
            raise ProofError(f"a tree of size {size} has {size.bit_count()} peaks; got {len(peaks)}")
        for i, peak in enumerate(peaks):
            _check_hash(peak, f"peak {i}")
        cr = cls()
        cr._size = size
        cr._peaks = list(peaks)
        return cr

    @classmethod
    def from_source(cls, size: int, hashes: HashSource) -> CompactRange:
        """Rebuild from a store after a restart: popcount(size) `range_hash` lookups."""
        if size < 0:
            raise ProofError(f"tree size {size} is negative")
        return cls.from_peaks(size, [_source_hash(hashes, s, e) for s, e in _aligned_cover(0, size)])

    @classmethod
    def from_leaves(cls, leaf_hashes: Iterable[bytes]) -> CompactRange:
        cr = cls()
        for h in leaf_hashes:
            cr.append(h)
        return cr

    @property
    def size(self) -> int:
        return self._size

    @property
    def peaks(self) -> tuple[bytes, ...]:
        return tuple(self._peaks)

    def append(self, leaf_hash: bytes) -> list[Subtree]:
        """Add one leaf hash; return the subtrees it completes, the leaf itself (level 0) first."""
        _check_hash(leaf_hash, "the leaf hash")
        level, index, h = 0, self._size, leaf_hash
        completed = [Subtree(0, index, h)]
        # An odd index is a right child: its left sibling is the smallest peak, and their parent is complete.
        while index & 1:
            h = node_hash(self._peaks.pop(), h)
            level, index = level + 1, index >> 1
            completed.append(Subtree(level, index, h))
        self._peaks.append(h)
        self._size += 1
        return completed

    def root(self) -> bytes:
        return _fold_right(self._peaks) if self._peaks else EMPTY_ROOT

    def copy(self) -> CompactRange:
        return CompactRange.from_peaks(self._size, self._peaks)

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


class MemoryHashes:
    """An in-memory `HashSource`: the leaf hashes and every completed aligned subtree, for tests and small logs.

    It keeps 2n hashes, so each `range_hash` is one dictionary lookup, as a (level, index) table would be.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._tree = CompactRange()
        self._nodes: dict[tuple[int, int], bytes] = {}
        self.extend(leaf_hashes)

    def append(self, leaf_hash: bytes) -> None:
        for node in self._tree.append(leaf_hash):
            self._nodes[(node.level, node.index)] = node.hash

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for h in leaf_hashes:
            self.append(h)

    @property
    def size(self) -> int:
        return self._tree.size

    def __len__(self) -> int:
        return self._tree.size

    def leaf(self, index: int) -> bytes:
        return self.range_hash(index, index + 1)

    def root(self, size: int | None = None) -> bytes:
        """The root now, or of the tree's first `size` leaves."""
        if size is None:
            return self._tree.root()
        if not 0 <= size <= self.size:
            raise ProofError(f"tree size {size} is outside [0, {self.size}]")
        return tree_root(size, self)

    def range_hash(self, start: int, end: int) -> bytes:
        width = end - start
        if width <= 0 or width & (width - 1) or start % width or start < 0:
            raise ProofError(f"[{start}, {end}) is not a perfect aligned subtree")
        if end > self.size:
            raise ProofError(f"[{start}, {end}) reaches past the tree size {self.size}")
        return self._nodes[(width.bit_length() - 1, start // width)]


def _inclusion_path(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form RFC 6962 PATH(index, D[0:size]), leaf level first."""
    path: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo += k
    path.reverse()
    return path


def _consistency_path(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form RFC 6962 PROOF(old_size, D[0:new_size]), 0 < old < new."""
    path: list[tuple[int, int]] = []
    lo, hi = 0, new_size
    whole_old_tree = True  # SUBPROOF's flag b: is [lo, hi) still aligned with the old tree's root?
    while hi != old_size:
        k = _split(hi - lo)
        if old_size <= lo + k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo += k
            whole_old_tree = False
    if not whole_old_tree:
        # The verifier knows the old root already; it lacks this node only when the old tree is not a subtree.
        path.append((lo, hi))
    path.reverse()
    return path


def _check_inclusion_args(index: int, size: int) -> None:
    if size <= 0:
        raise ProofError(f"tree size {size} holds no leaves, so no leaf can be included")
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside the tree of size {size}")


def _check_consistency_args(old_size: int, new_size: int) -> None:
    if old_size < 0:
        raise ProofError(f"old tree size {old_size} is negative")
    if new_size < old_size:
        raise ProofError(f"new tree size {new_size} is smaller than old tree size {old_size}")
    if old_size == 0 and new_size > 0:
        # Every tree extends the empty tree, so such a proof would prove nothing; callers accept the new
        # tree head on its own instead (this matches the conformance vectors, which require an error).
        raise ProofError(f"old tree size is 0: a consistency proof to size {new_size} would prove nothing")


def inclusion_proof(index: int, size: int, hashes: HashSource) -> list[bytes]:
    """The RFC 6962 audit path of leaf `index` in the tree of the first `size` leaves of `hashes`."""
    _check_inclusion_args(index, size)
    return [_range_root(hashes, s, e) for s, e in _inclusion_path(index, size)]


def consistency_proof(old_size: int, new_size: int, hashes: HashSource) -> list[bytes]:
    """The RFC 6962 consistency proof from tree size `old_size` to `new_size` (0 < old_size <= new_size)."""
    _check_consistency_args(old_size, new_size)
    if old_size == new_size:
        return []
    return [_range_root(hashes, s, e) for s, e in _consistency_path(old_size, new_size)]


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root implied by an inclusion proof (RFC 9162 section 2.1.3.2); compare it to a trusted root."""
    _check_inclusion_args(index, size)
    _check_hash(leaf_hash, "the leaf hash")
    expected = len(_inclusion_path(index, size))
    if len(proof) != expected:
        raise ProofError(
            f"inclusion proof for leaf {index} of {size} has {len(proof)} hashes; it must have {expected}"
        )
    for i, p in enumerate(proof):
        _check_hash(p, f"inclusion proof hash {i}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:  # unreachable after the length check; kept so the loop is RFC 9162 verbatim
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that `leaf_hash` is leaf `index` of the tree of `size` leaves with hash `root`, or raise ProofError."""
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if computed != root:
        raise ProofError(
            f"inclusion proof for leaf {index} of {size} leads to root {computed.hex()}, not {root.hex()}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree (`new_size`, `new_root`) extends (`old_size`, `old_root`) (RFC 9162 2.1.4.2).

    Equal sizes need an empty proof and equal roots (the empty tree's root for size 0); the roots are
    compared as given, not length-checked, as the conformance vectors require. An old size of 0 is
    refused, see `_check_consistency_args`. Proof hashes must be 32 bytes. A root does not commit to its
    tree size, so the sizes must come from signed checkpoints.
    """
    _check_consistency_args(old_size, new_size)
    if old_size == new_size:
        if proof:
            raise ProofError(
                f"both trees have size {old_size}, so the proof must be empty; it has {len(proof)}"
            )
        if old_size == 0 and not old_root == new_root == EMPTY_ROOT:
            raise ProofError("a tree of size 0 must have the empty-tree root SHA-256('')")
        if old_root != new_root:
            raise ProofError(f"two trees of size {old_size} have different roots")
        return
    expected = len(_consistency_path(old_size, new_size))
    if len(proof) != expected:
        raise ProofError(
            f"consistency proof from size {old_size} to {new_size} has {len(proof)} hashes; it must have {expected}"
        )
    for i, p in enumerate(proof):
        _check_hash(p, f"consistency proof hash {i}")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a perfect subtree of the new one: its root is the proof's implicit first node.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:  # unreachable after the length check; kept so the loop is RFC 9162 verbatim
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError(f"consistency proof does not lead to the old root of size {old_size}")
    if sr != new_root:
        raise ProofError(f"consistency proof does not lead to the new root of size {new_size}")
