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

from constrain.automata.determinize import SubsetDFA
from constrain.automata.dfa import DEAD


@dataclass
class MinimalDFA:
    trans: np.ndarray  # int32 [n_states, n_columns]; -1 = dead
    tags: list[frozenset[int]]
    column_of_class: np.ndarray  # int [n_classes]


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
    n = trans.shape[0]
    src, _ = np.nonzero(trans >= 0)
    dst = trans[trans >= 0]
    order = np.argsort(dst, kind="stable")
    preds_of = src[order].tolist()
    starts = np.concatenate(([0], np.cumsum(np.bincount(dst, minlength=n)))).tolist()
    alive = [bool(t) for t in tags]
    queue = [s for s in range(n) if alive[s]]
    while queue:
        t = queue.pop()
        for s in preds_of[starts[t]:starts[t + 1]]:
            if not alive[s]:
                alive[s] = True
                queue.append(s)
    if not alive[0]:
        return None
    keep = np.array(alive)
    new_id = np.full(n + 1, DEAD, dtype=np.int32)  # index -1 (dead) maps to dead
    new_id[:n][keep] = np.arange(int(keep.sum()), dtype=np.int32)
    return new_id[trans[keep]], [t for t, k in zip(tags, keep) if k]


def _hopcroft(trans: np.ndarray, tags: list[frozenset[int]]) -> list[int]:
    """Coarsest partition of the states compatible with `tags` and `trans`; block id per state."""
    n, k = trans.shape
    sink = n
    full = np.where(trans >= 0, trans, sink)
    full = np.vstack([full, np.full((1, k), sink, dtype=full.dtype)])
    inverse = []
    for c in range(k):
        col = full[:, c]
        order = np.argsort(col, kind="stable").tolist()
        starts = np.concatenate(([0], np.cumsum(np.bincount(col, minlength=n + 1)))).tolist()
        inverse.append((order, starts))

    groups: dict[frozenset[int], list[int]] = {}
    for s, t in enumerate(tags + [frozenset()]):
        groups.setdefault(t, []).append(s)
    elems: list[int] = []
    first: list[int] = []
    end: list[int] = []
    for members in groups.values():
        first.append(len(elems))
        elems.extend(members)
        end.append(len(elems))
    mid = first[:]  # elems[first[b]:mid[b]] are the marked members of block b
    block = [0] * (n + 1)
    loc = [0] * (n + 1)
    for b in range(len(first)):
        for i in range(first[b], end[b]):
            block[elems[i]] = b
            loc[elems[i]] = i

    largest = max(range(len(first)), key=lambda b: end[b] - first[b])
    pending = {(b, c) for b in range(len(first)) if b != largest for c in range(k)}
    stack = list(pending)
    while stack:
        splitter = stack.pop()
        pending.discard(splitter)
        b, c = splitter
        order, starts = inverse[c]
        touched = []
        for t in elems[first[b]:end[b]]:
            for s in order[starts[t]:starts[t + 1]]:
                bs = block[s]
                i, j = loc[s], mid[bs]
                if i < j:
                    continue
                other = elems[j]
                elems[i], elems[j] = other, s
                loc[other], loc[s] = i, j
                mid[bs] = j + 1
                if j == first[bs]:
                    touched.append(bs)
        for bs in touched:
            if mid[bs] == end[bs]:  # every member marked: no split
                mid[bs] = first[bs]
                continue
            nb = len(first)
            first.append(first[bs])
            end.append(mid[bs])
            mid.append(first[bs])
            first[bs] = mid[bs]
            for i in range(first[nb], end[nb]):
                block[elems[i]] = nb
            smaller = nb if end[nb] - first[nb] <= end[bs] - first[bs] else bs
            for d in range(k):
                if (bs, d) in pending:
                    add = (nb, d)
                else:
                    add = (smaller, d)
                if add not in pending:
                    pending.add(add)
                    stack.append(add)
    return block[:n]


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
