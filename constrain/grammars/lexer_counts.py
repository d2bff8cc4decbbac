"""The lexeme counter of one lexer: where its counted candidates (CountedDFA parts,
constrain/automata/counted.py) are in its union, and their bounds, laid out per union state
for the C++ walks (byte_dfa.h: LexemeCounter).

A counted terminal's count belongs to its own lexeme, so past its start state it must be the
only *candidate* member of every union state it is in (a lexeme read both as it and as
another candidate would need the count kept for one reading and dropped for the other);
members of terminals that are not candidates of the lexer do not matter. A candidate set
that breaks this is refused (SharedCountError); `Lexers.check_counted` finds that at compile
time for all the candidate sets of an LALR parser (each lies within the action set of its LR
state and the ignored terminals).

Invariant: for a union state q holding (counted candidate c, state s != 0), `base[q]` is the
bit offset of row s of c's `ok` table in `ok_words`, `cap[q]` its last column, `marked[q]`
and `saturate[q]` c's, and `room_at[q]` the offset of c's `room` in `rooms`; base[q] =
room_at[q] = -1 for every other state (no count: 0).
"""
from __future__ import annotations

import numpy as np

from constrain.automata.counted import CountedDFA
from constrain.errors import GrammarError


class SharedCountError(GrammarError):
    """A counted terminal (`component`: its global index) shares a union state with another
    candidate."""

    def __init__(self, component: int):
        super().__init__("a terminal whose length is counted shares its text with another candidate terminal")
        self.component = component


def counted_components(parts: list, components) -> list[int]:
    """The counted ones among `components` (global indices)."""
    return [c for c in components if isinstance(parts[c], CountedDFA)]


def counted_rows(parts: list, selected: np.ndarray, member_begin: np.ndarray, member_rows: np.ndarray):
    """(union state, member row) of each counted candidate past its start, for the candidates
    `selected` (a boolean array over global components); SharedCountError where another
    candidate shares such a state."""
    sizes = np.diff(member_begin)
    state_of_row = np.repeat(np.arange(len(sizes)), sizes)
    comp, sub = member_rows[:, 0], member_rows[:, 1]
    chosen = selected[comp]
    is_counted = np.zeros(len(selected), dtype=bool)
    is_counted[counted_components(parts, np.flatnonzero(selected).tolist())] = True
    rows = np.flatnonzero(chosen & is_counted[comp] & (sub != 0))
    candidates_in = np.bincount(state_of_row[chosen], minlength=len(sizes))
    shared = rows[candidates_in[state_of_row[rows]] > 1]
    if shared.size:
        raise SharedCountError(int(comp[shared[0]]))
    return state_of_row[rows], rows


def counter_arrays(parts: list, selected: np.ndarray, member_begin: np.ndarray, member_rows: np.ndarray):
    """((base, cap, marked, saturate, ok_words, room_at, rooms), owner) of the lexer of
    candidates `selected` in a union with these members: the arguments of
    ByteDFA.set_counter, and per union state the counted component it is in (-1: none)."""
    states, rows = counted_rows(parts, selected, member_begin, member_rows)
    n_states = len(member_begin) - 1
    owner = np.full(n_states, -1, dtype=np.int32)
    owner[states] = member_rows[rows, 0]
    base = np.full(n_states, -1, dtype=np.int64)
    cap = np.zeros(n_states, dtype=np.int32)
    marked = np.zeros(n_states, dtype=np.uint8)
    saturate = np.zeros(n_states, dtype=np.uint8)
    room_at = np.full(n_states, -1, dtype=np.int64)
    tables, rooms, at, room_offset = [], [], 0, 0
    comp, sub = member_rows[rows, 0], member_rows[rows, 1]
    for c in counted_components(parts, np.flatnonzero(selected).tolist()):
        part = parts[c]
        here = comp == c
        # (state s, count e) of c's table at at + s * (cap + 1) + e
        base[states[here]] = at + sub[here].astype(np.int64) * (part.cap + 1)
        cap[states[here]] = part.cap
        marked[states[here]] = part.marked[sub[here]]
        saturate[states[here]] = part.hi is None
        room_at[states[here]] = room_offset
        tables.append(part.ok.ravel())
        rooms.append(part.room)
        at += part.ok.size
        room_offset += part.room.size
    ok_words = np.packbits(np.concatenate(tables), bitorder="little")
    ok_words = np.pad(ok_words, (0, -len(ok_words) % 8)).view(np.uint64)
    rooms = np.concatenate(rooms) if rooms else np.zeros(0, dtype=np.int32)
    return (base, cap, marked, saturate, ok_words, room_at, rooms), owner
