"""Tests for muster.events.merkle: RFC 9162 roots, inclusion and consistency proofs."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.events import merkle


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]


class TestHashing:
    """Leaf and node hashes follow RFC 9162 2.1.1 (the values CT's own test data uses)."""

    def test_empty_tree_root(self) -> None:
        """The root of no leaves is SHA-256 of the empty string."""
        assert merkle.root([]).hex() == (
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )

    def test_leaf_of_empty_data(self) -> None:
        """The leaf hash of empty data is SHA-256 of the single byte 0x00."""
        assert merkle.leaf_hash(b"").hex() == (
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        )

    def test_two_leaf_root_is_their_node(self) -> None:
        """A two-leaf root is the 0x01-prefixed hash of both leaves."""
        a, b = _leaves(2)
        assert merkle.root([a, b]) == hashlib.sha256(b"\x01" + a + b).digest()


class TestInclusion:
    """Every leaf of every tree proves; a wrong leaf, index or root does not."""

    @given(st.integers(1, 70), st.data())
    def test_every_leaf_proves(self, n: int, data: st.DataObject) -> None:
        """The audit path of any leaf leads to the root."""
        leaves = _leaves(n)
        i = data.draw(st.integers(0, n - 1))
        path = merkle.inclusion_path(i, leaves)
        merkle.verify_inclusion(
            index=i, size=n, leaf=leaves[i], path=path, expected_root=merkle.root(leaves)
        )

    @given(st.integers(2, 70), st.data())
    def test_altered_leaf_fails(self, n: int, data: st.DataObject) -> None:
        """A leaf changed after the root was signed does not prove."""
        leaves = _leaves(n)
        i = data.draw(st.integers(0, n - 1))
        signed_root = merkle.root(leaves)
        leaves[i] = merkle.leaf_hash(b"altered")
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(
                index=i,
                size=n,
                leaf=leaves[i],
                path=merkle.inclusion_path(i, leaves),
                expected_root=signed_root,
            )

    def test_index_outside_tree_is_refused(self) -> None:
        """A leaf index at or beyond the size is refused."""
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index=3, size=3, leaf=b"", path=[], expected_root=b"")


class TestConsistency:
    """Every prefix proves consistent; a changed prefix does not."""

    @given(st.integers(1, 70), st.data())
    def test_every_prefix_proves(self, n: int, data: st.DataObject) -> None:
        """The tree of the first m leaves is proved a prefix of the tree of n."""
        leaves = _leaves(n)
        m = data.draw(st.integers(1, n))
        merkle.verify_consistency(
            first=m,
            second=n,
            first_root=merkle.root(leaves[:m]),
            second_root=merkle.root(leaves),
            path=merkle.consistency_path(m, leaves),
        )

    @given(st.integers(2, 70), st.data())
    def test_rewritten_prefix_fails(self, n: int, data: st.DataObject) -> None:
        """Once a leaf inside the first tree changed, the later tree is not its extension."""
        leaves = _leaves(n)
        m = data.draw(st.integers(1, n - 1))
        old_root = merkle.root(leaves[:m])
        leaves[data.draw(st.integers(0, m - 1))] = merkle.leaf_hash(b"rewritten")
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(
                first=m,
                second=n,
                first_root=old_root,
                second_root=merkle.root(leaves),
                path=merkle.consistency_path(m, leaves),
            )
