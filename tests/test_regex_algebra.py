"""Boolean operations on regex ASTs (constrain/automata/algebra.py) against Python's `re`:
the result, compiled back to a DFA, accepts a string iff the operation on the operands'
`re.fullmatch` results says so (random strings over the operands' alphabet)."""
from __future__ import annotations

import random
import re

import pytest

from constrain.automata.algebra import difference, intersection
from constrain.automata.regex import ast_to_dfa
from constrain.automata.regex_parser import Alt, Concat, Repeat, parse
from constrain.errors import AutomatonTooLargeError

PAIRS = [
    ("[a-c]*", "a*b"), ("(ab|c)+", "[abc]{2,3}"), ("-?[0-9]+", "0|[1-9][0-9]*"), (".*", "x.*"),
    ("[a-z]+", "if|in|is"), ("é[a-zé]*", ".*é"), ("(a|b)*abb", "(a|b)*"), ("a{2,5}", "a{3}"),
]


def _accepts(ast):
    if ast is None:
        return lambda s: False
    dfa = ast_to_dfa(ast)
    return lambda s: dfa.matches(s.encode())


@pytest.mark.parametrize("a,b", PAIRS)
def test_difference_and_intersection_match_re(a, b):
    ra, rb = re.compile(a, re.S), re.compile(b, re.S)
    both = _accepts(intersection(parse(a, "s"), parse(b, "s")))
    minus = _accepts(difference(parse(a, "s"), parse(b, "s")))
    rng = random.Random(a + b)
    alphabet = "abcxé-019ifns"
    for _ in range(1500):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 7)))
        in_a, in_b = bool(ra.fullmatch(s)), bool(rb.fullmatch(s))
        assert both(s) == (in_a and in_b), (a, b, s)
        assert minus(s) == (in_a and not in_b), (a, b, s)


def test_empty_results_and_limits():
    assert intersection(parse("a+"), parse("b+")) is None
    assert difference(parse("a"), parse("[a-c]")) is None
    with pytest.raises(AutomatonTooLargeError):
        difference(parse(".*"), parse("(a|b)*a(a|b){12}"), max_states=500)


def _tree_size(node) -> int:
    if isinstance(node, (Concat, Alt)):
        return 1 + sum(_tree_size(x) for x in node.items)
    return 1 + _tree_size(node.item) if isinstance(node, Repeat) else 1


@pytest.mark.parametrize("a,b", [("(ab|cd)*e(fg)?", ".*x.*"), ("[a-c]{2,6}", "a.*b"), ("(a|b)*abb", "b*")])
def test_the_node_bound_counts_the_regex_as_a_tree(a, b):
    """max_nodes bounds the result's size as a tree (a shared subtree counted at each place):
    the result of exactly that size is returned, one node less raises."""
    result = difference(parse(a), parse(b))
    size = _tree_size(result)
    assert difference(parse(a), parse(b), max_nodes=size) == result
    with pytest.raises(AutomatonTooLargeError):
        difference(parse(a), parse(b), max_nodes=size - 1)
