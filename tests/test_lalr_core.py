"""The C++ LALR core's entry points on encoded rules (csrc/lalr.h): the tables of a small
grammar, refusals of malformed rule arrays, and the nullable nonterminals."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constrain._core import build_lalr as core_build_lalr, nullable_nonterminals


def test_core_build_lalr_refuses_bad_rules():
    # $start -> S $END ; S -> a   (terminal a = 0, $END = 1; S = 0, $start = 1)
    n_states, row_begin, row_symbol, row_value, conflicts = core_build_lalr([1, 0], [0, 2, 3], [~0, 1, 0], 2, 2, 100)
    assert n_states == 4 and conflicts.size == 0
    assert core_build_lalr([1, 0], [0, 2, 3], [~0, 1, 0], 2, 2, 2) is None
    for bad in (([1, 0], [0, 2, 3], [~0, 1, 2], 2, 2),      # terminal out of range
                ([1, 0], [0, 2, 3], [~2, 1, 0], 2, 2),      # nonterminal out of range
                ([1, 2], [0, 2, 3], [~0, 1, 0], 2, 2),      # lhs out of range
                ([1, 0], [0, 2], [~0, 1, 0], 2, 2)):        # rule bounds
        with pytest.raises(ValueError):
            core_build_lalr(*bad, 100)
        with pytest.raises(ValueError):
            nullable_nonterminals(*bad)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.lists(st.integers(-5, 2), max_size=3)), min_size=1, max_size=12))
def test_nullable_nonterminals_is_the_least_fixpoint(rules):
    """A nonterminal is nullable iff some rule of it has only nullable nonterminals; compared
    with that definition iterated to its least fixpoint (rules encoded as build_lalr's: 3
    terminals, 5 nonterminals)."""
    expected = [False] * 5
    while True:
        step = [any(lhs == a and all(s < 0 and expected[~s] for s in rhs) for lhs, rhs in rules) for a in range(5)]
        if step == expected:
            break
        expected = step
    begin = list(itertools.accumulate((len(rhs) for _, rhs in rules), initial=0))
    rhs = [s for _, body in rules for s in body]
    assert nullable_nonterminals([lhs for lhs, _ in rules], begin, rhs, 3, 5).tolist() == expected
