"""Subset construction: an NFA to a DFA over a partition of its symbols into classes.

The caller lays the NFA's moves out over the partition (each move reads one class), so each
subset step costs ~#classes: nfa.py over alphabet.py's code-point classes, utf8_expand.py over
byte intervals.

A DFA state is identified by its *kernel* (the NFA states with outgoing edges in its epsilon
closure) and its *tags* (the NFA tags that accept there); those two determine all of its
future behaviour. Assertion edges are resolved here:
- `bos` (^) edges are followed only in the closure of the start state (nothing read yet);
- `eos` ($) edges are followed only when deciding acceptance: a state accepts tag i if the
  closure that additionally follows `eos` edges reaches a state tagged i; nothing after an
  `eos` edge enters the kernel, since no symbol may follow the end of the input.

The result (`SubsetDFA`) has every state reachable from state 0 (the start); it is neither
trimmed nor minimal (see minimize.py). Exceeding `max_states` raises `AutomatonTooLargeError`
the moment the state count passes the limit. The construction itself runs in C++
(csrc/subset.cc, without the GIL); this module turns its tags into sets.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from constrain._core import subset_construction
from constrain.deadline import check_time
from constrain.errors import AutomatonTooLargeError


@dataclass
class SubsetDFA:
    trans: np.ndarray  # int32 [n_states, n_classes]; -1 = dead
    tags: list[frozenset[int]]  # accepted tags per state


def determinize(moves: tuple, tagged, start: int, n_classes: int, max_states: int,
                eps=(), bos=(), eos=()) -> SubsetDFA:
    """The DFA of an NFA laid out flat: `moves` = (move_begin, move_class, move_target) over
    classes 0..n_classes-1; its tags, free moves and assertion moves as flat (state, tag) and
    (source, target) pairs."""
    check_time()
    result = subset_construction(*moves, eps, bos, eos, tagged, start, n_classes, max_states)
    if result is None:
        raise AutomatonTooLargeError(
            f"DFA exceeds max_states={max_states} during subset construction; simplify the pattern or raise max_states"
        )
    trans, tag_begin, tags = result
    state_tags = [_NO_TAGS] * trans.shape[0]     # one empty set shared by the untagged states
    bounds, tags = tag_begin.tolist(), tags.tolist()
    for s in np.flatnonzero(np.diff(tag_begin)).tolist():
        state_tags[s] = frozenset(tags[bounds[s]:bounds[s + 1]])
    return SubsetDFA(trans, state_tags)


_NO_TAGS: frozenset[int] = frozenset()
