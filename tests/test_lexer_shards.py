"""Lexers sharded by LR action set (constrain/grammars/lexer_shards.py): the plan keeps every
action set inside its shard, and sharded lexers give the very masks one union of all
terminals gives."""
from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import constrain.grammars.lexer as lexer_module
from constrain import Vocabulary
from constrain.errors import GrammarError
from constrain.grammars.cfg_matcher import CFGGrammar, compile_lark
from constrain.grammars.json_schema import Options, _compile
from constrain.grammars.lalr import LALRParser
from constrain.grammars.lark_frontend import load_lark
from constrain.grammars.lexer import Lexers
from constrain.grammars.lexer_shards import plan_shards
from tests.conftest import require_tokenizer


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 8), st.integers(1, 9), st.data())
def test_plan_keeps_every_action_set_inside_its_shard(n_states, n_components, data):
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n_states - 1), st.integers(0, n_components - 1)),
                               unique=True, max_size=30))
    multiplies = np.array(data.draw(st.lists(st.booleans(), min_size=n_components, max_size=n_components)))
    always = np.array(sorted(data.draw(st.sets(st.integers(0, n_components - 1), max_size=2))), dtype=np.int64)
    pair_state = np.array([s for s, _ in pairs], dtype=np.int64)
    pair_component = np.array([c for _, c in pairs], dtype=np.int64)
    action_sets = [{c for s, c in pairs if s == state} for state in range(n_states)]
    # a lexer's candidates: an action set and the ignored terminals
    regex_sets = [frozenset(c for c in a | set(always.tolist()) if multiplies[c]) for a in action_sets]
    plan = plan_shards(pair_state, pair_component, multiplies, always, n_states)
    if plan is None:
        # one union serves: no regex terminal, or one regex set holding every other
        largest = max(regex_sets, key=len)
        assert all(r <= largest for r in regex_sets)
        return
    assert len(plan.members) > 1
    for state, action_set in enumerate(action_sets):
        shard = set(plan.members[plan.shard_of_state[state]].tolist())
        assert action_set <= shard and set(always.tolist()) <= shard
    for members in plan.members:
        # the regex terminals of a shard all meet in one action set: no product beyond them
        shard_regexes = {c for c in members.tolist() if multiplies[c]}
        assert any(shard_regexes <= r for r in regex_sets)


def _same_masks(sharded, whole, texts: list[bytes], vocab: Vocabulary, rng: random.Random) -> int:
    """Walk both grammars over each text's tokens and then at random; every mask and end
    decision must agree. Returns the number of masks compared."""
    compared = 0
    for text in texts:
        a, b = sharded.matcher(), whole.matcher()
        for step in range(60):
            mask = a.next_token_mask()
            assert np.array_equal(mask, b.next_token_mask()), (text, step)
            assert a.can_end() == b.can_end()
            compared += 1
            bits = np.unpackbits(mask.view(np.uint8), bitorder="little")[: vocab.size]
            allowed = [int(t) for t in np.flatnonzero(bits) if vocab.token_bytes(int(t)) is not None]
            forced = [t for t in allowed if text.startswith(vocab.token_bytes(t))]
            if not allowed:
                break
            token = max(forced, key=lambda t: len(vocab.token_bytes(t))) if forced else rng.choice(allowed)
            text = text[len(vocab.token_bytes(token)):] if forced else b""
            assert a.accept_token(token) and b.accept_token(token)
    return compared


# three counters that never meet in one LR state: one union multiplies them (3 * 4 * 5 states)
COUNTERS = """
start: "a" X | "b" Y | "c" Z
X: /(?:[0-9]{3})+x/
Y: /(?:[0-9]{4})+y/
Z: /(?:[0-9]{5})+z/
%ignore " "
"""


def test_sharded_lark_lexers_mask_like_one_union(monkeypatch):
    tokens = [bytes([b]) for b in b"abcxyz0123456789 "] + [b"00", b"000", b"0x", b"a0", b" 1", b"9y", b"12345z"]
    vocab = Vocabulary(tokens + [None], eos_token_ids=[len(tokens)])
    whole = compile_lark(COUNTERS, vocab)
    monkeypatch.setattr(lexer_module, "SHARD_FROM", 0)
    sharded = compile_lark(COUNTERS, vocab)
    assert sharded.lexers.sharded and not whole.lexers.sharded
    texts = [b"a000x", b"b 0000 0000y", b"c00000z", b"a000000x"]
    assert _same_masks(sharded, whole, texts, vocab, random.Random(5)) > 40


