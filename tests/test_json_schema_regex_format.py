"""`format: regex` (constrain/grammars/json_schema/regex_format.py): every string the format
accepts is a pattern Python's `re` compiles without a warning (what jsonschema's
FormatChecker runs) and constrain's ECMA-262 parser reads; every pattern of the documented
subset is accepted; what lies outside it (unbalanced or too deeply nested groups, bad ranges
and counts, named groups, backreferences) is refused."""
from __future__ import annotations

import json
import random
import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

import constrain
from constrain.automata.regex import regex_to_dfa
from constrain.automata.regex_parser import parse
from constrain.errors import RegexError, UnsupportedRegexError
from constrain.grammars.json_schema.regex_format import MAX_GROUP_DEPTH, REGEX_FORMAT
from jsonschemabench.walk import TokenPicker, walk_once
from tests.conftest import require_tokenizer

_DFA = []


def accepted(text: str) -> bool:
    if not _DFA:
        _DFA.append(regex_to_dfa(REGEX_FORMAT))
    return _DFA[0].matches(text.encode())


def compiles_everywhere(pattern: str) -> bool:
    """Python compiles it without a warning (a FutureWarning flags a possible set operation)
    and constrain's ECMA-262 parser finds no syntax error in it (a construct it does not
    support, such as `\\b`, is no syntax error)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            re.compile(pattern)
        except (re.error, Warning):
            return False
    try:
        parse(pattern, lookahead=True)
    except UnsupportedRegexError:
        pass
    except RegexError:
        return False
    return True


GOOD = [r"^[a-z]+$", r"\d{3}-\d{4}", r"^(?:[A-Z][a-z]*)+$", r"(a|b)*c", r"^[a-zA-Z0-9_\-]+$", r"[^\s]",
        r"^\w+@\w+\.com$", r"a{2,5}?", r"^(?=.*\d).{8,}$", "", "|", r"^[-\w.]+$", r"^\d{1,3}(\.\d{1,3}){3}$",
        "a{10,20}", "a{0}", "((((a))))", r"\/\*", "é+", r"[\]\\]", r"^(?!foo)bar\b", r"\x41\u00e9", r"[\u00e9a-z]"]
BAD = ["(", ")", "a**", "a*+", "[z-a]", "a{3,1}", "a{20,10}", r"\1", "*a", "[]", "[^]", "(?<x>a)", "(?P<x>a)",
       "^*", r"\b+", "(?=a)*", r"\q", "a{", "]", "}", "(?i)a", "(" * (MAX_GROUP_DEPTH + 1) + ")" * (MAX_GROUP_DEPTH + 1),
       "a{100}", "a{10,15}", r"\u12", r"\x4", "[a&&b]", "[[a]]", r"(?<=a)b"]


def test_examples():
    assert [s for s in GOOD if not accepted(s)] == []
    assert [s for s in BAD if accepted(s)] == []
    assert all(compiles_everywhere(s) for s in GOOD)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="ab09\\^$.*+?()[]{}|,-=!:<dwsb&ux", max_size=14))
def test_every_accepted_string_compiles(text):
    if accepted(text):
        assert compiles_everywhere(text), text


_CLASS_ITEM = st.sampled_from(["a", "0-9", "a-z", "A-F", r"\d", r"\-", r"\]", ".", "$", "(", "é", r"\u00e9"])
_ATOM = st.one_of(st.sampled_from(["a", "Z", "7", ".", r"\d", r"\W", r"\.", r"\(", r"\/", "é", " ", "-", r"\x7e"]),
                  st.tuples(st.booleans(), st.lists(_CLASS_ITEM, min_size=1, max_size=3))
                  .map(lambda c: "[" + "^" * c[0] + "".join(c[1]) + "]"))
_QUANTIFIER = st.one_of(st.sampled_from(["", "*", "+", "?", "{3}", "{2,}", "*?"]),
                        st.tuples(st.integers(0, 99), st.integers(0, 99)).map(sorted)
                        .filter(lambda mn: mn[0] < 10 or mn[0] // 10 < mn[1] // 10)
                        .map(lambda mn: f"{{{mn[0]},{mn[1]}}}"))


def _sequence(group: st.SearchStrategy) -> st.SearchStrategy:
    piece = st.one_of(st.tuples(st.one_of(_ATOM, group), _QUANTIFIER).map("".join),
                      st.sampled_from(["^", "$", r"\b"]))
    return st.lists(st.one_of(piece, st.just("|")), max_size=4).map("".join)


def _nested(depth: int) -> st.SearchStrategy:
    """Patterns of the subset whose groups nest at most `depth` deep."""
    if depth == 0:
        return _sequence(st.nothing())
    inner = _nested(depth - 1)
    return _sequence(st.tuples(st.sampled_from(["(", "(?:"]), inner).map(lambda g: g[0] + g[1] + ")"))


_TOP = st.one_of(_nested(MAX_GROUP_DEPTH),
                 st.tuples(_nested(MAX_GROUP_DEPTH - 1), st.sampled_from(["(?=", "(?!"]), _nested(MAX_GROUP_DEPTH - 1))
                 .map(lambda t: f"{t[1]}{t[0]}){t[2]}"))


@settings(max_examples=300, deadline=None)
@given(_TOP)
def test_the_documented_subset_is_accepted(pattern):
    assert compiles_everywhere(pattern), pattern
    assert accepted(pattern), pattern


def test_walks_through_the_schema_end_in_patterns_that_compile():
    """Random token walks through {"type": "string", "format": "regex"}, spelled as JSON."""
    path = require_tokenizer("gpt2")
    vocab = constrain.Vocabulary.from_file(path)
    grammar = constrain.compile_json_schema({"type": "string", "format": "regex"}, vocab)
    picker = TokenPicker(vocab, random.Random(3))
    finished = []
    for _ in range(40):
        text, dead_end = walk_once(grammar, vocab, picker, 120)
        assert not dead_end
        if text is not None:
            finished.append(json.loads(text))
    assert len(finished) >= 20
    assert [p for p in finished if not compiles_everywhere(p)] == []


@pytest.mark.parametrize("instance, valid", [("^[a-z]+$", True), ("(a", False), ("a{3,1}", False)])
def test_a_schema_with_the_format_accepts_valid_patterns_only(instance, valid):
    path = require_tokenizer("gpt2")
    vocab = constrain.Vocabulary.from_file(path)
    tok = Tokenizer.from_file(str(path))
    grammar = constrain.compile_json_schema({"type": "object", "properties": {"p": {"format": "regex"}}}, vocab)
    m = grammar.matcher()
    ids = tok.encode(json.dumps({"p": instance}), add_special_tokens=False).ids
    assert (all(m.accept_token(t) for t in ids) and m.can_end()) == valid
