"""The lexers of a grammar: which terminal sets hold two terminals sharing a text (then the
grammar, read with every reading of a lexeme, needs the Earley parser)."""
from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constrain import Vocabulary
from constrain.grammars.cfg import Grammar, Rule, Terminal
from constrain.grammars.cfg_matcher import CFGGrammar
from constrain.grammars.lark_frontend import load_lark
from constrain.grammars.lexer import Lexers

OVERLAP_POOL = ["a", "b", "ab", "a+", "b*a", "(?:ab)+", "[ab]{2}", "ba?", "b{3}"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(OVERLAP_POOL), min_size=1, max_size=6, unique=True),
       st.lists(st.lists(st.integers(0, 5), max_size=4), max_size=5))
def test_overlap_within_matches_brute_force(patterns, sets):
    """`Lexers.overlap_within` says whether some set holds two terminals sharing a text, as
    found by trying every string over {a, b} of up to 4 bytes (enough for this pool)."""
    names = [f"T{i}" for i in range(len(patterns))]
    grammar = Grammar({n: Terminal(n, p) for n, p in zip(names, patterns)},
                      tuple(Rule("start", (n,)) for n in names), "start")
    sets = [sorted({i for i in s if i < len(names)}) for s in sets]
    texts = ["".join(t) for k in range(1, 5) for t in itertools.product("ab", repeat=k)]
    readings = [{i for i in range(len(names)) if re.fullmatch(patterns[i], text)} for text in texts]
    expected = any(len(r & set(s)) >= 2 for r in readings for s in sets)
    pairs = [(k, i) for k, s in enumerate(sets) for i in s]
    found = Lexers(grammar, all_readings=True).overlap_within(
        np.array([k for k, _ in pairs], dtype=np.int64), np.array([i for _, i in pairs], dtype=np.int64), names)
    assert found == expected


def test_overlapping_sets_refuses_ids_out_of_range():
    """The C++ overlap check reads its arrays by the ids it is given: a terminal or component
    id out of range is a ValueError, not a read past an array."""
    from constrain._core import overlapping_sets
    shared = np.array([[1], [1]], dtype=np.uint64)
    assert overlapping_sets(np.array([0, 0]), np.array([0, 1]), [0, 1], shared)
    assert not overlapping_sets(np.array([0, 1]), np.array([0, 1]), [0, 1], shared)
    assert not overlapping_sets(np.array([0, 0]), np.array([0, 1]), [0, -1], shared)     # 1 is not lexed
    for sets, terminals, component_of in (([0, 0], [0, 2], [0, 1]), ([0, 0], [0, 1], [0, 2]), ([0], [0, 1], [0, 1])):
        with pytest.raises(ValueError):
            overlapping_sets(np.array(sets), np.array(terminals), component_of, shared)


def test_all_readings_grammar_with_two_readings_in_one_state_is_parsed_by_earley():
    """An LALR parser follows one reading per lexeme: a grammar whose lexeme "a" may be A or
    C in one parser state gets Earley; the same terminals in different states keep LALR."""
    vocab = Vocabulary([b"a", b"b", b"c", None], eos_token_ids=[3])
    together = load_lark('start: A "b" | C\nA: /a+/\nC: /ab?/')
    apart = load_lark('start: A "b" C\nA: /a+/\nC: /ab?/')
    assert CFGGrammar(together, vocab, all_readings=True).parser.kind == "earley"
    assert CFGGrammar(apart, vocab, all_readings=True).parser.kind == "lalr"


def test_earley_masks_with_a_warm_memo_equal_fresh_masks():
    """The state after a lexeme is kept per (Earley state, reading) by the grammar: masks
    along every token sequence of up to 4 tokens, computed by one grammar whose memo has
    seen all the others, equal those of a fresh grammar per sequence, and a token is in the
    mask iff the matcher accepts it."""
    vocab = Vocabulary([b"a", b"b", b"c", b"ab", b"ba", b"aab", None], eos_token_ids=[6])
    ir = load_lark('start: (A "b" | C)+ "c"?\nA: /a+/\nC: /ab?/')
    warm = CFGGrammar(ir, vocab, all_readings=True)
    assert warm.parser.kind == "earley"
    checked = 0
    for n in range(5):
        for seq in itertools.product(range(6), repeat=n):
            a, b = warm.matcher(), CFGGrammar(ir, vocab, all_readings=True).matcher()
            if a.accept_tokens(seq) != n:
                continue
            assert b.accept_tokens(seq) == n
            mask = a.next_token_mask()
            assert np.array_equal(mask, b.next_token_mask()), seq
            for t in range(6):
                allowed = bool((int(mask[t >> 5]) >> (t & 31)) & 1)
                assert a.fork().accept_token(t) == allowed, (seq, t)
            checked += 1
    assert checked > 50