SCHEMA = {
    "type": "object",
    "properties": {
        "mail": {"type": "string", "format": "email"},
        "name": {"type": "string", "pattern": "^[0-9a-z][-.0-9@_a-z]{0,30}[0-9a-z]$"},
        "id": {"type": "string", "pattern": "^[0-9a-f]{24}$"},
        "n": {"type": "integer", "minimum": 3},
    },
    "required": ["mail"],
}


def test_sharded_json_schema_lexers_mask_like_one_union(monkeypatch):
    vocab = Vocabulary.from_file(require_tokenizer("llama3"))
    options = Options("flexible", False, True, "schema")
    whole = _compile(SCHEMA, options, vocab)
    monkeypatch.setattr(lexer_module, "SHARD_FROM", 0)
    sharded = _compile(SCHEMA, options, vocab)
    assert sharded.lexers.sharded and not whole.lexers.sharded
    assert sharded.parser.kind == whole.parser.kind == "lalr"
    texts = [b'{"mail": "a.b@c.de", "name": "x-1@y", "id": "0123456789abcdef01234567", "n": 12}',
             b'{"mail": "q@w.io", "n": 3}', b'{"mail": "z@z.z", "id": "ffffffffffffffffffffffff"}']
    assert _same_masks(sharded, whole, texts, vocab, random.Random(11)) > 60


COUNTER_TERMINALS = '\nX: /(?:[0-9]{3})+x/\nY: /(?:[0-9]{4})+y/\nZ: /(?:[0-9]{5})+z/\nA: /a+/\nC: /ab?/'


@pytest.mark.parametrize("rules, overlaps", [('start: A "b" | C', True), ('start: A "b" C', False)])
def test_sharded_lexers_find_two_readings_in_one_state(monkeypatch, rules, overlaps):
    """The overlap check sees the texts shared inside any shard: a state where "a" reads as
    A or C is found (then the grammar gets Earley, lexing with the shards)."""
    vocab = Vocabulary([b"a", b"b", b"x", b"0", None], eos_token_ids=[4])
    grammar = load_lark(rules + ' | "x" X | "y" Y | "z" Z' + COUNTER_TERMINALS)
    monkeypatch.setattr(lexer_module, "SHARD_FROM", 0)
    parser = LALRParser(grammar)
    lexers = Lexers(grammar, all_readings=True, action_sets=(*parser.state_terminals(), parser.terminals,
                                                             parser.n_states))
    assert lexers.sharded
    assert lexers.overlap_within(*parser.state_terminals(), parser.terminals) == overlaps
    compiled = CFGGrammar(grammar, vocab, all_readings=True)
    assert compiled.parser.kind == ("earley" if overlaps else "lalr")
    assert compiled.lexers.sharded != overlaps
    m = compiled.matcher()
    assert m.accept_token(2) and all(m.accept_token(3) for _ in range(3)) and m.accept_token(2) and m.can_end()


def _counter_vocab() -> Vocabulary:
    """A small vocabulary of digits and letters, and a few tokens that span lexemes."""
    tokens = [bytes([b]) for b in b"abcxyz0123456789"] + [b"00", b"000", b"0x", b"a0", b"ab0", b"9y", b"0000y"]
    return Vocabulary(tokens + [None], eos_token_ids=[len(tokens)])


def _counter_grammars(monkeypatch, rules: str):
    """The counter vocabulary, and the grammar of `rules` and the counter terminals compiled
    twice: with the default SHARD_FROM, and with SHARD_FROM 0 (every grammar counts as having
    big terminal automata)."""
    vocab = _counter_vocab()
    grammar = load_lark(rules + COUNTER_TERMINALS)
    whole = CFGGrammar(grammar, vocab, all_readings=True)
    monkeypatch.setattr(lexer_module, "SHARD_FROM", 0)
    return vocab, whole, CFGGrammar(grammar, vocab, all_readings=True)


def test_earley_candidates_spanning_shards_get_a_union_of_their_own(monkeypatch):
    """After "a", read as A or as C, Earley expects X or Y, whose LR states are in different
    shards: the lexer of {X, Y} is a union of their own, and every mask equals the one from
    one union of everything."""
    vocab, whole, sharded = _counter_grammars(monkeypatch, 'start: A X | C Y | "z" Z')
    assert sharded.parser.kind == whole.parser.kind == "earley"
    assert len(whole.lexers._unions) == 1 and len(sharded.lexers._unions) > 1
    texts = [b"a000x", b"a0000y", b"aa000000x", b"ab0000y", b"z00000z"]
    assert _same_masks(sharded, whole, texts, vocab, random.Random(3)) >= 20
    assert frozenset(sharded.lexers._index[t] for t in ("X", "Y")) in sharded.lexers._own_unions


