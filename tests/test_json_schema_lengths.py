"""Runs of character classes (lengths.py): the automaton built directly accepts exactly what
the regex of the runs does (`string_regex(any_text(lo, hi))` for lengths alone), and compiled
schemas enforce the bounds."""
from __future__ import annotations

import json

import pytest

from constrain.automata.regex import byte_difference, regex_to_dfa, trimmed
from constrain.automata.charset import ANY, CharSet
from constrain.grammars.json_schema.lengths import positions, runs_ast, runs_dfa, runs_of
from constrain.grammars.json_schema.strings import any_text, encode, pattern_ast, string_regex, with_length
from constrain.grammars.cfg_matcher import CFGGrammar
from constrain.grammars.json_schema import compile_json_schema
from constrain.grammars.lark_frontend import translate_regex
from tests.test_json_schema import accepts, llama3  # noqa: F401 (a fixture)

BOUNDS = [(0, 0), (0, 1), (1, 1), (2, 5), (7, 7), (0, 40), (3, 64), (0, None), (1, None), (5, None)]


LETTERS = CharSet([(ord("a"), ord("z"))])
ODD = CharSet([(0x22, 0x22), (ord("0"), ord("9")), (0xE9, 0xE9), (0x1F600, 0x1F600)])    # a quote, 2 and 4 bytes
RUNS = [((ANY, lo, hi),) for lo, hi in BOUNDS] + [
    ((LETTERS, 1, 1), (ODD, 0, 7)), ((LETTERS, 1, 1), (ODD, 2, None)), ((ODD, 2, 2), (LETTERS, 1, 1), (ANY, 0, 3)),
    ((LETTERS, 3, 3),), ((LETTERS, 1, 1), (ODD, 0, 0))]


def assert_same_language(built, regex: str):
    pattern, flags = translate_regex(regex)
    expected = regex_to_dfa(pattern, flags=flags, max_states=50000)
    assert byte_difference(built, expected) is None and byte_difference(expected, built) is None
    assert trimmed(built, built.accepting.tolist()).n_states == built.n_states   # nothing to trim


@pytest.mark.parametrize("lo,hi", BOUNDS)
def test_length_automaton_is_the_regex_language(lo, hi):
    assert_same_language(runs_dfa(((ANY, lo, hi),)), string_regex(any_text(lo, hi)))


@pytest.mark.parametrize("runs", RUNS)
@pytest.mark.parametrize("opening,closing", [(True, True), (False, True), (True, False), (False, False)])
def test_runs_automaton_is_the_regex_language(runs, opening, closing):
    quote = ['"' if opening else "", '"' if closing else ""]
    assert_same_language(runs_dfa(runs, opening, closing), quote[0] + encode(runs_ast(runs)) + quote[1])


def test_runs_of_reads_fixed_classes_then_one_repeat():
    ast = with_length(pattern_ast("^[a-z][a-z0-9_]*$"), 1, 40)
    runs = runs_of(ast)
    assert [(lo, hi) for _, lo, hi in runs] == [(1, 1), (0, 39)] and positions(runs) == 40
    assert runs_of(pattern_ast("^[a-z]*[0-9]$")) is None          # a repeat before the last run
    assert runs_of(pattern_ast("^(ab|c)$")) is None


def test_length_automaton_examples():
    dfa = runs_dfa(((ANY, 2, 3),))
    for spelled, ok in [('"ab"', True), ('"abc"', True), ('"a"', False), ('"abcd"', False), ('"é\\n"', True),
                        ('"\\u0001x"', True), ('"\\u00"', False), ('"a"b"', False), ('"\\u0041b"', False)]:
        assert dfa.matches(spelled.encode()) == ok, spelled
    assert runs_dfa(((ANY, 3, 2),)) is None


def test_compiled_schema_enforces_lengths(llama3):
    vocab, tok = llama3
    grammar = compile_json_schema({"type": "string", "minLength": 2, "maxLength": 200}, vocab)
    for text, ok in [("ab", True), ("x" * 200, True), ("é" * 200, True), ("a", False), ("x" * 201, False)]:
        assert accepts(grammar, tok, json.dumps(text, ensure_ascii=False)) == ok, text


