"""The key language of "every key but the named ones", built directly (other_keys_dfa), is the
one KeyPartition reads off its product automaton: same canonical spellings accepted."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from constrain._core import coreachable
from constrain.automata.regex import dfa_union
from constrain.grammars.json_schema.keys import KeyPartition, _spelled, other_keys_dfa

_names = st.lists(st.text(alphabet=st.sampled_from(['a', 'b', '"', '\\', '\n', '\x01', 'é', '€', '😀', '/']),
                          max_size=4), max_size=5)


def _same_language(a, b) -> bool:
    """Whether two byte DFAs accept the same strings: no reachable pair accepts in one only."""
    _, accepts = dfa_union([a, b], max_states=200_000)
    return all(len(acc) != 1 for acc in accepts)


@settings(max_examples=60, deadline=None)
@given(names=_names)
def test_other_keys_match_the_partition(names):
    direct = other_keys_dfa(names)
    assert _same_language(direct, KeyPartition([], names).language({frozenset()}))
    for name in names:          # a named key is not another key; a longer one is
        spelled = json.dumps(name, ensure_ascii=False).encode()
        state = direct.walk(0, spelled)
        assert state < 0 or not direct.accepting[state]
        longer = json.dumps(name + "z", ensure_ascii=False).encode()
        if name + "z" not in names:
            state = direct.walk(0, longer)
            assert state >= 0 and direct.accepting[state]


def test_every_state_of_the_direct_automaton_can_still_accept():
    dfa = other_keys_dfa(["a", "ab", 'q"uote'])
    assert coreachable(dfa.trans, dfa.accepting).all()


@given(name=st.text(max_size=6))
def test_a_key_is_spelled_as_json_dumps_spells_it(name):
    assert _spelled(name) == json.dumps(name, ensure_ascii=False).encode()