# after "a" (read as A or as C) Earley expects X or Y
EARLEY_COUNTERS = 'start: p | q | "z" Z\np: A X\nq: A X | C Y'
LALR_COUNTERS = 'start: A X | "b" C Y | "z" Z' + COUNTER_TERMINALS
LALR_TEXTS = [b"a000x", b"aa000000x", b"ba0000y", b"bab00000000y", b"z00000z"]


def test_earley_lexers_build_unions_on_demand(monkeypatch):
    """An Earley grammar (LALR conflicts) with big terminal automata builds no union when
    compiled: each candidate set gets its own on first use (the finished parse, with no
    candidates, too), and every mask equals the one from one union of everything."""
    vocab, whole, on_demand = _counter_grammars(monkeypatch, EARLEY_COUNTERS)
    assert on_demand.parser.kind == whole.parser.kind == "earley"
    assert on_demand.lexers.unions_on_demand and not whole.lexers.unions_on_demand
    assert on_demand.lexers._unions == [] and len(whole.lexers._unions) == 1
    texts = [b"a000x", b"a000000x", b"a0000y", b"ab0000y", b"ab00000000y", b"z00000z"]
    assert _same_masks(on_demand, whole, texts, vocab, random.Random(5)) >= 25
    assert frozenset() in on_demand.lexers._own_unions         # the finished parse's lexer
    with pytest.raises(ValueError, match="up front"):
        on_demand.lexers.overlap_within(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), [])


def test_earley_lexers_fall_back_to_unions_on_demand(monkeypatch):
    """Small terminal automata whose union of them all passes max_lexer_states: an Earley
    grammar still compiles, with a union per candidate set built on first use (every mask
    equal to the one from one union of everything); an LALR grammar, whose overlap check
    needs its unions built when compiling, gets one per shard of its LR states (each fits);
    and a candidate set whose own union is too large fails at the mask that needs it, with
    the lexer's error, not a wrong mask."""
    vocab = _counter_vocab()
    grammar = load_lark(EARLEY_COUNTERS + COUNTER_TERMINALS)
    whole = CFGGrammar(grammar, vocab, all_readings=True)
    assert whole.parser.kind == "earley" and whole.lexers._unions[0].n_states > 30
    fallback = CFGGrammar(grammar, vocab, all_readings=True, max_lexer_states=30)
    assert fallback.lexers.unions_on_demand and fallback.lexers._unions == []
    texts = [b"a000x", b"a000000x", b"a0000y", b"ab0000y", b"ab00000000y", b"z00000z"]
    assert _same_masks(fallback, whole, texts, vocab, random.Random(7)) >= 25
    lalr = load_lark(LALR_COUNTERS)
    unlimited = CFGGrammar(lalr, vocab, all_readings=True)
    assert unlimited.parser.kind == "lalr" and unlimited.lexers._unions[0].n_states > 30
    limited = CFGGrammar(lalr, vocab, all_readings=True, max_lexer_states=30)
    assert limited.parser.kind == "lalr" and limited.lexers.sharded
    assert _same_masks(limited, unlimited, LALR_TEXTS, vocab, random.Random(8)) >= 15
    # the union of everything is not tried past WHOLE_UNION_BUDGET where on demand stands in
    monkeypatch.setattr(lexer_module, "WHOLE_UNION_BUDGET", 30)
    budgeted = CFGGrammar(grammar, vocab, all_readings=True)
    assert budgeted.lexers.unions_on_demand and budgeted.lexers._unions == []
    assert _same_masks(budgeted, whole, texts, vocab, random.Random(7)) >= 25
    assert not CFGGrammar(lalr, vocab, all_readings=True).lexers.sharded     # the LALR one needs it whole
    tight = CFGGrammar(grammar, vocab, all_readings=True, max_lexer_states=14)   # {X, Y} needs 15
    with pytest.raises(GrammarError, match="union of 2 automata exceeds max_states=14"):
        tight.matcher().next_token_mask()


