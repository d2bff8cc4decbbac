"""A byte automaton whose matches are also bounded in how many *marked* states they enter:
the length of a JSON string, in characters, counted as the lexer goes, where the product
of the string's pattern with its length bound would be too large (an email address of at
most 1024 characters: about 100 states of the pattern times 1025 lengths).

`CountedDFA` is the ByteDFA of the language without the bound (trimmed, start 0) with
`marked[s]` (entering s counts one), the bound `lo..hi` on the count (hi None: none) and
`ok[s, e]`: whether state s, entered with count e, can still reach acceptance with its
count in lo..hi, and `room[e]`: how many characters of plain text (token_slices.PLAIN_CHAR)
a walk entered with count e can read with no state it enters failing `ok` (-1: none), so
that a mask walk takes a token slice whole where its tokens all fit. Counts saturate at
`cap` (the last column of `ok`): past it a move dies when hi bounds the count (cap = hi),
and stays at cap when it does not (cap = lo: every count from lo on is alike).
`product_dfa` turns a counted automaton into the plain product automaton (its reachable
(state, count) pairs), for a bound small enough to spell out.

Invariant: a byte string is in the bounded language iff the automaton accepts it and its
count lies in lo..hi; a walk that checks `ok` at every move (`walk`, and the lexer's
LexemeCounter in C++) never lives on a prefix that no string of the bounded language extends.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from constrain.automata.determinize import SubsetDFA
from constrain.automata.dfa import DEAD, ByteDFA
from constrain.automata.minimize import minimize
from constrain.automata.token_slices import PLAIN_CHAR
from constrain.deadline import check_time
from constrain.errors import AutomatonTooLargeError

#: cells of `ok` (states times counts) a counted automaton may have
MAX_COUNTED_CELLS = 1 << 23


@dataclass(frozen=True, eq=False)
class CountedDFA(ByteDFA):
    marked: np.ndarray = None
    lo: int = 0
    hi: int | None = None
    ok: np.ndarray = None
    room: np.ndarray = None

    @property
    def cap(self) -> int:
        return self.ok.shape[1] - 1

    def free_counts(self, reach: int) -> np.ndarray:
        """`free[e]`: entered with count e, no walk of up to `reach` more bytes can meet the
        bound (every state but the start, which is never entered again, is ok at every count
        it can reach): a walk from there needs no count."""
        return _room(self.ok[1:], self.hi is None) >= reach

    def enter(self, state: int, count: int) -> int:
        """The count after entering `state` with `count` before it, or -1 when no string of
        the bounded language goes on from there (the rule of the C++ LexemeCounter::enter)."""
        count += int(self.marked[state])
        if count > self.cap:
            if self.hi is not None:
                return -1
            count = self.cap
        return count if self.ok[state, count] else -1

    def walk(self, state: int, data: bytes, count: int = 0) -> int:
        """State after `data` from `state` entered with `count`, or DEAD (the count checked too)."""
        for b in data:
            state = int(self.trans[state, b])
            if state == DEAD:
                return DEAD
            count = self.enter(state, count)
            if count < 0:
                return DEAD
        return state


def counted_dfa(dfa: ByteDFA, marked: np.ndarray, lo: int, hi: int | None) -> CountedDFA | None:
    """`dfa` (trimmed, start 0, not counting itself: the start is unmarked) with the count
    of marked states entered bounded to lo..hi; None when no string fits the bound;
    AutomatonTooLargeError past MAX_COUNTED_CELLS."""
    cap = hi if hi is not None else lo
    n = dfa.n_states
    if n * (cap + 1) > MAX_COUNTED_CELLS:
        raise AutomatonTooLargeError(f"a count bound of {cap} over {n} states exceeds {MAX_COUNTED_CELLS} cells")
    reach, tail = _reach(dfa, marked, cap)
    ok = _in_bounds(reach, tail, lo, hi)
    if not ok[dfa.start, 0]:
        return None
    entered = np.unique(dfa.trans[:, _PLAIN_BYTES])         # the states plain text enters
    return CountedDFA(dfa.trans, dfa.accepting, dfa.start, marked=marked.astype(np.uint8), lo=lo, hi=hi, ok=ok,
                      room=_room(ok[entered[entered >= 0]], hi is None))


def product_dfa(counted: CountedDFA, max_states: int) -> ByteDFA | None:
    """The bounded language as a plain ByteDFA, minimal, start 0: its states are the (state,
    count) pairs reachable from (start, 0) through moves that keep `ok` (no byte-level
    expansion or subset construction): the pairs (s, e) that some path enters with count e
    and that are ok (every earlier pair of a path to an ok pair is ok too: the path's rest
    completes it). None when more than 2 * max_states pairs are reachable or more than
    max_states remain minimized (at once when lo is past that: a path to acceptance meets
    every count up to lo)."""
    check_time()
    if counted.lo >= 2 * max_states:
        return None
    reached = _entered(counted) & counted.ok.T
    if np.count_nonzero(reached) > 2 * max_states:
        return None
    width = counted.cap + 1
    # the moves on one column per class of bytes every state treats alike, in byte order
    columns, first, column_of_byte = np.unique(counted.trans, axis=1, return_index=True, return_inverse=True)
    order = np.argsort(first)
    trans, marked = np.ascontiguousarray(columns[:, order]), counted.marked.astype(np.int64)
    column_of_byte = np.argsort(order)[column_of_byte.ravel()]

    def moves(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # (target keys per byte, whether the move keeps ok) of the pairs `keys`
        target = trans[keys // width]
        count = keys[:, None] % width + marked[np.maximum(target, 0)]
        if counted.hi is None:
            count = np.minimum(count, counted.cap)
        valid = (target >= 0) & (count <= counted.cap)
        valid[valid] = counted.ok[target[valid], count[valid]]
        return target.astype(np.int64) * width + count, valid

    count, state = np.nonzero(reached)
    seen = np.sort(state.astype(np.int64) * width + count)
    keys, valid = moves(seen)
    table = np.full(keys.shape, DEAD, dtype=np.int32)
    table[valid] = np.searchsorted(seen, keys[valid])
    accepting = counted.accepting[seen // width] & (seen % width >= counted.lo)
    result = minimize(SubsetDFA(table, [_ACCEPTS if a else _NOTHING for a in accepting.tolist()]))
    if result.trans.shape[0] > max_states:
        return None
    by_byte = result.column_of_class[column_of_byte]
    return ByteDFA(np.ascontiguousarray(result.trans[:, by_byte], dtype=np.int32),
                   np.array([bool(t) for t in result.tags], dtype=bool), 0)


_ACCEPTS, _NOTHING = frozenset({0}), frozenset()


def _entered(counted: CountedDFA) -> np.ndarray:
    """`entered[e, s]`: some path from the start enters s with count e (e up to cap; past it
    the count stays at cap when hi is None). Row by row over the marked states (`heads`), then
    each head's unmarked successors."""
    n, cap = counted.n_states, counted.cap
    zero_src, zero_dst, one_src, one_dst = _marked_moves(counted, counted.marked.astype(bool))
    heads = np.zeros((cap + 1, n), dtype=bool)
    heads[0, counted.start] = True
    for e in range(cap):
        heads[e + 1, one_dst[heads[e][one_src]]] = True
    while counted.hi is None:
        more = heads[cap].copy()
        more[one_dst[more[one_src]]] = True
        if np.array_equal(more, heads[cap]):
            break
        heads[cap] = more
    # (g, t): t follows g by unmarked moves only (t = g included)
    inside_src, inside_dst = _extended(np.arange(n), np.arange(n), lambda s, d: _join(s, d, zero_src, zero_dst), n)
    entered = np.zeros_like(heads)
    rows, pairs = np.nonzero(heads[:, inside_src])
    entered[rows, inside_dst[pairs]] = True
    return entered


