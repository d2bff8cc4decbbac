"""The EBNF expander and the BNF reductions (csrc/bnf.cc through ebnf.py and cfg.py), and
the rules' encoding for the LALR builder: the expanded rules generate the language Lark reads
in the same text, before and after unit rules are inlined; bad bodies and bad arguments are
refused."""
from __future__ import annotations

import gc
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constrain._core import encode_rules, expand_ebnf, reduce_bnf
from constrain.errors import GrammarError
from constrain.grammars.cfg import Grammar, Rule, inline_unit_rules, reduce_rules, rule_nonterminals, rule_terminals
from constrain.grammars.ebnf import expand_rules
from constrain.grammars.lark_frontend import load_lark
from tests.test_cfg_parsers import Reference

NONTERMINALS = ["start", "p", "q"]
TERMINALS = ["A", "B"]


def _expressions(depth: int):
    """EBNF text in the expander's subset: symbols, groups, and ? * + after either."""
    symbol = st.sampled_from(NONTERMINALS + TERMINALS)
    if depth == 0:
        atom = symbol
    else:
        atom = st.one_of(symbol, _alternatives(depth - 1).map(lambda a: f"({a})" if a.strip() else "(A)"))
    return st.tuples(atom, st.sampled_from(["", "", "?", "*", "+"])).map("".join)


def _alternatives(depth: int):
    sequence = st.lists(_expressions(depth), max_size=3).map(" ".join)
    return st.lists(sequence, min_size=1, max_size=3).map(" | ".join)


@st.composite
def ebnf_bodies(draw):
    return {nt: draw(_alternatives(1)) for nt in NONTERMINALS}


def _sentences(grammar: Grammar, length: int) -> set[tuple[str, ...]]:
    ref = Reference(grammar)
    return {w for n in range(length + 1) for w in itertools.product(TERMINALS, repeat=n) if ref.sentence(w)}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ebnf_bodies())
def test_expanded_rules_generate_what_lark_reads(bodies):
    text = "\n".join(f"{nt}: {body}" for nt, body in bodies.items()) + '\nA: "a"\nB: "b"\n'
    try:
        lark = load_lark(text)
    except GrammarError as e:
        assert "generates no string" in str(e)
        with pytest.raises(GrammarError, match="generates no string"):
            expand_rules(bodies, "start")
        return
    expected = _sentences(lark, 4)
    for inline in (False, True):
        rules = expand_rules(bodies, "start", inline_units=inline)
        assert all(type(r) is Rule for r in rules) and len(set(rules)) == len(rules)
        _assert_symbols_found(rules)
        grammar = Grammar(lark.terminals, rules, "start")          # checks that they are reduced
        assert _sentences(grammar, 4) == expected
        if inline:
            counts = {}
            for r in rules:
                counts[r.lhs] = counts.get(r.lhs, 0) + 1
            assert not any(len(r.rhs) == 1 and counts[r.lhs] == 1 and r.lhs != "start" for r in rules)


def _assert_symbols_found(rules):
    """The symbols csrc/bnf.cc reports with its rules are those Python finds in them."""
    assert rules.terminals == rule_terminals(tuple(rules))
    assert rules.nonterminals == rule_nonterminals(tuple(rules)) == tuple(sorted({r.lhs for r in rules}))


def test_symbols_come_sorted_as_python_sorts_them():
    symbols = ["é", "z", "Z", "a_", "a", "\u00ff", "\U0001f600", "_"]
    rules = reduce_rules(tuple(Rule("start", (s, "start")) for s in symbols) + (Rule("start", ()),), "start")
    assert rules.terminals == tuple(sorted(symbols)) and rules.nonterminals == ("start",)
    _assert_symbols_found(rules)
    defined = reduce_rules(tuple(Rule("start", (s,)) for s in symbols) + tuple(Rule(s, ("X",)) for s in symbols), "start")
    assert defined.nonterminals == tuple(sorted(["start", *symbols])) and defined.terminals == ("X",)


