"""Boolean operations on regular languages given as code-point regex ASTs, with the result
written back as an AST (so it can be spelled as a regex again).

`combine(asts, accept)` is the language of the strings w with accept({i : w in L(asts[i])});
`intersection`, `difference` and `complement` (within a universe AST) are its instances.
Pipeline: the tagged-union NFA of the operands (nfa.py), the subset construction over
code-point classes (determinize.py), acceptance relabelled by `accept`, minimization
(minimize.py), then state elimination into an AST.

Invariants: the returned AST matches exactly the combined language (None when it is empty);
it has no `Assert` nodes; its size is bounded by `max_nodes` and the automaton's by
`max_states` (`AutomatonTooLargeError` beyond either, instead of a huge regex).
"""
from __future__ import annotations

import heapq
from typing import Callable

from constrain.automata.charset import CharSet
from constrain.automata.determinize import SubsetDFA
from constrain.automata.minimize import MinimalDFA, minimize
from constrain.automata.nfa import build_nfa
from constrain.automata.regex_parser import Alt, Chars, Concat, Node, Repeat
from constrain.errors import AutomatonTooLargeError

EPSILON = Concat(())
_ACCEPT = frozenset({0})
_REJECT: frozenset[int] = frozenset()


def combine(asts: list[Node], accept: Callable[[frozenset[int]], bool], *, max_states: int = 2000,
            max_nodes: int = 20000) -> Node | None:
    dfa, classes = combine_dfa(asts, accept, max_states=max_states)
    return None if dfa is None else dfa_to_ast(dfa, classes, max_nodes=max_nodes)


def combine_dfa(asts: list[Node], accept: Callable[[frozenset[int]], bool], *,
                max_states: int = 2000) -> tuple[MinimalDFA | None, list[CharSet]]:
    """The combined language as a minimal code-point DFA (tag {0} where it accepts) over the
    returned classes; None when it is empty."""
    nfa = build_nfa(asts)
    sub = nfa.determinized(max_states)
    relabelled = SubsetDFA(sub.trans, [_ACCEPT if accept(tags) else _REJECT for tags in sub.tags])
    return minimize(relabelled), nfa.alphabet.classes


def dfa_to_ast(dfa: MinimalDFA, classes: list[CharSet], *, max_nodes: int = 20000) -> Node:
    """A regex AST of the DFA's language (state elimination)."""
    column_chars = dfa.column_chars(classes)
    columns: dict[tuple[int, int], list[CharSet]] = {}      # (s, t) -> the chars of its columns
    for s, row in enumerate(dfa.trans.tolist()):
        for col, t in enumerate(row):
            if t >= 0:
                columns.setdefault((s, t), []).append(column_chars[col])
    edges = {k: Chars(v[0] if len(v) == 1 else CharSet().union(*v)) for k, v in columns.items()}
    finals = [s for s, tags in enumerate(dfa.tags) if tags]
    return _eliminate(len(dfa.tags), edges, finals, max_nodes)


def intersection(a: Node, b: Node, **limits) -> Node | None:
    return combine([a, b], lambda tags: len(tags) == 2, **limits)


def difference(a: Node, b: Node, **limits) -> Node | None:
    """The strings of `a` not in `b`."""
    return combine([a, b], lambda tags: 0 in tags and 1 not in tags, **limits)


def _eliminate(n: int, edges: dict[tuple[int, int], Node], finals: list[int], max_nodes: int) -> Node | None:
    """State elimination: a new start (n) and end (n + 1) joined by one regex."""
    start, end = n, n + 1
    out: dict[int, dict[int, Node]] = {s: {} for s in range(n + 2)}
    into: dict[int, dict[int, Node]] = {s: {} for s in range(n + 2)}
    size = _TreeSizes()

    def add(s: int, t: int, node: Node) -> None:
        old = out[s].get(t)
        node = node if old is None else _alt(old, node)
        if size(node) > max_nodes:
            raise AutomatonTooLargeError(f"the regex of this language exceeds {max_nodes} nodes")
        out[s][t] = into[t][s] = node

    add(start, 0, EPSILON)
    for (s, t), node in edges.items():
        add(s, t, node)
    for f in finals:
        add(f, end, EPSILON)
    # eliminate cheap states first (fewest in x out edges, then lowest number): a heap of
    # (cost, state) entries, of which the one with a state's current cost counts
    def cost(s: int) -> int:
        return (len(into[s]) - (s in into[s])) * (len(out[s]) - (s in out[s]))

    current = [cost(s) for s in range(n)]
    heap = [(c, s) for s, c in enumerate(current)]
    heapq.heapify(heap)
    while heap:
        c, k = heapq.heappop(heap)
        if c != current[k]:
            continue
        current[k] = -1                     # eliminated
        loop = out[k].pop(k, None)
        into[k].pop(k, None)
        star = EPSILON if loop is None else Repeat(loop, 0, None)
        for i, a in list(into[k].items()):
            del out[i][k]
            for j, b in out[k].items():
                add(i, j, _concat(a, star, b))
        for j in out[k]:
            del into[j][k]
        for s in {*into[k], *out[k]}:
            if s < n and current[s] >= 0 and cost(s) != current[s]:
                current[s] = cost(s)
                heapq.heappush(heap, (current[s], s))
        out[k], into[k] = {}, {}
    return out[start].get(end)


def _concat(*nodes: Node) -> Node:
    items: list[Node] = []
    for node in nodes:
        items.extend(node.items if isinstance(node, Concat) else (node,))
    return items[0] if len(items) == 1 else Concat(tuple(items))


def _alt(a: Node, b: Node) -> Node:
    if isinstance(a, Chars) and isinstance(b, Chars):
        return Chars(a.chars.union(b.chars))
    items = list(a.items if isinstance(a, Alt) else (a,))
    items += [x for x in (b.items if isinstance(b, Alt) else (b,)) if x not in items]
    return items[0] if len(items) == 1 else Alt(tuple(items))


class _TreeSizes:
    """The size of an AST as a tree (a subtree shared by several parents counts at each
    place), memoized by node identity: each node elimination builds is mostly made of nodes
    measured before, so measuring it costs its new nodes only. The memo keeps every node it
    measured alive, so an id in it is never reused by another node."""

    def __init__(self):
        self._known: dict[int, tuple[Node, int]] = {}

    def __call__(self, node: Node) -> int:
        known = self._known.get(id(node))
        if known is not None:
            return known[1]
        if isinstance(node, (Concat, Alt)):
            size = 1 + sum(self(x) for x in node.items)
        elif isinstance(node, Repeat):
            size = 1 + self(node.item)
        else:
            size = 1
        self._known[id(node)] = (node, size)
        return size
