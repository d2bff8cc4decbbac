"""PathTokenTrie: token-id sequences as a trie in flat numpy arrays (CSR).

Invariants:
- node 0 is the root; nodes 1..n_nodes-1 are numbered in depth-first order, siblings by
  increasing token id;
- the children of node n are `child_token[child_ptr[n]:child_ptr[n+1]]` (sorted, distinct)
  leading to `child_node[...]`; a node without children is a leaf: the end of a sequence;
- no sequence is a proper prefix of another (the builder refuses), so every leaf ends exactly
  one distinct sequence, `leaf_sequence[node]` (its index in the input; -1 for inner nodes);
  duplicate sequences share their leaf (the first index wins).
Token ids may be negative: the KG matcher uses -1 / -2 as virtual first tokens.
"""
from __future__ import annotations

from itertools import chain

import numpy as np

from constrain.errors import ConstrainError

_PAD = np.iinfo(np.int32).min  # sorts before every token id, virtual ones included


class PathTokenTrie:
    def __init__(self, sequences: list[list[int]]):
        if not sequences:
            raise ConstrainError("a PathTokenTrie needs at least one sequence")
        lengths = np.fromiter((len(s) for s in sequences), np.int64, len(sequences))
        if lengths.min() < 1:
            raise ConstrainError("a PathTokenTrie sequence is empty")
        width = int(lengths.max())
        tokens = np.full((len(sequences), width), _PAD, np.int32)
        tokens[np.arange(width) < lengths[:, None]] = np.fromiter(chain.from_iterable(sequences), np.int32, int(lengths.sum()))
        order = np.lexsort(tokens.T[::-1])
        tokens, lengths = tokens[order], lengths[order]

        # longest common prefix with the previous sorted row; duplicates are dropped
        differs = tokens[1:] != tokens[:-1]
        lcp = np.concatenate([[0], np.where(differs.any(axis=1), differs.argmax(axis=1), width)])
        keep = lcp < lengths
        keep[0] = True
        if not keep.all():
            tokens, lengths, lcp, order = tokens[keep], lengths[keep], lcp[keep], order[keep]
        if (lcp >= np.concatenate([[0], lengths[:-1]]))[1:].any():
            raise ConstrainError("a token sequence is a proper prefix of another; every path must end "
                                 "with the close delimiter")

        # row i creates the nodes at depths lcp[i] .. lengths[i]-1, numbered in row-major order
        depth = np.arange(width)
        created = (depth >= lcp[:, None]) & (depth < lengths[:, None])
        n_nodes = int(created.sum()) + 1
        node_at = np.zeros(tokens.shape, np.int64)
        node_at[created] = np.arange(1, n_nodes)
        np.maximum.accumulate(node_at, axis=0, out=node_at)  # node on row i's path at each depth
        rows, cols = np.nonzero(created)
        parent = np.where(cols > 0, node_at[rows, np.maximum(cols - 1, 0)], 0)
        token = tokens[rows, cols]

        by_parent = np.argsort(parent, kind="stable")
        self.child_ptr = np.zeros(n_nodes + 1, np.int64)
        np.cumsum(np.bincount(parent, minlength=n_nodes), out=self.child_ptr[1:])
        self.child_token = np.ascontiguousarray(token[by_parent])
        self.child_node = (by_parent + 1).astype(np.int64)
        self.leaf_sequence = np.full(n_nodes, -1, np.int64)
        self.leaf_sequence[node_at[np.arange(len(lengths)), lengths - 1]] = order
        self.n_sequences = len(lengths)
        for a in (self.child_ptr, self.child_token, self.child_node, self.leaf_sequence):
            a.setflags(write=False)

    @property
    def n_nodes(self) -> int:
        return len(self.leaf_sequence)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.child_ptr, self.child_token, self.child_node, self.leaf_sequence))

    def children(self, node: int) -> np.ndarray:
        """The token ids allowed after `node` (sorted, read-only view)."""
        return self.child_token[self.child_ptr[node]:self.child_ptr[node + 1]]

    def child(self, node: int, token: int) -> int:
        """The node after `token` from `node`, or -1 when the trie has no such edge."""
        lo, hi = int(self.child_ptr[node]), int(self.child_ptr[node + 1])
        i = lo + int(np.searchsorted(self.child_token[lo:hi], token))
        return int(self.child_node[i]) if i < hi and self.child_token[i] == token else -1

    def is_leaf(self, node: int) -> bool:
        return self.child_ptr[node] == self.child_ptr[node + 1]