def test_helper_rules_are_numbered_across_bodies_and_come_first():
    rules = expand_rules({"start": "p A*", "p": "(A B)+ | B"}, "start")
    assert rules == (Rule("start__rep0", ("A",)), Rule("start__rep0", ("start__rep0", "A")),
                     Rule("start", ("p", "start__rep0")), Rule("start", ("p",)),
                     Rule("p__rep1", ("A", "B")), Rule("p__rep1", ("p__rep1", "A", "B")),
                     Rule("p", ("p__rep1",)), Rule("p", ("B",)))


def test_reductions_drop_useless_rules_and_inline_chains():
    rules = (Rule("start", ("a",)), Rule("a", ("b",)), Rule("b", ("X",)), Rule("b", ("Y", "b")),
             Rule("dead", ("dead", "X")), Rule("start", ("dead",)), Rule("lost", ("X",)))
    reduced = reduce_rules(rules, "start")
    assert reduced == rules[:4]
    _assert_symbols_found(reduced)
    assert inline_unit_rules(reduced, "start") == (Rule("start", ("b",)), Rule("b", ("X",)), Rule("b", ("Y", "b")))
    with pytest.raises(GrammarError, match="start rule 'nowhere' is not defined"):
        reduce_rules(rules, "nowhere")
    with pytest.raises(GrammarError, match=r"generates no string \(rule 'dead'"):
        reduce_rules(rules, "dead")


@pytest.mark.parametrize("body, message", [
    ("A 1B", "rule 'start': unexpected text in 'A 1B'"),
    ("A é", "rule 'start': unexpected text in 'A é'"),
    ("A (B", "rule 'start': missing '\\)'"),
    ("A )", "rule 'start': unbalanced 'A \\)'"),
    ("A | *", "rule 'start': unexpected '\\*'"),
    ("A??", "rule 'start': unexpected '\\?'"),
])
def test_bad_bodies_are_named(body, message):
    with pytest.raises(GrammarError, match=message):
        expand_rules({"start": body}, "start")


def test_the_core_refuses_bad_arguments():
    with pytest.raises(TypeError):
        expand_ebnf({"start": 3}, "start", False, Rule)
    with pytest.raises(TypeError):
        expand_ebnf({"start": "A"}, "start", False, dict)
    with pytest.raises(TypeError):
        reduce_bnf([("start",)], "start", False, Rule)
    with pytest.raises(TypeError):
        reduce_bnf([("start", ("A", 1))], "start", False, Rule)
    for bad in (["start"], [("start", ["A"])]):
        with pytest.raises(TypeError, match="a rule must be"):
            reduce_bnf(bad, "start", False, Rule)


def test_rules_encode_with_the_augmented_rule_first():
    rules = (Rule("start", ("a", "X")), Rule("a", ()), Rule("a", ("Y", "a")))
    nts, terms = {"a": 0, "start": 1}, {"X": 0, "Y": 1}
    lhs, begin, rhs = encode_rules(rules, nts, terms, 1, 2)
    assert lhs.tolist() == [2, 1, 0, 0] and begin.tolist() == [0, 2, 4, 4, 6]
    assert rhs.tolist() == [~1, 2, ~0, 0, 1, ~0]
    with pytest.raises(KeyError):
        encode_rules((Rule("start", ("Z",)),), nts, terms, 1, 2)
    with pytest.raises(KeyError):
        encode_rules((Rule("b", ()),), nts, terms, 1, 2)
    with pytest.raises(TypeError, match="a rule must be"):
        encode_rules([("start", ["X"])], nts, terms, 1, 2)


def test_rules_are_left_out_of_the_cyclic_collector():
    """Rules hold only strs: the core hands them over untracked, so a compile's thousands of
    rules are not scanned by the collection that follows its pause; the Python rules say so."""
    for rules in (expand_rules({"start": "A b", "b": "B | C b"}, "start", inline_units=True),
                  reduce_rules((Rule("start", ("a",)), Rule("a", ("X",))), "start")):
        assert rules and not any(gc.is_tracked(r) or gc.is_tracked(r.rhs) for r in rules)
        assert all(type(r) is Rule and type(r.lhs) is str and all(type(s) is str for s in r.rhs) for r in rules)
