"""Strings of lo..hi characters (minLength/maxLength alone) as a byte automaton built
directly: a count of the characters read times the automaton of one character.

Written as a regex, `"(?:c){lo,hi}"` (c: one JSON string character, canonical spelling)
costs a subset construction over hi copies of c: tens of milliseconds for maxLength 255,
the largest share of compiling such a schema. The product built here is the same language
from a few array operations.

Invariant: `length_string_dfa(lo, hi)` accepts exactly the language of
`string_regex(any_text(lo, hi))` (the quoted canonical spellings of the strings of lo..hi
characters; hi None: no upper bound). Every state is reachable from the start (0) and
co-reachable.
"""
from __future__ import annotations

import functools

import numpy as np

from constrain.automata.dfa import ByteDFA
from constrain.grammars.json_schema.keys import spelling_dfa
from constrain.grammars.json_schema.strings import any_text, encode

QUOTE = ord('"')


@functools.lru_cache(maxsize=64)
def length_string_dfa(lo: int, hi: int | None) -> ByteDFA | None:
    """The automaton of the quoted strings of lo..hi characters (None: there are none)."""
    if hi is not None and lo > hi:
        return None
    unit = spelling_dfa(encode(any_text(1, 1)))
    ends = np.flatnonzero(unit.accepting)
    # one character: a single final state without moves, and no character starts with a quote
    assert len(ends) == 1 and ends[0] != unit.start and not (unit.trans[ends[0]] >= 0).any() \
        and unit.trans[unit.start, QUOTE] < 0, "the one-character automaton is not a chain of one character"
    end = int(ends[0])
    inner = [unit.start] + [d for d in range(unit.n_states) if d not in (unit.start, end)]
    index = np.full(unit.n_states, -1, dtype=np.int64)
    index[inner] = np.arange(len(inner))
    # state 1 + p * m + i: p characters read, inside the next one at its state inner[i];
    # with a bound, position hi has only its first state (no character may start there)
    m = len(inner)
    full = hi if hi is not None else lo + 1
    moves = unit.trans[inner]                                    # (m, 256)
    inside = (moves >= 0) & (moves != end)
    first = np.where(inside, index[np.maximum(moves, 0)] + 1, -1).astype(np.int32)   # at position 0
    completes = moves == end
    n = 1 + full * m + (hi is not None) + 1                      # + the opening and the final state
    trans = np.full((n, 256), -1, dtype=np.int32)
    trans[0, QUOTE] = 1
    for p in range(full):
        rows = trans[1 + p * m:1 + (p + 1) * m]
        np.add(first, p * m, out=rows, where=inside)
        rows[completes] = 1 + (p + 1 if hi is not None else min(p + 1, lo)) * m   # unbounded: stay at lo
    trans[1 + np.arange(lo, (hi if hi is not None else lo) + 1) * m, QUOTE] = n - 1   # the closing quote
    accepting = np.zeros(n, dtype=bool)
    accepting[n - 1] = True
    return ByteDFA(trans, accepting, 0)
