"""String lengths counted as the lexer goes (constrain/automata/counted.py,
constrain/grammars/lexer_counts.py): a CountedDFA accepts, and keeps alive, exactly what the
product automaton of the same constraints and bound does; compiled masks with the count
equal the masks with the product automaton, step by step; schemas whose product is too
large compile and enforce their bounds; a counted terminal that shares its text with
another candidate is refused at compile time."""
from __future__ import annotations

import functools
import json
import random

import jsonschema
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import constrain
import constrain.grammars.json_schema as json_schema
import constrain.grammars.json_schema.emit as emit
import constrain.grammars.json_schema.scalars as scalars
import constrain.grammars.json_schema.strings as strings
from constrain import UnsupportedSchemaError
from constrain.automata.automaton_cache import AutomatonCache
from constrain.automata.counted import CountedDFA, counted_dfa, product_dfa
from constrain.automata.dfa import DEAD, ByteDFA
from constrain.grammar_cache import GrammarCache
from constrain.grammars.cfg_masks import ROOT
from constrain.grammars.json_schema.scalars import text_parts
from constrain.grammars.json_schema.strings import bounded_string_dfa, string_dfa, any_text
from tests.test_json_schema import accepts, llama3  # noqa: F401 (a fixture)

# (pattern or format constraint, minLength, maxLength): periodic lengths, a quote, a backslash,
# a newline and a 2-byte character (escapes and UTF-8 inside a counted character), no bound above
CONSTRAINTS = [
    ({"pattern": "^(ab)*$"}, 3, 3), ({"pattern": "^(ab)*$"}, 3, 6), ({"pattern": "^(ab)+$"}, 5, None),
    ({"pattern": "[aA][12].*[zZ]"}, 4, 9), ({"format": "email"}, 5, 12), ({"pattern": "^é+x?$"}, 2, 5),
    ({"pattern": '^[a"\\\\\n]+$'}, 1, 4), ({"pattern": "^a{2,3}$"}, 0, None), ({"pattern": "^a{2,3}$"}, 4, None),
]
ALPHABET = ["a", "b", "A", "1", "2", "z", "Z", "é", "x", '"', "\\", "\n", "@", ".", "c"]


@functools.lru_cache(maxsize=None)
def automata(index: int):
    """(product automaton or None, counted automaton or None) of CONSTRAINTS[index]; the
    product built from the code-point automata."""
    text, lo, hi = CONSTRAINTS[index]
    required = text_parts(text)
    product = string_dfa(required + [any_text(lo, hi)], [])
    return product, bounded_string_dfa(required, [], lo, hi, counted=True)


@pytest.mark.parametrize("index", range(len(CONSTRAINTS)))
def test_product_from_the_counted_automaton_is_the_minimal_product(index):
    """The product from the counted automaton's reachable (state, count) pairs (`product_dfa`,
    what `bounded_string_dfa` builds where many moves read multi-byte characters) is the same
    minimal automaton (state for state, both numbered breadth-first) as the one spelled from
    the code-point automata."""
    product, counted = automata(index)
    if product is not None:
        built = product_dfa(counted, 5000)
        assert np.array_equal(built.trans, product.trans) and np.array_equal(built.accepting, product.accepting)


def test_bounded_string_of_many_multibyte_moves_is_the_product_from_the_count(monkeypatch):
    # any character but a few, 80 to 120 of them, after a word: the product is built from the count
    built_from_count = []
    monkeypatch.setattr(strings, "product_dfa", lambda *a: built_from_count.append(a) or product_dfa(*a))
    required = text_parts({"pattern": "^(?:ab|cd)[^xyz]*$"})
    product = string_dfa(required + [any_text(80, 120)], [])
    built = bounded_string_dfa(required, [], 80, 120)
    assert built_from_count and not isinstance(built, CountedDFA)
    assert np.array_equal(built.trans, product.trans) and np.array_equal(built.accepting, product.accepting)


@pytest.mark.parametrize("index", range(len(CONSTRAINTS)))
@settings(max_examples=150, deadline=None)
@given(chars=st.lists(st.sampled_from(ALPHABET), max_size=14))
def test_counted_automaton_accepts_and_lives_like_the_product(index, chars):
    product, counted = automata(index)
    assert (product is None) == (counted is None)
    if counted is None:
        return
    assert isinstance(counted, CountedDFA)
    data = json.dumps("".join(chars), ensure_ascii=False).encode()
    for end in range(len(data) + 1):
        assert (product.walk(0, data[:end]) != DEAD) == (counted.walk(0, data[:end]) != DEAD), data[:end]
    assert product.matches(data) == counted.matches(data)


