"""Trim, minimize and renumber a class-level DFA (determinize.SubsetDFA).

`minimize(sub)` returns a `MinimalDFA`, or None when the language is empty, where:
- every state is reachable from the start and co-reachable (reaches a state with tags);
- no two states are equivalent, where equivalence also requires equal tag sets, so states
  accepting different terminals are never merged (Hopcroft's partition refinement, run on the
  DFA completed with one sink state for the dead transitions);
- classes that every state treats alike share one column: `trans[:, column_of_class[c]]` is
  the move on class c, and columns are numbered by their lowest class;
- states are numbered breadth-first from the start (start = 0, columns in order), so equal
  languages over the same classes give identical arrays.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from constrain._core import coreachable, hopcroft
from constrain.automata.charset import CharSet
from constrain.automata.determinize import SubsetDFA
from constrain.automata.dfa import DEAD


@dataclass
class MinimalDFA:
    trans: np.ndarray  # int32 [n_states, n_columns]; -1 = dead
    tags: list[frozenset[int]]
    column_of_class: np.ndarray  # int [n_classes]

    def column_chars(self, classes: list[CharSet]) -> list[CharSet]:
        """The characters each column reads: the union of its classes (`classes[c]`, the
        characters of class c)."""
        parts: list[list[CharSet]] = [[] for _ in range(self.trans.shape[1])]
        for c, column in enumerate(self.column_of_class.tolist()):
            parts[column].append(classes[c])
        return [CharSet().union(*p) for p in parts]


def minimize(sub: SubsetDFA) -> MinimalDFA | None:
    trimmed = _trim(sub.trans, sub.tags)
    if trimmed is None:
        return None
    trans, tags = trimmed
    first_class: dict[bytes, int] = {}
    column_of_class = np.array(
        [first_class.setdefault(trans[:, c].tobytes(), len(first_class)) for c in range(trans.shape[1])],
        dtype=np.int64,
    )
    columns = trans[:, np.unique(column_of_class, return_index=True)[1]]
    block = _hopcroft(columns, tags)
    trans, tags = _quotient(columns, tags, block)
    return MinimalDFA(trans, tags, column_of_class)


def _trim(trans: np.ndarray, tags: list[frozenset[int]]):
    """Drop states that cannot reach acceptance (all are reachable by construction)."""
    accepting = np.fromiter(map(bool, tags), dtype=np.uint8, count=len(tags))
    keep = coreachable(np.ascontiguousarray(trans, dtype=np.int32), accepting)
    if not keep[0]:
        return None
    n = trans.shape[0]
    new_id = np.full(n + 1, DEAD, dtype=np.int32)  # index -1 (dead) maps to dead
    new_id[:n][keep] = np.arange(int(keep.sum()), dtype=np.int32)
    return new_id[trans[keep]], [t for t, k in zip(tags, keep) if k]


def _hopcroft(trans: np.ndarray, tags: list[frozenset[int]]) -> list[int]:
    """Coarsest partition of the states compatible with `tags` and `trans`; block id per state
    (C++ `hopcroft` on the DFA completed with one sink state for the dead transitions)."""
    n, k = trans.shape
    full = np.vstack([np.where(trans >= 0, trans, n), np.full((1, k), n, dtype=trans.dtype)]).astype(np.int32)
    group_of: dict[frozenset[int], int] = {}
    group = np.array([group_of.setdefault(t, len(group_of)) for t in tags + [frozenset()]], dtype=np.int32)
    return hopcroft(full, group)[:n].tolist()


def _quotient(trans: np.ndarray, tags: list[frozenset[int]], block: list[int]):
    """The DFA over blocks, numbered breadth-first from the start's block."""
    n = trans.shape[0]
    _, dense = np.unique(block, return_inverse=True)  # the sink's block id left a gap
    block = dense.reshape(-1).tolist()
    block_of = np.array(block + [DEAD], dtype=np.int32)  # block_of[-1]: dead stays dead
    n_blocks = int(block_of.max()) + 1
    rep = np.empty(n_blocks, dtype=np.int64)
    rep[block_of[n - 1::-1]] = np.arange(n - 1, -1, -1)  # lowest member of each block
    block_trans = block_of[trans[rep]]
    rows = block_trans.tolist()
    new_id = [DEAD] * n_blocks
    new_id[block[0]] = 0
    order = [block[0]]
    for b in order:  # breadth-first: `order` grows while we walk it
        for t in rows[b]:
            if t != DEAD and new_id[t] == DEAD:
                new_id[t] = len(order)
                order.append(t)
    renumber = np.array(new_id + [DEAD], dtype=np.int32)
    return renumber[block_trans[order]], [tags[int(rep[b])] for b in order]
