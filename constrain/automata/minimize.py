"""Trim, minimize and renumber a class-level DFA (determinize.SubsetDFA).

`minimize(sub)` returns a `MinimalDFA`, or None when the language is empty, where:
- every state is reachable from the start and co-reachable (reaches a state with tags);
- no two states are equivalent, where equivalence also requires equal tag sets, so states
  accepting different terminals are never merged (Hopcroft's partition refinement, run on the
  DFA completed with one sink state for the dead transitions);
- classes that every state treats alike share one column: `trans[:, column_of_class[c]]` is
  the move on class c, and columns are numbered by their lowest class;
- states are numbered breadth-first from the start (start = 0, columns in order), so equal
  languages over the same classes give identical arrays.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from constrain._core import minimize_classes
from constrain.automata.charset import CharSet
from constrain.automata.determinize import SubsetDFA


@dataclass
class MinimalDFA:
    trans: np.ndarray  # int32 [n_states, n_columns]; -1 = dead
    tags: list[frozenset[int]]
    column_of_class: np.ndarray  # int [n_classes]

    def column_chars(self, classes: list[CharSet]) -> list[CharSet]:
        """The characters each column reads: the union of its classes (`classes[c]`, the
        characters of class c)."""
        parts: list[list[CharSet]] = [[] for _ in range(self.trans.shape[1])]
        for c, column in enumerate(self.column_of_class.tolist()):
            parts[column].append(classes[c])
        return [CharSet().union(*p) for p in parts]


def minimize(sub: SubsetDFA) -> MinimalDFA | None:
    """Trimmed, columns merged, Hopcroft, breadth-first numbering: all in C++
    (`minimize_classes`, csrc/minimize.h), states grouped by their tag sets."""
    group_of: dict[frozenset[int], int] = {frozenset(): 0}
    group = np.array([group_of.setdefault(t, len(group_of)) for t in sub.tags], dtype=np.int32)
    built = minimize_classes(np.ascontiguousarray(sub.trans, dtype=np.int32), group)
    if built is None:
        return None
    trans, column_of_class, rep = built
    return MinimalDFA(trans, [sub.tags[s] for s in rep], column_of_class)