@pytest.mark.parametrize("lo,hi", [(2, 4), (0, 1), (3, None)])
def test_product_accepts_only_counts_in_bounds_where_a_state_accepts_and_goes_on(lo, hi):
    # a+ without quotes: its accepting state also reads on, so `ok` alone does not bound it
    trans = np.full((2, 256), -1, np.int32)
    trans[:, ord("a")] = 1
    counted = counted_dfa(ByteDFA(trans, np.array([False, True]), 0), np.array([False, True]), lo, hi)
    product = product_dfa(counted, 100)
    for n in range(8):
        assert product.matches(b"a" * n) == (max(lo, 1) <= n and (hi is None or n <= hi)), n


def test_counted_automaton_of_an_unsatisfiable_bound_is_none():
    # (ab)* has even lengths only: no string of exactly 3 characters (not a lexer that lives on
    # "aba" for ever); 3..6 keeps "ab" alive (it can become "abab") but not a seventh character
    assert bounded_string_dfa(text_parts({"pattern": "^(ab)*$"}), [], 3, 3, counted=True) is None
    _, counted = automata(1)
    assert counted.matches(b'"abab"') and not counted.matches(b'"ab"') and counted.walk(0, b'"ab') != DEAD
    assert counted.walk(0, b'"ababab') != DEAD and counted.walk(0, b'"abababa') == DEAD


@pytest.mark.parametrize("lo,hi", [(0, 40), (11, 11), (208, 212), (300, None)])
def test_counted_lengths_of_a_long_period(lo, hi):
    # lengths that are multiples of 2, 3, 5 or 7: the reachable lengths repeat every 210
    required = text_parts({"pattern": "^(?:(?:aa)*|(?:aaa)*|(?:aaaaa)*|(?:aaaaaaa)*)$"})
    counted = bounded_string_dfa(required, [], lo, hi, counted=True)
    for n in range(320):
        fits = lo <= n and (hi is None or n <= hi) and any(n % k == 0 for k in (2, 3, 5, 7))
        assert (counted is not None and counted.matches(json.dumps("a" * n).encode())) == fits, n


def test_free_counts_are_those_a_walk_cannot_take_past_the_bound():
    rng = np.random.default_rng(0)
    for hi in (None, 9):
        ok = rng.random((4, 10)) < 0.9
        dfa = CountedDFA(np.full((4, 256), -1, np.int32), np.zeros(4, bool), 0, marked=np.zeros(4, np.uint8),
                         lo=0, hi=hi, ok=ok)
        for reach in (0, 1, 3):
            free = dfa.free_counts(reach)
            for e in range(10):
                counts = [min(k, 9) if hi is None else k for k in range(e, e + reach + 1)]
                assert free[e] == all(k <= 9 and ok[1:, k].all() for k in counts), (hi, reach, e)


PLAIN = ["a", "b", "A", "1", "2", "z", "Z", "é", "x", "@", ".", "c"]


@pytest.mark.parametrize("index", range(len(CONSTRAINTS)))
@settings(max_examples=60, deadline=None)
@given(mixed=st.lists(st.sampled_from(PLAIN), min_size=1, max_size=12))
def test_room_is_plain_text_no_count_fails_on(index, mixed):
    """From every state s entered with a count e it is ok at, plain text of at most room[e]
    characters that the automaton reads without dying is read with the count too: runs of one
    character (which stay longest in one state) and hypothesis's mixtures, each cut to room[e]."""
    _, counted = automata(index)
    if counted is None:
        return
    texts = [c * counted.cap for c in PLAIN] + ["".join(mixed) * counted.cap]
    for s in range(1, counted.n_states):
        for e in np.flatnonzero(counted.ok[s]).tolist():
            room = int(counted.room[e])
            for text in texts:
                data = text[:max(room, 0)].encode()
                if counted.walk(s, data, e) == DEAD:
                    assert ByteDFA.walk(counted, s, data) == DEAD, (s, e, room, data)


def test_counted_dfa_refuses_a_table_past_its_cell_limit(monkeypatch):
    import constrain.automata.counted as counted_module
    _, counted = automata(4)
    monkeypatch.setattr(counted_module, "MAX_COUNTED_CELLS", 100)
    with pytest.raises(constrain.ConstrainError, match="cells"):
        counted_dfa(counted, counted.marked.astype(bool), 1, 1000)


# --- compiled masks ---------------------------------------------------------------------