def _marked_moves(dfa: ByteDFA, marked: np.ndarray):
    """(zero_src, zero_dst, one_src, one_dst): the moves into unmarked states, and the pairs
    (s, d) where s reaches marked d by moves into unmarked states, then one move into d.
    Unmarked moves lie inside one character (no cycle of them), so a few rounds settle."""
    n = dfa.n_states
    src, byte = np.nonzero(dfa.trans >= 0)
    moves = np.unique(src.astype(np.int64) * n + dfa.trans[src, byte])
    src, dst = moves // n, moves % n
    counting = marked[dst].astype(bool)
    zero_src, zero_dst = src[~counting], dst[~counting]
    one_src, one_dst = _extended(src[counting], dst[counting], lambda s, d: _join(zero_src, zero_dst, s, d), n)
    one = np.unique(one_src * n + one_dst)
    return zero_src, zero_dst, one // n, one % n


def _extended(src: np.ndarray, dst: np.ndarray, step, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs with those `step` (one more unmarked move) makes of them, again and again:
    unmarked moves form no cycle, so after at most n rounds no pair is new."""
    new_src, new_dst = src, dst
    for _ in range(n + 1):
        new_src, new_dst = step(new_src, new_dst)
        if not new_src.size:
            return src, dst
        src, dst = np.concatenate([src, new_src]), np.concatenate([dst, new_dst])
    raise ValueError("the unmarked moves of a counted automaton form a cycle")


def _reach(dfa: ByteDFA, marked: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """(`reach[L, s]`: some path from s to acceptance enters L marked states, for L up to at
    least cap; `tail[s]`: such paths are arbitrarily long). Each row follows from the one
    before, so the rows are eventually periodic: built until one repeats (then tiled), or
    until 2n + 1 (n states): a path with more than n marks goes round a cycle of at most n
    marks, so s has arbitrarily long paths iff it has one of n + 1 to 2n + 1 marks."""
    n = dfa.n_states
    zero_src, zero_dst, one_src, one_dst = _marked_moves(dfa, marked)

    def closed(row: np.ndarray) -> np.ndarray:
        while True:
            more = np.zeros_like(row)
            more[zero_src[row[zero_dst]]] = True
            if not (more & ~row).any():
                return row
            row |= more

    last = max(cap, 2 * n + 1)
    rows = [closed(dfa.accepting.astype(bool).copy())]
    seen = {rows[0].tobytes(): 0}
    first = None
    while first is None and len(rows) <= last:
        row = np.zeros(n, dtype=bool)
        row[one_src[rows[-1][one_dst]]] = True
        first = seen.get(row.tobytes())
        if first is None:
            seen[row.tobytes()] = len(rows)
            rows.append(row)
    if first is None:
        return np.stack(rows), np.stack(rows[n + 1:2 * n + 2]).any(axis=0)
    period = len(rows) - first
    index = np.arange(max(cap + 1, len(rows)))
    index = np.where(index < len(rows), index, first + (index - first) % period)
    tail = np.stack(rows[first:]).any(axis=0)      # the periodic rows recur past any length
    return np.stack(rows)[index], tail


#: a count past any token's characters (room without end)
UNBOUNDED_ROOM = 1 << 30
_PLAIN_BYTES = np.array([b for b in range(256) if re.fullmatch(PLAIN_CHAR.encode(), bytes([b]))])


def _room(ok: np.ndarray, saturate: bool) -> np.ndarray:
    """`room[e]`, e in 0..cap: the largest m such that every row of `ok` (some states') is ok
    at every count in e..e+m (past cap: as at cap when counts saturate, else not); -1 where
    one is not ok at e."""
    good = ok.all(axis=0)
    cap = good.size - 1
    bad = np.flatnonzero(~good)
    # the first bad count at or after e (cap + 1 when none)
    next_bad = np.append(bad, cap + 1)[np.searchsorted(bad, np.arange(cap + 1))]
    room = (next_bad - np.arange(cap + 1) - 1).astype(np.int64)
    if saturate and good[cap]:
        room[next_bad > cap] = UNBOUNDED_ROOM
    room[~good] = -1
    return room.astype(np.int32)


def _join(a_src: np.ndarray, a_dst: np.ndarray, b_src: np.ndarray, b_dst: np.ndarray):
    """The pairs (a_src[i], b_dst[j]) with a_dst[i] == b_src[j] (moves a then b)."""
    order = np.argsort(b_src, kind="stable")
    b_src, b_dst = b_src[order], b_dst[order]
    left = np.searchsorted(b_src, a_dst, side="left")
    count = np.searchsorted(b_src, a_dst, side="right") - left
    begin = np.cumsum(count) - count
    at = np.arange(int(count.sum())) - np.repeat(begin - left, count)
    return np.repeat(a_src, count), b_dst[at]


def _in_bounds(reach: np.ndarray, tail: np.ndarray, lo: int, hi: int | None) -> np.ndarray:
    """`ok[s, e]` for e in 0..cap: some L with reach[L, s] and lo <= e + L <= hi (any L
    >= lo - e when hi is None)."""
    cap = hi if hi is not None else lo
    length = reach.shape[0]
    # first[L, s]: the least L' >= L with reach[L', s] (length when none)
    steps = np.where(reach, np.arange(length, dtype=np.int32)[:, None], np.int32(length))
    first = np.minimum.accumulate(steps[::-1], axis=0)[::-1]
    e = np.arange(cap + 1)
    start = np.maximum(lo - e, 0)
    found = first[start]                                  # (cap + 1, n)
    if hi is None:
        ok = (found < length) | tail[None, :]
    else:
        ok = found <= (hi - e)[:, None]
    return np.ascontiguousarray(ok.T)
