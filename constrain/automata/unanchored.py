"""Search (unanchored) semantics as an anchored AST: `.*(?:P).*` with dot matching everything.

`search_ast(p)` returns `ANY* P' ANY*` where P' is P with the parts that the surrounding
`ANY*` makes irrelevant removed: a string contains a match of `x{m,n}` at its end iff it
contains one of `x{m}`, and a branch that reduces to nothing at an end makes the whole
alternation irrelevant there. Formally, for the trailing side, `X · P · ANY*` and `X · P' · ANY*`
denote the same strings (likewise for the leading side); `ANY*` reads any valid UTF-8 string
and carries no assertion, so dropped parts only ever added constraints or alternatives it
already covers. Assertions are never dropped. This keeps `[a-z]{1,5000}` from building
thousands of states whose distinctions the search cannot observe.
"""
from __future__ import annotations

from constrain.automata.charset import ANY
from constrain.automata.regex_parser import Alt, Chars, Concat, Node, Repeat

_ANY_TEXT = Repeat(Chars(ANY), 0, None)
_EMPTY = Concat(())


def search_ast(pattern: Node) -> Node:
    return Concat((_ANY_TEXT, _reduce(_reduce(pattern, tail=True), tail=False), _ANY_TEXT))


def _reduce(node: Node, tail: bool) -> Node:
    """Drop what an adjacent `ANY*` on the `tail` (else leading) side absorbs."""
    if isinstance(node, Repeat):
        if node.min == 0:
            return _EMPTY
        return _reduce(node.item, tail) if node.min == 1 else Repeat(node.item, node.min, node.min)
    if isinstance(node, Alt):
        branches = [_reduce(b, tail) for b in node.items]
        return _EMPTY if _EMPTY in branches else Alt(tuple(branches))
    if isinstance(node, Concat):
        items = list(node.items)
        while items:
            edge = _reduce(items[-1] if tail else items[0], tail)
            if edge != _EMPTY:
                items[-1 if tail else 0] = edge
                break
            items.pop(-1 if tail else 0)
        return items[0] if len(items) == 1 else Concat(tuple(items))
    return node