MASK_SCHEMAS = [
    {"type": "object", "properties": {"e": {"type": "string", "format": "email", "maxLength": 12},
                                      "n": {"type": "integer"}}, "required": ["e"]},
    {"type": "string", "pattern": "^(ab)+$", "minLength": 3, "maxLength": 9},
    {"type": "array", "items": {"type": "string", "pattern": "[aA][12].*[zZ]", "minLength": 4, "maxLength": 8}},
    {"type": "string", "pattern": "[aé].*[zé]", "minLength": 2, "maxLength": 4},
    # bounds past a token's reach: counts far from them walk without the count
    {"type": "string", "pattern": "[aA][12].*[zZ]", "minLength": 150, "maxLength": 300},
    {"type": "object", "properties": {"s": {"type": "string", "pattern": "^[a-z ]*x?[a-z ]*$",
                                            "minLength": 190, "maxLength": 260}}},
]


def code_point_product(required, forbidden, lo, hi, *, max_states):
    """The product automaton built from the code-point automata (not from the counted one)."""
    return string_dfa(required + [any_text(lo, hi)], forbidden, max_states=max_states)


def compiled(monkeypatch, schema, vocab, counted: bool):
    """`schema` compiled afresh with its bounded strings counted or as product automata
    built from the code-point automata."""
    monkeypatch.setattr(emit, "BUILT_AUTOMATA", AutomatonCache(max_entries=64, max_states=100_000))
    monkeypatch.setattr(json_schema, "_CACHE", GrammarCache(4))
    monkeypatch.setattr(scalars, "bounded_string_dfa",
                        functools.partial(bounded_string_dfa, counted=True) if counted else code_point_product)
    monkeypatch.setattr(scalars, "MAX_STRING_STATES", 5000 if counted else 50000)   # products past the default
    return constrain.compile_json_schema(schema, vocab, whitespace="compact")


def mask_bits(matcher, size: int) -> np.ndarray:
    return np.unpackbits(matcher.next_token_mask().view(np.uint8), bitorder="little")[:size]


@pytest.mark.parametrize("schema", MASK_SCHEMAS, ids=lambda s: json.dumps(s)[:60])
def test_counted_masks_equal_product_masks(monkeypatch, llama3, schema):
    vocab, _ = llama3
    product = compiled(monkeypatch, schema, vocab, counted=False)
    counted = compiled(monkeypatch, schema, vocab, counted=True)
    assert any(isinstance(p, CountedDFA) for p in counted.lexers._parts)
    assert not any(isinstance(p, CountedDFA) for p in product.lexers._parts)
    rng = random.Random(7)
    eos = set(np.flatnonzero(np.unpackbits(vocab.eos_mask.view(np.uint8), bitorder="little")).tolist())
    for _ in range(12):
        a, b = product.matcher(), counted.matcher()
        for _ in range(60):
            bits = mask_bits(a, vocab.size)
            assert np.array_equal(bits, mask_bits(b, vocab.size))
            assert a.can_end() == b.can_end()
            allowed = [t for t in np.flatnonzero(bits).tolist() if t not in eos]
            if not allowed or (a.can_end() and rng.random() < 0.1):
                break
            token = rng.choice(allowed)
            assert a.accept_token(token) and b.accept_token(token)


@pytest.mark.parametrize("schema", [
    {"type": "string", "pattern": "x", "maxLength": 16},
    {"type": "string", "pattern": "x", "minLength": 24, "maxLength": 44},
    {"type": "string", "pattern": "x", "minLength": 12},
], ids=json.dumps)
def test_counted_masks_take_token_slices_only_where_their_tokens_fit(monkeypatch, llama3, schema):
    """Past the `x`, plain text keeps the pattern alive, so a mask walk takes the token slices
    whole (up to 10, 30 and more characters) where the count leaves room for their longest
    tokens: at every length the masks equal the product automaton's."""
    vocab, tok = llama3
    product = compiled(monkeypatch, schema, vocab, counted=False)
    counted = compiled(monkeypatch, schema, vocab, counted=True)
    assert any(isinstance(p, CountedDFA) for p in counted.lexers._parts)
    a, b = product.matcher(), counted.matcher()
    for piece in '"x' + "a" * (schema.get("maxLength", 60) - 1):
        assert np.array_equal(mask_bits(a, vocab.size), mask_bits(b, vocab.size))
        token = tok.token_to_id(piece)
        assert a.accept_token(token) and b.accept_token(token)
    assert np.array_equal(mask_bits(a, vocab.size), mask_bits(b, vocab.size))


# --- schemas whose product automaton is too large ---------------------------------------

