"""The LALR parser's memo (a decision tree over the stack states the simulation consults)
answers exactly as a fresh simulation does, on grammars whose long rules pop states that a
reduction does not read."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constrain.errors import ConstrainError
from constrain.grammars.lalr import LALRParser, build_lalr
from constrain.grammars.lark_frontend import load_lark

# long rules (an object with six members, nested lists) so that one terminal may reduce
# through many stack states, reading only the ones the reductions expose
GRAMMAR = r"""
start: value
value: obj | arr | N
obj: "{" K ":" value "," K ":" value "," K ":" value "," K ":" value "," K ":" value "," K ":" value "}"
   | "{" K ":" value "}"
arr: "[" "]" | "[" items "]"
items: value | items "," value
N: "1"
K: "k"
"""


def _fresh_answer(grammar, state_key: tuple[int, ...], seq: tuple[int, ...], tables=None):
    """What a parser with an empty memo says after `seq` from the LR stack `state_key`."""
    parser = LALRParser(grammar, tables)
    stack = None
    for s in reversed(state_key):
        stack = (s, stack)
    return parser._lookahead(stack, seq)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=80), st.integers(0, 2))
def test_memoized_lookahead_equals_a_fresh_simulation(choices, seq_len):
    grammar = load_lark(GRAMMAR)
    shared = LALRParser(grammar)              # its memo fills across the walk
    n_terms = len(grammar.parser_terminals)
    state = shared.initial()
    for c in choices:
        seq = tuple((c >> (4 * j)) % (n_terms + 1) for j in range(seq_len))
        assert shared._lookahead(state._stack, seq) == _fresh_answer(grammar, state.key, seq)
        allowed = sorted(state.allowed_ids())
        if not allowed:
            break
        state = state.advance_id(allowed[c % len(allowed)])
        assert state is not None


def test_a_reduction_does_not_branch_on_the_states_it_pops():
    """`}` after a six-member object reduces a 25-symbol rule: the memo's decision tree for
    it consults the states the reductions expose, not the 25 states they pop."""
    grammar = load_lark(GRAMMAR)
    parser = LALRParser(grammar)
    tid = parser.terminal_id
    state = parser.initial()
    for t in ["LBRACE"] + ["K", "COLON", "N", "COMMA"] * 5 + ["K", "COLON", "N"]:
        state = state.advance_id(tid(t))
    close = (tid("RBRACE"),)
    assert parser._lookahead(state._stack, close) == _fresh_answer(grammar, state.key, close)
    levels, node = 0, parser._memo[close]
    while type(node) is dict:
        levels += 1
        node = next(v for k, v in node.items() if k >= 0)
    assert levels <= 4


def _random_lalr_grammar(rng: random.Random):
    """(grammar, tables) of a random grammar over four nonterminals and four terminals, or
    None when it is not reduced or not LALR(1) (most random grammars are one or the other)."""
    nts, symbols = ["a", "b", "c", "d"], ["a", "b", "c", "d", '"x"', '"y"', '"z"', '"w"']
    lines = ["start: a"]
    for n in nts:
        alts = [" ".join(rng.choice(symbols) for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(1, 3))]
        lines.append(f"{n}: " + " | ".join(alts))
    try:
        grammar = load_lark("\n".join(lines))
    except ConstrainError:
        return None
    tables = build_lalr(grammar)
    return None if tables.conflicts else (grammar, tables)


@pytest.mark.parametrize("block", range(4))
def test_memo_matches_fresh_simulations_on_random_grammars(block):
    """Random LALR(1) grammars (rules of different lengths reducing on different terminals
    from one state), random walks: every memoized lookahead equals a fresh simulation's."""
    rng = random.Random(block)
    checked = 0
    while checked < 25:
        found = _random_lalr_grammar(rng)
        if found is None:
            continue
        grammar, tables = found
        shared = LALRParser(grammar, tables)
        n_terms = len(grammar.parser_terminals)
        for _ in range(3):
            state = shared.initial()
            for _ in range(30):
                seq = tuple(rng.randrange(n_terms + 1) for _ in range(rng.randint(0, 2)))
                assert shared._lookahead(state._stack, seq) == _fresh_answer(grammar, state.key, seq, tables)
                allowed = sorted(state.allowed_ids())
                if not allowed:
                    break
                state = state.advance_id(rng.choice(allowed))
        checked += 1
