"""Thompson construction: regex ASTs to one NFA over Unicode scalar values, with ^/$ edges.

Invariants of the `CodePointNFA` that `build_nfa` returns, with states 0..n-1 (0 the start):
- its moves are laid out as the subset construction reads them (determinize.py): state s reads
  class `move_class[k]` of `alphabet` into `move_target[k]` for k in
  [move_begin[s], move_begin[s+1]); a state has the moves of at most one character set;
- `eps` holds the free moves as a flat list of (source, target) pairs, `[s0, t0, s1, t1, ...]`;
  `bos` likewise the moves allowed only at the start of the input (`^`), `eos` those allowed
  only at its end (`$`); they are resolved by the subset construction;
- `tagged` holds the tags as flat (state, tag) pairs: building several ASTs into one NFA gives
  a tagged union, AST i's final state accepts tag i (and no other state accepts).

Size is bounded: `build_nfa` computes the exact state count first (`_Program.sizes`: what the
construction adds per node, found as the AST is laid out, which expands nothing) and raises
`AutomatonTooLargeError` past `max_states`, so `a{100000}` fails at once instead of
exhausting memory. Bounded repeats `x{m,n}` are built as m copies followed
by nested optionals `(x(x(x)?)?)?` whose skips all lead to the common exit, which keeps
epsilon closures small. The expansion runs in C++ (csrc/thompson.h) over the AST laid out
flat (`_Program`: each node once, children before parents), numbering states in the order of
a depth-first build: a node's entry first, its children's states in order.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from constrain._core import thompson
from constrain.automata.alphabet import Alphabet
from constrain.automata.charset import CharSet
from constrain.automata.determinize import SubsetDFA, determinize
from constrain.automata.regex_parser import Alt, Assert, Chars, Concat, Node, Repeat
from constrain.errors import AutomatonTooLargeError

MAX_NFA_STATES = 200_000
_CHARS, _CONCAT, _ALT, _REPEAT, _START, _END = range(6)     # node kinds (csrc/thompson.h)


@dataclass
class CodePointNFA:
    moves: tuple            # (move_begin, move_class, move_target) over `alphabet`'s classes
    eps: np.ndarray
    bos: np.ndarray
    eos: np.ndarray
    tagged: list[int]
    alphabet: Alphabet
    n_states: int

    def determinized(self, max_states: int) -> SubsetDFA:
        """The subset construction of this NFA over its alphabet's classes (start 0)."""
        return determinize(self.moves, self.tagged, 0, len(self.alphabet.classes), max_states,
                           self.eps, self.bos, self.eos)


def build_nfa(asts: list[Node], max_states: int = MAX_NFA_STATES) -> CodePointNFA:
    """One NFA for the tagged union of `asts`: reaching AST i's final state accepts tag i."""
    program = _Program()
    roots = [program.add(ast) for ast in asts]
    size = 1 + sum(program.sizes[root] for root in roots)
    if size > max_states:
        raise AutomatonTooLargeError(
            f"the NFA would need {size} states, more than {max_states} "
            "(a large repeat count or nested repeats?); simplify the pattern"
        )
    alphabet = Alphabet(program.labels)
    label_classes = [alphabet.classes_of(label) for label in program.labels]
    label_begin = np.cumsum([0] + [len(c) for c in label_classes])
    moves, eps, bos, eos, exits = thompson(
        program.kind, program.a, program.b, np.cumsum([0] + program.arity), program.children, roots,
        label_begin, [c for classes in label_classes for c in classes], size)
    tagged = [x for i, exit_ in enumerate(exits.tolist()) for x in (exit_, i)]
    return CodePointNFA(moves, eps, bos, eos, tagged, alphabet, size)


class _Program:
    """An AST laid out flat for csrc/thompson.h: node i is kind[i] with arguments a[i], b[i]
    and `arity[i]` children (in `children`, node by node); a node the AST shares is laid out
    once (by identity), after its children. `labels`: the distinct character sets that label a
move, by value (those of an item repeated no time label none). `sizes[i]`: the states the
construction adds for node i (at every place it is used)."""

    def __init__(self):
        self.kind: list[int] = []
        self.a: list[int] = []
        self.b: list[int] = []
        self.arity: list[int] = []
        self.children: list[int] = []
        self.sizes: list[int] = []
        self.labels: list[CharSet] = []
        self._label_of: dict[CharSet, int] = {}
        self._node_of: dict[int, int] = {}      # id(node) -> its index

    def add(self, node: Node) -> int:
        index = self._node_of.get(id(node))       # the caller's ASTs keep their nodes alive
        if index is not None:
            return index
        kind = type(node)
        if kind is Chars:
            label = -1
            if node.chars:
                label = self._label_of.setdefault(node.chars, len(self.labels))
                if label == len(self.labels):
                    self.labels.append(node.chars)
            index = self._node(_CHARS, label, 0, (), 2)
        elif kind is Concat or kind is Alt:
            items = [self.add(item) for item in node.items]
            size = (1 if kind is Concat else 2) + sum(self.sizes[i] for i in items)
            index = self._node(_CONCAT if kind is Concat else _ALT, 0, 0, items, size)
        elif kind is Repeat:
            # no copy of the item is built for x{0} or x{m,n} with n < m: nor is its label
            built = node.max is None or node.min <= node.max > 0
            item = self.add(node.item) if built else self._node(_CHARS, -1, 0, (), 2)
            if not built:
                size = 2
            elif node.max is None:
                size = 1 + (node.min + 1) * self.sizes[item]
            else:
                size = 2 + node.max * self.sizes[item]
            index = self._node(_REPEAT, node.min, -1 if node.max is None else node.max, (item,), size)
        elif kind is Assert:
            index = self._node(_START if node.kind == "start" else _END, 0, 0, (), 2)
        else:
            raise TypeError(f"not a regex AST node: {node!r}")
        self._node_of[id(node)] = index
        return index

    def _node(self, kind: int, a: int, b: int, children, size: int) -> int:
        self.kind.append(kind)
        self.sizes.append(size)
        self.a.append(a)
        self.b.append(b)
        self.arity.append(len(children))
        self.children += children
        return len(self.kind) - 1

