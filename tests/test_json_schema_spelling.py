"""A string terminal's automaton built from its AST (`spelled_ast`, what compiling reads) is the
automaton of its regex (`string_regex`, what the grammar shows): same canonical spellings."""
from __future__ import annotations

import pytest

from constrain.automata.charset import CharSet
from constrain.automata.regex import byte_difference, regex_to_dfa
from constrain.automata.regex_parser import Chars, Repeat
from constrain.grammars.json_schema.strings import (
    NotExpressible,
    any_text,
    excluding,
    literal_ast,
    pattern_ast,
    spelled_ast,
    spelled_dfa,
    string_regex,
    with_length,
)
from constrain.grammars.lark_frontend import translate_regex
from tests.test_json_schema import accepts, llama3  # noqa: F401 (a fixture)

NODES = [pattern_ast(p) for p in [
    "^[a-z]+$", "a|b", r"^\d{3}-\d{4}$", '[\\x00-\\x1f"\\\\]', r"^(foo|bar)\.baz$", "é+", "^[^a]*$", r"\s",
    "[\\u0000-\\u0008]", "^.{2,5}$", "^[\\x00-\\x1f]$", "\\n\\t\\\\", "[\\x01\\x0b\\x7f]", "^😀?[\\u0080-\\uffff]$"]] + [
    any_text(), any_text(3, 9), literal_ast('a"b\\c\n\x1f'), excluding(any_text(), ["ab", "x"]),
    with_length(pattern_ast("^[a-z]"), 2, 4), Repeat(Chars(CharSet([(0, 0x1F)])), 1, 2)]


@pytest.mark.parametrize("node", NODES)
def test_the_spelled_ast_is_the_regex_language(node):
    built = spelled_dfa(node, max_states=50000)
    pattern, flags = translate_regex(string_regex(node))
    expected = regex_to_dfa(pattern, flags=flags, max_states=50000)
    assert byte_difference(built, expected) is None and byte_difference(expected, built) is None


def test_an_empty_class_has_no_spelling():
    with pytest.raises(NotExpressible):
        spelled_ast(Chars(CharSet()))


def test_compiled_string_terminals_are_built_from_their_ast(llama3):
    from constrain.grammars.json_schema import compile_json_schema

    from constrain.automata.automaton_cache import MISSING
    from constrain.grammars.json_schema.emit import BUILT_AUTOMATA

    vocab, tok = llama3
    pattern = "^[a-z]+@[a-z]+\\.(com|org)$"
    grammar = compile_json_schema({"type": "string", "pattern": pattern}, vocab)
    regex = string_regex(pattern_ast(pattern))
    assert [t.pattern for t in grammar.ir.terminals.values() if t.pattern.startswith('"')] == [regex]
    assert BUILT_AUTOMATA.get(("spelled", regex)) is not MISSING
    for text, ok in [("a@b.com", True), ("ab@cd.org", True), ("a@b.net", False), ("A@b.com", False)]:
        assert accepts(grammar, tok, f'"{text}"') == ok, text