def test_lalr_lexers_shard_terminals_that_multiply(monkeypatch):
    """Terminals with fewer than SHARD_FROM states of their own whose union of them all would
    pass UNION_GROWTH times their states (three counters that never share an LR state) get a
    union per shard, as large ones do, with the same masks; within the bound, one union."""
    vocab = _counter_vocab()
    whole = CFGGrammar(load_lark(LALR_COUNTERS), vocab, all_readings=True)
    own = sum(part.n_states for part in whole.lexers._parts)
    assert not whole.lexers.sharded and whole.lexers._unions[0].n_states > lexer_module.UNION_GROWTH * own
    monkeypatch.setattr(lexer_module, "SHARD_FROM", own + 1)      # few states, which multiply past the bound
    sharded = CFGGrammar(load_lark(LALR_COUNTERS), vocab, all_readings=True)
    assert sharded.parser.kind == "lalr" and sharded.lexers.sharded
    assert _same_masks(sharded, whole, LALR_TEXTS, vocab, random.Random(9)) >= 15
    monkeypatch.setattr(lexer_module, "UNION_GROWTH", 3)          # 3 * own states hold the union
    assert not CFGGrammar(load_lark(LALR_COUNTERS), vocab, all_readings=True).lexers.sharded


# terminals of which some share texts: "a" with A and C, "ab" with C, "b" with B, A with C
OVERLAP_POOL = ['"a"', '"ab"', '"b"', "A", "B", "C", "X", "Y", "Z"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sets(st.sampled_from(OVERLAP_POOL), min_size=1, max_size=3), min_size=1, max_size=4))
def test_deferred_shards_find_the_overlaps_one_union_finds(groups):
    """Shards of literals and at most one regex terminal are built on first use; the overlap
    check, which then reads literal pairs instead of their unions, answers as one union of
    every terminal does, for action sets that mix literals and regex terminals."""
    rules = " | ".join(f'"p{i}" {symbol}' for i, group in enumerate(groups) for symbol in sorted(group))
    grammar = load_lark(f"start: {rules}{COUNTER_TERMINALS}\nB: /b+/")
    parser = LALRParser(grammar)
    pairs = parser.state_terminals()
    action_sets = (*pairs, parser.terminals, parser.n_states)
    whole = Lexers(grammar, all_readings=True, action_sets=action_sets)
    lexer_module.SHARD_FROM, saved = 0, lexer_module.SHARD_FROM
    try:
        sharded = Lexers(grammar, all_readings=True, action_sets=action_sets)
    finally:
        lexer_module.SHARD_FROM = saved
    assert not whole.sharded
    assert sharded.overlap_within(*pairs, parser.terminals) == whole.overlap_within(*pairs, parser.terminals)


@pytest.mark.parametrize("rules, overlaps", [('"p" "a" | "p" A', True), ('"p" "b" | "p" A', False),
                                             ('"p" "ab" | "p" C', True), ('"p" "a" | "q" A', False)])
def test_overlap_of_a_literal_and_the_regex_of_a_deferred_shard(monkeypatch, rules, overlaps):
    """After "p" the candidates are a literal and one regex terminal: their shard is built on
    first use, and the overlap check reads whether the regex accepts the literal's text."""
    grammar = load_lark(f'start: {rules} | "x" X | "y" Y{COUNTER_TERMINALS}')
    parser = LALRParser(grammar)
    monkeypatch.setattr(lexer_module, "SHARD_FROM", 0)
    lexers = Lexers(grammar, all_readings=True, action_sets=(*parser.state_terminals(), parser.terminals,
                                                             parser.n_states))
    assert lexers.sharded and all(union is None for union in lexers._unions)
    assert lexers.overlap_within(*parser.state_terminals(), parser.terminals) == overlaps


@pytest.mark.parametrize("overlaps", [True, False])
def test_overlap_found_past_the_first_64_shards(overlaps):
    """Shard bits come in 64-bit words: a literal and a regex terminal that accepts it, met
    only in a shard numbered past 64, are found as one union of everything finds them."""
    groups = " | ".join(f'"p{i}" R{i}' for i in range(70))
    last = '"q" "a" | "q" A' if overlaps else '"q" "a" | "q" B'
    regexes = "\n".join(f"R{i}: /r{i}x+/" for i in range(70))
    grammar = load_lark(f"start: {groups} | {last}\n{regexes}\nA: /a+/\nB: /b+/")
    parser = LALRParser(grammar)
    pairs = parser.state_terminals()
    action_sets = (*pairs, parser.terminals, parser.n_states)
    lexer_module.SHARD_FROM, saved = 0, lexer_module.SHARD_FROM
    try:
        sharded = Lexers(grammar, all_readings=True, action_sets=action_sets)
    finally:
        lexer_module.SHARD_FROM = saved
    assert sharded.sharded and len(sharded._members) > 64
    assert sharded.overlap_within(*pairs, parser.terminals) == overlaps
