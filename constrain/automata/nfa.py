"""Thompson construction: regex ASTs to one NFA over Unicode scalar values, with ^/$ edges.

Invariants of an `NFA` with states 0..n-1:
- `edges[s]` lists `(label, t)`: on a symbol in `label` go to t. Labels are hashable and opaque
  here; the regex front end uses CharSets (one code point per move) and utf8_expand.py uses
  inclusive byte ranges `(lo, hi)`;
- `eps` holds the free moves as a flat list of (source, target) pairs, `[s0, t0, s1, t1,
  ...]`, in the order they were added; `bos` likewise the moves allowed only at the start of
  the input (`^`), `eos` those allowed only at its end (`$`); they are resolved by the subset
  construction (flat lists: most states have none of these moves);
- `tags[s]` is the set of tags accepted on reaching s (empty for most states). Building
  several ASTs into one NFA (`build_nfa`) gives a tagged union: AST i's final state has tag i.

Size is bounded: `build_nfa` computes the exact state count first (`_size` mirrors `_build`)
and raises `AutomatonTooLargeError` past `max_states`, so `a{100000}` fails at once instead of
exhausting memory; the states are then made at once and `_build` numbers them in order.
Bounded repeats `x{m,n}` are built as m copies followed by nested optionals `(x(x(x)?)?)?`
whose skips all lead to the common exit, which keeps epsilon closures small.
"""
from __future__ import annotations

from itertools import count

from constrain.automata.regex_parser import Alt, Assert, Chars, Concat, Node, Repeat
from constrain.errors import AutomatonTooLargeError

MAX_NFA_STATES = 200_000
_NO_TAGS: frozenset[int] = frozenset()


class NFA:
    def __init__(self, n_states: int = 1):
        """`n_states` states without moves or tags; the start is state 0."""
        self.edges: list[list[tuple[object, int]]] = [[] for _ in range(n_states)]
        self.eps: list[int] = []
        self.bos: list[int] = []
        self.eos: list[int] = []
        self.tags: list[frozenset[int]] = [_NO_TAGS] * n_states
        self.start = 0

    @property
    def n_states(self) -> int:
        return len(self.tags)

    def new_state(self) -> int:
        self.edges.append([])
        self.tags.append(_NO_TAGS)
        return len(self.tags) - 1


def build_nfa(asts: list[Node], max_states: int = MAX_NFA_STATES) -> NFA:
    """One NFA for the tagged union of `asts`: reaching AST i's final state accepts tag i."""
    size = 1 + sum(_size(ast) for ast in asts)
    if size > max_states:
        raise AutomatonTooLargeError(
            f"the NFA would need {size} states, more than {max_states} "
            "(a large repeat count or nested repeats?); simplify the pattern"
        )
    nfa = NFA(size)
    fresh = count(1)        # the next state id _build takes
    for i, ast in enumerate(asts):
        entry, exit_ = _build(nfa, ast, fresh)
        nfa.eps += nfa.start, entry
        nfa.tags[exit_] = frozenset((i,))
    assert next(fresh) == size, "_size and _build disagree"
    return nfa


def _size(node: Node) -> int:
    """The number of states `_build(nfa, node)` adds."""
    if isinstance(node, (Chars, Assert)):
        return 2
    if isinstance(node, Concat):
        return 1 + sum(_size(item) for item in node.items)
    if isinstance(node, Alt):
        return 2 + sum(_size(item) for item in node.items)
    if isinstance(node, Repeat):
        item = _size(node.item)
        if node.max is not None and node.max < node.min:
            return 2
        if node.max is None:
            return 1 + (node.min + 1) * item
        return 2 + node.max * item
    raise TypeError(f"not a regex AST node: {node!r}")


def _build(nfa: NFA, node: Node, fresh) -> tuple[int, int]:
    """Add a fragment for `node` on the states `fresh` numbers; return its (entry, exit) states."""
    if isinstance(node, Chars):
        return _chars(nfa, node, fresh)
    if isinstance(node, Concat):
        entry = cur = next(fresh)
        for item in node.items:
            a, b = _build(nfa, item, fresh)
            nfa.eps += cur, a
            cur = b
        return entry, cur
    if isinstance(node, Alt):
        entry, exit_ = next(fresh), next(fresh)
        for item in node.items:
            a, b = _build(nfa, item, fresh)
            nfa.eps += entry, a
            nfa.eps += b, exit_
        return entry, exit_
    if isinstance(node, Repeat):
        return _repeat(nfa, node, fresh)
    if isinstance(node, Assert):
        entry, exit_ = next(fresh), next(fresh)
        moves = nfa.bos if node.kind == "start" else nfa.eos
        moves += entry, exit_
        return entry, exit_
    raise TypeError(f"not a regex AST node: {node!r}")


def _chars(nfa: NFA, node: Chars, fresh) -> tuple[int, int]:
    entry, exit_ = next(fresh), next(fresh)
    if node.chars:
        nfa.edges[entry].append((node.chars, exit_))
    return entry, exit_


def _repeat(nfa: NFA, node: Repeat, fresh) -> tuple[int, int]:
    if node.max is not None and node.max < node.min:      # no count fits: the empty language
        return next(fresh), next(fresh)
    entry = cur = next(fresh)
    for _ in range(node.min):
        a, b = _build(nfa, node.item, fresh)
        nfa.eps += cur, a
        cur = b
    if node.max is None:  # Thompson star: loop through `cur`
        a, b = _build(nfa, node.item, fresh)
        nfa.eps += cur, a
        nfa.eps += b, cur
        return entry, cur
    exit_ = next(fresh)
    nfa.eps += cur, exit_
    for _ in range(node.max - node.min):
        a, b = _build(nfa, node.item, fresh)
        nfa.eps += cur, a
        nfa.eps += b, exit_
        cur = b
    return entry, exit_