@pytest.mark.parametrize("schema,texts", [
    ({"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_ -]*$", "maxLength": 60},
     ["a", "_x y-z", "a" * 60, "a" * 61, "9abc", "", "ab\"", "abé"]),
    ({"type": "string", "minLength": 300, "maxLength": 400},           # chunks of 64 and a tail
     ["x" * 299, "x" * 300, "é" * 350, "\n" * 400, "x" * 401, "x" * 384, "x" * 383]),
    ({"type": "string", "minLength": 300}, ["x" * 299, "x" * 300, "x" * 1000]),
])
def test_compiled_runs_agree_with_jsonschema(llama3, schema, texts):
    """Compiling chains the runs directly (an automaton terminal); the grammar shown keeps the
    regex; both agree with jsonschema on every text."""
    import jsonschema

    from constrain.grammars.json_schema import json_schema_to_lark
    from constrain.grammars.lark_frontend import load_lark

    vocab, tok = llama3
    compiled = compile_json_schema(schema, vocab)
    assert any(t.pattern.startswith('"automaton') for t in compiled.ir.terminals.values())
    shown = json_schema_to_lark(schema)
    assert "AUTOMATON" not in shown
    validator = jsonschema.Draft202012Validator(schema)
    for grammar in (compiled, CFGGrammar(load_lark(shown), vocab)):
        for text in texts:
            assert accepts(grammar, tok, json.dumps(text, ensure_ascii=False)) == validator.is_valid(text), text


def test_pattern_with_a_length_the_regex_cannot_be_rewritten_for(llama3):
    """A pattern whose length bound needs an intersection: compiling builds the automaton of
    both at once; json_schema_to_lark still writes the intersected regex. Both enforce both."""
    import re

    from constrain.grammars.json_schema import json_schema_to_lark

    vocab, tok = llama3
    schema = {"type": "string", "pattern": "^(ab|c)+$", "minLength": 3, "maxLength": 5}
    grammar = compile_json_schema(schema, vocab)
    shown = json_schema_to_lark(schema)
    assert "AUTOMATON" not in shown                                 # the shown grammar has a regex
    regex = re.compile(r'"(?:ab|c)+"')
    for text in ["abc", "cab", "ccc", "abab", "ababc", "cabab", "ab", "cc", "ababab", "abcabc", "abx", "bca"]:
        ok = bool(regex.fullmatch(json.dumps(text))) and 3 <= len(text) <= 5
        assert accepts(grammar, tok, json.dumps(text)) == ok, text
    # the compiled grammar reads the string through an automaton built directly
    assert any(t.pattern.startswith('"automaton') for t in grammar.ir.terminals.values())


def test_an_unanchored_pattern_with_a_length_compiles_as_an_automaton(llama3):
    """`[0-9a-f]` unanchored is `.*[0-9a-f].*`: a length bound splits between two repeats,
    a regex with one branch per split whose DFA passed max_states at 40 characters. Compiling
    builds the automaton of the intersection (linear in the bound); the shown grammar keeps
    the regex."""
    from constrain.grammars.json_schema import json_schema_to_lark

    vocab, tok = llama3
    schema = {"type": "string", "pattern": "[0-9a-f]", "minLength": 1, "maxLength": 40}
    grammar = compile_json_schema(schema, vocab)
    assert any(t.pattern.startswith('"automaton') for t in grammar.ir.terminals.values())
    assert "AUTOMATON" not in json_schema_to_lark({**schema, "maxLength": 4})
    for text, ok in [("zz1zz", True), ("a", True), ("x" * 39 + "f", True), ("x" * 40 + "f", False),
                     ("xyz", False), ("", False), ("é" * 30 + "0", True)]:
        assert accepts(grammar, tok, json.dumps(text, ensure_ascii=False)) == ok, text


@pytest.mark.parametrize("schema", [
    {"oneOf": [{"maxLength": 1}, {"maxLength": 1}, {"pattern": "^x"}]},   # found by the combinator fuzz
    {"anyOf": [{"type": "string", "minLength": 2, "maxLength": 1, "not": {"pattern": "^x"}}, {"type": "integer"}]},
    {"anyOf": [{"type": "string", "minLength": 3, "maxLength": 2, "pattern": "a"}, {"type": "integer"}]},
])
def test_an_empty_length_range_allows_no_string(llama3, schema):
    """minLength above maxLength (written so, or left by a oneOf whose branches exclude each
    other) allows no string, whatever else constrains it; both grammars agree with jsonschema."""
    import jsonschema

    from constrain.grammars.json_schema import json_schema_to_lark
    from constrain.grammars.lark_frontend import load_lark

    vocab, tok = llama3
    validator = jsonschema.Draft202012Validator(schema)
    compiled, shown = compile_json_schema(schema, vocab), CFGGrammar(load_lark(json_schema_to_lark(schema)), vocab)
    for value in ["ab", "xa", "x", "", "aaa", 7]:
        for grammar in (compiled, shown):
            assert accepts(grammar, tok, json.dumps(value)) == validator.is_valid(value), (schema, value)


def test_a_repeat_with_fewer_at_most_than_at_least_is_empty():
    from constrain.automata.regex import ast_to_dfa
    from constrain.automata.regex_parser import parse

    from constrain.errors import RegexError

    inner = parse("a{2}")                              # a Repeat node, bounds replaced below
    assert ast_to_dfa(inner).accepting.any()
    with pytest.raises(RegexError, match="empty"):     # not the language of "aa"
        ast_to_dfa(type(inner)(inner.item, 2, 1))
