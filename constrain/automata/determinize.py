"""Subset construction: an NFA (nfa.py) to a DFA over a partition of its symbols into classes.

The caller supplies the partition: `classes_of(label)` lists the class ids whose union is the
edge label, so each subset step costs ~#classes (alphabet.py for code points, byte intervals in
utf8_expand.py for bytes).

A DFA state is identified by its *kernel* (the NFA states with outgoing edges in its epsilon
closure) and its *tags* (the NFA tags that accept there); those two determine all of its
future behaviour. Assertion edges are resolved here:
- `bos` (^) edges are followed only in the closure of the start state (nothing read yet);
- `eos` ($) edges are followed only when deciding acceptance: a state accepts tag i if the
  closure that additionally follows `eos` edges reaches a state tagged i; nothing after an
  `eos` edge enters the kernel, since no symbol may follow the end of the input.

The result (`SubsetDFA`) has every state reachable from state 0 (the start); it is neither
trimmed nor minimal (see minimize.py). Exceeding `max_states` raises `AutomatonTooLargeError`
the moment the state count passes the limit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from constrain.automata.nfa import NFA
from constrain.errors import AutomatonTooLargeError


@dataclass
class SubsetDFA:
    trans: np.ndarray  # int32 [n_states, n_classes]; -1 = dead
    tags: list[frozenset[int]]  # accepted tags per state


def determinize(
    nfa: NFA, classes_of: Callable[[object], Iterable[int]], n_classes: int, max_states: int
) -> SubsetDFA:
    moves = [[(c, t) for label, t in edges for c in classes_of(label)] for edges in nfa.edges]
    closure = _Closure(nfa)
    start_key = closure.of_start()
    ids = {start_key: 0}
    keys = [start_key]
    rows: list[list[int]] = []
    target_ids: dict[frozenset[int], int] = {}  # memo: move targets -> DFA state (or -1)
    while len(rows) < len(keys):
        kernel = keys[len(rows)][0]
        buckets: dict[int, list[int]] = {}
        for s in kernel:
            for c, t in moves[s]:
                bucket = buckets.get(c)
                if bucket is None:
                    buckets[c] = [t]
                else:
                    bucket.append(t)
        row = [-1] * n_classes
        for c, targets in buckets.items():
            seeds = frozenset(targets)
            d = target_ids.get(seeds)
            if d is None:
                key = closure.of_set(seeds)
                d = ids.get(key)
                if d is None:
                    if not key[0] and not key[1]:
                        d = -1
                    else:
                        if len(keys) >= max_states:
                            raise AutomatonTooLargeError(
                                f"DFA exceeds max_states={max_states} during subset construction; "
                                "simplify the pattern or raise max_states"
                            )
                        d = ids[key] = len(keys)
                        keys.append(key)
                target_ids[seeds] = d
            row[c] = d
        rows.append(row)
    trans = np.array(rows, dtype=np.int32).reshape(len(rows), n_classes)
    return SubsetDFA(trans, [tags for _, tags in keys])


class _Closure:
    """Epsilon closures as (kernel, tags) DFA-state keys.

    Away from the start, closures distribute over union, so each NFA state's closure is
    computed once (lazily) and a set's closure is the union of its members' closures.
    """

    def __init__(self, nfa: NFA):
        self.nfa = nfa
        self.has_moves = [bool(edges) for edges in nfa.edges]
        self.memo: dict[int, tuple[frozenset[int], frozenset[int]]] = {}

    def of_start(self) -> tuple[frozenset[int], frozenset[int]]:
        return self._compute((self.nfa.start,), at_start=True)

    def of_set(self, seeds: frozenset[int]) -> tuple[frozenset[int], frozenset[int]]:
        memo = self.memo
        parts = []
        for s in seeds:
            part = memo.get(s)
            if part is None:
                part = memo[s] = self._compute((s,), at_start=False)
            parts.append(part)
        if len(parts) == 1:
            return parts[0]
        return (
            frozenset().union(*[k for k, _ in parts]),
            frozenset().union(*[t for _, t in parts]),
        )

    def _compute(self, seeds, at_start: bool) -> tuple[frozenset[int], frozenset[int]]:
        seen = self._reach(seeds, at_start, through_eos=False)
        tags, has_moves, eos = self.nfa.tags, self.has_moves, self.nfa.eos
        kernel = frozenset(s for s in seen if has_moves[s])
        ending = [t for s in seen for t in eos[s]]
        if ending:
            seen = seen | self._reach(ending, at_start, through_eos=True)
        return kernel, frozenset().union(*[tags[s] for s in seen if tags[s]])

    def _reach(self, seeds, at_start: bool, through_eos: bool) -> set[int]:
        eps, bos, eos = self.nfa.eps, self.nfa.bos, self.nfa.eos
        seen = set(seeds)
        stack = list(seen)
        while stack:
            s = stack.pop()
            nxt = eps[s]
            if at_start and bos[s]:
                nxt = nxt + bos[s]
            if through_eos and eos[s]:
                nxt = nxt + eos[s]
            for t in nxt:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        return seen
