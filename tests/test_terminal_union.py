"""`terminal_union` (csrc/bindings.cc): the union automaton of some of n terminals, named by
their global indices, with the states accepting each and the shared-text bit sets, agrees
with what its tags say; bad component arrays are refused."""
from __future__ import annotations

import numpy as np
import pytest

from constrain._core import terminal_union
from constrain.automata.regex import regex_to_dfa

PATTERNS = ['"[a-z]*"', '"ab"', "[0-9]+", '"a[a-z]"', "-?[0-9]+", "true"]


@pytest.mark.parametrize("components", [[0, 1, 2, 3, 4, 5], [1, 3, 5], [0, 3], [2, 4], [5]])
def test_the_union_names_components_globally_and_agrees_with_its_tags(components):
    parts = [regex_to_dfa(PATTERNS[c]).core() for c in components]
    n = len(PATTERNS)
    core, *int32s, shared = terminal_union(parts, np.array(components, dtype=np.int32), n, 1000)
    tag_begin, tags, member_begin, members, accept_begin, accept_states = (np.frombuffer(b, dtype=np.int32) for b in int32s)
    members = members.reshape(-1, 2)
    assert core.n_states == len(tag_begin) - 1 == len(member_begin) - 1 and member_begin[-1] == len(members)
    assert set(tags.tolist()) <= set(components) and set(members[:, 0].tolist()) <= set(components)
    by_state = [tags[tag_begin[s]:tag_begin[s + 1]].tolist() for s in range(core.n_states)]
    multi = [s for s in range(core.n_states) if len(by_state[s]) > 1]
    assert shared.shape == (n, (len(multi) + 63) // 64)
    for c in range(n):
        assert accept_states[accept_begin[c]:accept_begin[c + 1]].tolist() == [s for s, t in enumerate(by_state) if c in t]
        bits = [r for r in range(len(multi)) if shared[c, r >> 6] >> np.uint64(r & 63) & np.uint64(1)]
        assert bits == [r for r, s in enumerate(multi) if c in by_state[s]]
    # a text two components accept shows in a multi-accepting state
    if {0, 1} <= set(components):
        assert any({0, 1} <= set(by_state[s]) for s in multi)


def test_bad_component_arrays_are_refused():
    parts = [regex_to_dfa("a").core(), regex_to_dfa("b").core()]
    with pytest.raises(ValueError, match="one component index per part"):
        terminal_union(parts, np.array([0], dtype=np.int32), 2, 100)
    with pytest.raises(ValueError, match="out of range"):
        terminal_union(parts, np.array([0, 2], dtype=np.int32), 2, 100)
    assert terminal_union([regex_to_dfa("[a-z]{0,40}").core()], np.array([0], dtype=np.int32), 1, 5) is None
