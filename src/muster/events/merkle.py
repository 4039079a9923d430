"""A Merkle tree over the event log in the manner of Certificate Transparency (RFC 9162).

Leaf ``i`` is the event with ``seq = i + 1``; its leaf data is the event's chain hash (32
bytes), which already commits to the event's content and to every event before it.
Hashing follows RFC 9162 section 2.1.1: a leaf is ``SHA-256(0x00 || data)`` and an inner
node ``SHA-256(0x01 || left || right)``, so a leaf can never pass for a node.

Proofs are built by the definitions of section 2.1.3.1 (inclusion) and 2.1.4.1
(consistency) and checked by the algorithms of 2.1.3.2 and 2.1.4.2. The checks need
nothing but this module and ``hashlib``, so an investigator can verify a proof offline.

Why not ``pymerkle``: it keeps its own leaf store (memory or its own SQLite file), while
Muster's leaves already live in the events table on SQLite or PostgreSQL; its proofs use
its own serialised form and one-based indices, so a verifier would need the library too.
The RFC's algorithms are short enough to read in full here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not verify, with what was wrong."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash of ``data``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 hash of an inner node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH: the root hash of the tree whose leaf hashes are ``leaves``."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf ``index`` in the tree of ``leaves``."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ProofError(f"leaf {index} is not in a tree of {n} leaves")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_path(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_path(index - k, leaves[k:]), root(leaves[:k])]


def consistency_path(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): that the tree of the first ``first`` leaves is a prefix of this one."""
    n = len(leaves)
    if not 0 < first <= n:
        raise ProofError(f"a tree of {first} leaves cannot be a prefix of one of {n}")
    return _subproof(first, leaves, complete=True)


def _subproof(m: int, leaves: Sequence[bytes], *, complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete=complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], complete=False), root(leaves[:k])]


def verify_inclusion(
    *, index: int, size: int, leaf: bytes, path: Sequence[bytes], expected_root: bytes
) -> None:
    """RFC 9162 2.1.3.2: raise ``ProofError`` unless ``leaf`` is at ``index`` under the root."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("the audit path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the audit path is shorter than the tree is deep")
    if r != expected_root:
        raise ProofError("the audit path leads to a different root: the log was altered")


def verify_consistency(
    *, first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.4.2: raise ``ProofError`` unless the first tree is a prefix of the second."""
    if not 0 < first <= second:
        raise ProofError(f"a tree of {first} leaves cannot be a prefix of one of {second}")
    if first == second:
        if path:
            raise ProofError("a proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError("the two checkpoints sign different logs of the same size")
        return
    if not path:
        raise ProofError("the consistency proof is empty")
    nodes = list(path)
    if first & (first - 1) == 0:  # an exact power of two: the old root is itself a node
        nodes.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the tree is deep")
    if fr != first_root:
        raise ProofError("the earlier checkpoint's log is not a prefix of this one")
    if sr != second_root:
        raise ProofError("the proof leads to a different root: the log was altered")