def test_email_of_at_most_1024_characters(llama3):
    vocab, tok = llama3
    schema = {"type": "string", "format": "email", "minLength": 20, "maxLength": 1024}
    grammar = constrain.compile_json_schema(schema, vocab)
    assert any(isinstance(p, CountedDFA) for p in grammar.lexers._parts)
    at_most = "a" * 1012 + "@example.com"
    assert len(at_most) == 1024
    for text, ok in [(at_most, True), ("b" + at_most, False), ("ann.lee@example.com", False),
                     ("anna.lee@example.com", True), ("a" * 500 + "@x.org", True), ("not an email " * 3, False)]:
        assert accepts(grammar, tok, json.dumps(text)) == ok, text[:40]


def test_a_count_past_the_cap_of_its_state_is_refused(llama3):
    # the C++ walks read the counter's tables at the count they are given: one past the
    # state's cap (1024 characters + 1) is a ValueError, not a read past the tables
    vocab, _ = llama3
    grammar = constrain.compile_json_schema({"type": "string", "format": "email", "maxLength": 1024}, vocab)
    name = next(n for n, p in zip(grammar.lexers.names, grammar.lexers._parts) if isinstance(p, CountedDFA))
    core = grammar.lexers.for_candidates(frozenset({name})).core
    state, _, count = core.walk_until_dead(0, b'"ab', 0, 0)
    assert count == 3
    alive = np.zeros(vocab.n_words, dtype=np.int32)
    core.lexeme_walk(vocab.trie, state, ROOT, alive, 1025)
    with pytest.raises(ValueError, match="cap"):
        core.lexeme_walk(vocab.trie, state, ROOT, alive, 1026)
    with pytest.raises(ValueError, match="cap"):
        core.walk_until_dead(state, b"c", 0, 1026)


def test_random_walks_of_a_counted_schema_validate(llama3):
    vocab, tok = llama3
    schema = {"type": "object", "properties": {
        "mail": {"type": "string", "format": "email", "maxLength": 300},
        "site": {"type": "string", "format": "uri", "minLength": 12, "maxLength": 2000},
        "words": {"type": "array", "items": {"type": "string", "pattern": "^(?:\\S+\\s+){0,9}\\S+$",
                                             "maxLength": 120}}},
        "required": ["mail", "site"], "additionalProperties": False}
    grammar = constrain.compile_json_schema(schema, vocab, whitespace="compact")
    assert sum(isinstance(p, CountedDFA) for p in grammar.lexers._parts) >= 2
    rng = random.Random(3)
    eos = set(np.flatnonzero(np.unpackbits(vocab.eos_mask.view(np.uint8), bitorder="little")).tolist())
    ended = 0
    for _ in range(10):
        m, ids = grammar.matcher(), []
        for _ in range(400):
            allowed = np.flatnonzero(mask_bits(m, vocab.size)).tolist()
            if m.can_end() and rng.random() < 0.5:
                break
            token = rng.choice([t for t in allowed if t not in eos])
            assert m.accept_token(token)
            ids.append(token)
        if m.can_end():
            ended += 1
            jsonschema.validate(json.loads(tok.decode(ids)), schema, format_checker=jsonschema.FormatChecker())
    assert ended


@pytest.mark.parametrize("other,message", [
    # no common text, a common prefix ("1): the LALR candidate set holds both
    ({"type": "string", "pattern": "^[0-9]+$"}, "length is counted shares its text with another candidate"),
    # common texts ("x@a.b"): an Earley parser, whose candidate sets are not known up front
    ({"type": "string", "pattern": "^x"}, "length is counted needs an LALR parser"),
])
def test_counted_terminal_beside_another_string_candidate_is_refused(llama3, other, message):
    vocab, _ = llama3
    schema = {"anyOf": [{"type": "string", "format": "email", "maxLength": 1024}, other]}
    with pytest.raises(UnsupportedSchemaError, match=message):
        constrain.compile_json_schema(schema, vocab)
    # either alone compiles
    constrain.compile_json_schema(schema["anyOf"][0], vocab)


def test_counted_terminal_in_a_grammar_with_conflicts_is_refused_before_its_lexers(llama3, monkeypatch):
    """Two array branches accepting the same arrays: the LALR tables have conflicts, so the
    counted terminal is refused as soon as the parser is known, before any lexer is built."""
    from constrain.grammars import cfg_matcher

    vocab, _ = llama3
    built = []
    real = cfg_matcher.Lexers.__init__
    monkeypatch.setattr(cfg_matcher.Lexers, "__init__", lambda self, *a, **k: built.append(1) or real(self, *a, **k))
    email = {"type": "string", "format": "email", "maxLength": 1024}
    schema = {"anyOf": [{"type": "array", "items": email, "maxItems": 2}, {"type": "array", "items": email, "minItems": 1}]}
    with pytest.raises(UnsupportedSchemaError, match="length is counted needs an LALR parser"):
        constrain.compile_json_schema(schema, vocab)
    assert not built
