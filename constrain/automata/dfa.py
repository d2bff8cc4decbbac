"""ByteDFA: the deterministic automaton over bytes that every terminal compiles to.

Invariants (checked by `ByteDFA.__post_init__` in debug builds of the tests):
- `trans` is an int32 array of shape (n_states, 256); `trans[s, b]` is the state after
  byte `b` in state `s`, or `DEAD` (-1) when no string of the language continues that way;
- the automaton is *trimmed*: every state is reachable from `start` and can reach an
  accepting state, so "not DEAD" means "some completion exists";
- `start` is a valid state: a DFA for the empty language is never built (builders raise).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEAD = -1


@dataclass(frozen=True, eq=False)
class ByteDFA:
    trans: np.ndarray
    accepting: np.ndarray
    start: int = 0
    _core: list = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self):
        if self.trans.dtype != np.int32 or self.trans.ndim != 2 or self.trans.shape[1] != 256:
            raise ValueError("ByteDFA.trans must be int32 of shape (n_states, 256)")
        if self.accepting.shape != (self.trans.shape[0],):
            raise ValueError("ByteDFA.accepting must have one entry per state")

    @property
    def n_states(self) -> int:
        return int(self.trans.shape[0])

    def walk(self, state: int, data: bytes) -> int:
        """State after reading `data` from `state`, or DEAD."""
        trans = self.trans
        for b in data:
            if state == DEAD:
                return DEAD
            state = int(trans[state, b])
        return state

    def is_accepting(self, state: int) -> bool:
        return state != DEAD and bool(self.accepting[state])

    def matches(self, data: bytes) -> bool:
        """True iff `data` is in the language."""
        return self.is_accepting(self.walk(self.start, data))

    def core(self):
        """The C++ twin of this automaton (built once, shared by all mask computations)."""
        if not self._core:
            from constrain._core import ByteDFA as CoreDFA

            self._core.append(CoreDFA(np.ascontiguousarray(self.trans), self.accepting.astype(np.uint8)))
        return self._core[0]
