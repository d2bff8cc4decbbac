"""The C++ LALR core's entry points on encoded rules (csrc/lalr.h): the tables of a small
grammar, refusals of malformed rule arrays, the nullable nonterminals, and the rows the parser
runs (csrc/lr_run.h) on the JSON grammar."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constrain._core import build_lalr as core_build_lalr, nullable_nonterminals, start_lalr_tables
from constrain.grammars.builtin import load_builtin
from constrain.grammars.lalr import LALRParser, build_lalr


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


def lalr_tables(*args):
    """start_lalr_tables's result, built on a thread of its own and in the caller, which agree."""
    threaded = start_lalr_tables(*args, True).result()
    inline = start_lalr_tables(*args, False).result()
    if isinstance(inline, int):                 # stopped by a limit: why (csrc/lalr.h's LALRStop)
        assert threaded == inline
        return inline
    assert repr(threaded[:-1]) == repr(inline[:-1])
    n_terminals, n_nonterminals = args[4] + 1, len(args[1]) + 1
    assert all(threaded[-1].action(s, t) == inline[-1].action(s, t) and threaded[-1].goto(s, n) == inline[-1].goto(s, n)
               for s in range(inline[0]) for t in range(n_terminals) for n in range(n_nonterminals))
    return inline


@pytest.mark.parametrize("threaded", [True, False])
def test_lalr_job_gives_its_tables_once_and_can_be_dropped_unread(threaded):
    """An LALRJob's result() comes once (a second call is refused); a job dropped before its
    result is read waits for its thread (no crash, no leak of a running build)."""
    rules = [("S", ("a", "S", "b")), ("S", ("c",))]
    job = start_lalr_tables(rules, {"S": 0}, {"a": 0, "b": 1, "c": 2}, 0, 3, 100, threaded)
    assert job.result()[0] > 0
    with pytest.raises(RuntimeError):
        job.result()
    for _ in range(20):
        start_lalr_tables(rules, {"S": 0}, {"a": 0, "b": 1, "c": 2}, 0, 3, 100, threaded)


def test_lalr_tables_gives_the_rows_of_build_lalr():
    """start_lalr_tables (names in, the parser's rows out) agrees with build_lalr on the encoded
    rules: every action and goto of build_lalr's rows is the LRTables' answer, and no other
    symbol has one; the action pairs leave out the end marker; ids out of range and unknown
    names are refused."""
    rules = [("S", ("a", "S", "b")), ("S", ("c",))]
    n_states, conflicts, pair_state, pair_terminal, rows = lalr_tables(rules, {"S": 0}, {"a": 0, "b": 1, "c": 2}, 0, 3, 100)
    expected = core_build_lalr([1, 0, 0], [0, 2, 5, 6], [~0, 3, 0, ~0, 1, 2], 4, 2, 100)
    begin, symbols, values = (a.tolist() for a in expected[1:4])
    assert n_states == expected[0] == rows.n_states and conflicts == []
    actions, gotos = {}, {}
    for r in range(n_states):
        for k in range(begin[r], begin[r + 1]):
            if symbols[k] < 0:
                gotos[r, ~symbols[k]] = values[k]
            else:
                actions[r, symbols[k]] = values[k]
    assert {(r, t): rows.action(r, t) for r in range(n_states) for t in range(4)
            if rows.action(r, t) is not None} == actions
    assert {(r, n): rows.goto(r, n) for r in range(n_states) for n in range(2)
            if rows.goto(r, n) is not None} == gotos
    assert set(zip(pair_state.tolist(), pair_terminal.tolist())) == {(r, t) for r, t in actions if t != 3}
    assert lalr_tables(rules, {"S": 0}, {"a": 0, "b": 1, "c": 2}, 0, 3, 2) == 1            # past max_states
    for words, stopped in ((0, 2), (1, 2), (100, n_states)):                                   # past max_set_words
        job = start_lalr_tables(rules, {"S": 0}, {"a": 0, "b": 1, "c": 2}, 0, 3, 100, False, words)
        built = job.result()
        assert (built if isinstance(built, int) else built[0]) == stopped
    with pytest.raises(ValueError):
        lalr_tables(rules, {"S": 5}, {"a": 0, "b": 1, "c": 2}, 0, 3, 100)       # nonterminal id out of range
    with pytest.raises(ValueError):
        lalr_tables(rules, {"S": 0}, {"a": 0, "b": 7, "c": 2}, 0, 3, 100)       # terminal id out of range
    with pytest.raises(KeyError):
        lalr_tables(rules, {"S": 0}, {"a": 0, "b": 1}, 0, 3, 100)               # c unknown
    with pytest.raises(ValueError):
        lalr_tables(rules, {"S": 0}, {}, 0, -1, 100)                             # no end marker


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


def test_lr_tables_runs_agree_with_their_rows():
    """The C++ rows (csrc/lr_run.h) on the JSON grammar: every action key is a terminal id (the
    end marker included), every goto a state, the action pairs are the rows' non-end actions;
    `advance` reduces then shifts as the rows say; a stack that is not the parser's (a state
    out of range, too short for a reduction, not a pair) is an error, not a wrong answer. The
    parser's exactness on these tables is check_exact's."""
    grammar = load_builtin("json")
    tables = build_lalr(grammar)
    rows, end = tables.rows, len(grammar.parser_terminals)
    n_nonterminals = len(grammar.nonterminals) + 1
    actions = {(s, t): rows.action(s, t) for s in range(tables.n_states) for t in range(end + 1)
               if rows.action(s, t) is not None}
    assert {(s, t) for s, t in actions if t != end} == set(zip(*(a.tolist() for a in tables.action_pairs)))
    gotos = [rows.goto(s, n) for s in range(tables.n_states) for n in range(n_nonterminals)]
    assert all(0 <= g < tables.n_states for g in gotos if g is not None) and any(g is not None for g in gotos)
    parser = LALRParser(grammar, tables)
    start = parser.initial()
    for name in sorted(start.allowed_terminals()):
        t = parser.terminal_id(name)
        after, action = start.advance(name), actions[start.key[0], t]
        assert after is not None
        if action >= 0:                      # a shift pushes its target
            assert after.key[0] == action
    refused = [t for t in range(end) if (0, t) not in actions]
    assert refused and rows.advance((0, None), refused[0]) is None
    with pytest.raises(ValueError):
        rows.action(tables.n_states, 0)
    with pytest.raises(ValueError):
        rows.advance((tables.n_states, None), 0)
    with pytest.raises(TypeError):
        rows.simulate((0,), [])
    reducing = next(((s, t) for (s, t), a in actions.items() if a < 0), None)
    assert reducing is not None
    with pytest.raises(ValueError):          # a reduction that would pop below the bottom
        rows.advance((reducing[0], None), reducing[1])
    # a reduction popping two or more states through a `below` that is not a pair
    grammar_rules = {i + 1: len(rule.rhs) for i, rule in enumerate(grammar.rules)}
    long_reductions = [(s, t) for (s, t), a in actions.items() if a < 0 and grammar_rules.get(~a, 0) >= 2]
    assert long_reductions
    for s, t in long_reductions:
        with pytest.raises(TypeError):
            rows.advance((s, 5), t)
