"""Strings that are runs of character classes (`[a-z][0-9a-z_]{0,63}`, or lo..hi of any
character: minLength/maxLength alone) as a byte automaton built directly, position by
position, each position the automaton of one character of its class.

Written as a regex, `"[a-z](?:c){0,63}"` (c: the canonical spelling of one JSON string
character) costs a subset construction over 64 copies of c: tens of milliseconds for a few
hundred positions, the largest share of compiling such a schema. The chain built here is
the same language from a few array operations per position.

Invariant: `runs_dfa(runs, opening, closing)` accepts exactly the language of the regex
`string_regex(runs_ast(runs))` (without its opening or closing quote when those are False).
Every state is reachable from the start (0) and co-reachable. `runs_of(ast)` reads a code
point AST as runs: fixed classes, then one class repeated lo..hi times (None: unbounded).
"""
from __future__ import annotations

import functools

import numpy as np

from constrain.automata.charset import CharSet
from constrain.automata.dfa import ByteDFA
from constrain.automata.regex_parser import Chars, Concat, Node, Repeat
from constrain.grammars.json_schema.keys import spelling_dfa
from constrain.grammars.json_schema.strings import encode

QUOTE = ord('"')
Run = tuple[CharSet, int, "int | None"]      # a class, read lo..hi times


def runs_of(node: Node) -> tuple[Run, ...] | None:
    """The runs of `node` (see the module invariant), or None when it is not such a chain."""
    items = node.items if isinstance(node, Concat) else (node,)
    runs = []
    for item in items:
        if isinstance(item, Chars):
            runs.append((item.chars, 1, 1))
        elif isinstance(item, Repeat) and isinstance(item.item, Chars):
            runs.append((item.item.chars, item.min, item.max))
        else:
            return None
    if not runs or any(lo != hi for _, lo, hi in runs[:-1]):
        return None
    return tuple(runs)


def runs_ast(runs: tuple[Run, ...]) -> Node:
    """The code point AST of `runs` (the language `runs_dfa` spells)."""
    return Concat(tuple(Repeat(Chars(cs), lo, hi) for cs, lo, hi in runs))


def positions(runs: tuple[Run, ...]) -> int:
    """How many character positions the chain of `runs` lays out."""
    *fixed, (_, lo, hi) = runs
    return sum(n for _, n, _ in fixed) + (hi if hi is not None else lo + 1)


@functools.lru_cache(maxsize=256)
def _unit(cs: CharSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One character of `cs`, spelled canonically: (first, inside, completes) over its states
    but the final one (the start first): `first[i, b]` the state (same numbering) byte b
    leads to inside the character, `completes[i, b]` whether b ends the character."""
    unit = spelling_dfa(encode(Chars(cs)))
    ends = np.flatnonzero(unit.accepting)
    # one character: a single final state without moves, and no character starts with a quote
    assert len(ends) == 1 and ends[0] != unit.start and not (unit.trans[ends[0]] >= 0).any() \
        and unit.trans[unit.start, QUOTE] < 0, "the one-character automaton is not a chain of one character"
    end = int(ends[0])
    inner = [unit.start] + [d for d in range(unit.n_states) if d not in (unit.start, end)]
    index = np.full(unit.n_states, -1, dtype=np.int64)
    index[inner] = np.arange(len(inner))
    moves = unit.trans[inner]                                    # (m, 256)
    inside = (moves >= 0) & (moves != end)
    first = np.where(inside, index[np.maximum(moves, 0)], -1).astype(np.int32)
    return first, inside, moves == end


@functools.lru_cache(maxsize=64)
def runs_dfa(runs: tuple[Run, ...], opening: bool = True, closing: bool = True) -> ByteDFA | None:
    """The automaton of the strings of `runs` (None: there are none), between quotes when
    `opening` and `closing` say so."""
    *fixed, (last, lo, hi) = runs
    if hi is not None and lo > hi:
        return None
    classes = [cs for cs, n, _ in fixed for _ in range(n)] + [last] * (hi if hi is not None else lo + 1)
    n_positions = len(classes)
    units = [_unit(cs) for cs in classes]
    # position p's states start at begin[p] (its first state: p characters read); with a
    # bound, one more position without moves: every character read
    begin = np.cumsum([int(opening)] + [len(u[0]) for u in units] + [int(hi is not None)])
    n = int(begin[-1]) + int(closing)
    trans = np.full((n, 256), -1, dtype=np.int32)
    if opening:
        trans[0, QUOTE] = 1
    for p, (first, inside, completes) in enumerate(units):
        rows = trans[begin[p]:begin[p + 1]]
        np.add(first, begin[p], out=rows, where=inside)
        rows[completes] = begin[p + 1] if p + 1 < n_positions or hi is not None else begin[p]   # unbounded: stay
    # the string may end where the last run has read lo characters or more: from position
    # (fixed positions + lo) up to the last one (the bound's position without moves, if any)
    ends = begin[len(classes) - (hi if hi is not None else lo + 1) + lo:len(classes) + (hi is not None)]
    accepting = np.zeros(n, dtype=bool)
    if closing:
        trans[ends, QUOTE] = n - 1
        accepting[n - 1] = True
    else:
        accepting[ends] = True
    return ByteDFA(trans, accepting, 0)
