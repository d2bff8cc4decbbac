"""Alphabet: the coarsest partition of Unicode scalar values that a family of CharSets respects.

For CharSets S_1..S_m, two scalar values are in the same class iff every S_j contains both or
neither; classes of values contained in no S_j are dropped (no move can read them). Invariants:
- `classes` are non-empty, pairwise disjoint CharSets;
- `classes_of(S_j)` is the tuple of class ids whose union is exactly S_j.
The subset construction then costs ~#classes per DFA state instead of one step per code point.
"""
from __future__ import annotations

from bisect import bisect_left
from typing import Iterable

from constrain.automata.charset import MAX_CODE_POINT, CharSet


class Alphabet:
    def __init__(self, sets: Iterable[CharSet]):
        # the same CharSet object labels many NFA edges: by identity first (a hash of the
        # ranges per edge costs more than the rest), then by value
        distinct = list(dict.fromkeys({id(cs): cs for cs in sets}.values()))
        cuts = sorted({0, MAX_CODE_POINT + 1}.union(
            *({lo, hi + 1} for cs in distinct for lo, hi in cs.ranges)
        ))
        signature: list[list[int]] = [[] for _ in range(len(cuts) - 1)]
        for j, cs in enumerate(distinct):
            for lo, hi in cs.ranges:
                for i in range(bisect_left(cuts, lo), bisect_left(cuts, hi + 1)):
                    signature[i].append(j)
        class_of_signature: dict[tuple[int, ...], int] = {}
        intervals: list[list[tuple[int, int]]] = []
        members: list[set[int]] = [set() for _ in distinct]
        for i, sig in enumerate(signature):
            if not sig:
                continue
            c = class_of_signature.setdefault(tuple(sig), len(intervals))
            if c == len(intervals):
                intervals.append([])
            intervals[c].append((cuts[i], cuts[i + 1] - 1))
            for j in sig:
                members[j].add(c)
        self.classes = [CharSet(iv) for iv in intervals]
        self._classes_of = {cs: tuple(sorted(m)) for cs, m in zip(distinct, members)}

    def classes_of(self, charset: CharSet) -> tuple[int, ...]:
        return self._classes_of[charset]
