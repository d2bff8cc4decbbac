"""AutomatonCache keeps automata by key within its entry and state budgets, least recently
used out first; JSON Schema automaton terminals built for one schema are reused by the next."""
from __future__ import annotations

from types import SimpleNamespace

from constrain.automata.automaton_cache import MISSING, AutomatonCache
from constrain.grammars.json_schema import Options, _emit


def _dfa(n: int):
    return SimpleNamespace(n_states=n)


def test_a_key_maps_to_what_was_put_and_none_is_kept():
    cache = AutomatonCache(max_entries=4)
    a = _dfa(3)
    cache.put("a", a)
    cache.put("empty", None)
    assert cache.get("a") is a and cache.get("empty") is None and cache.get("b") is MISSING


def test_the_oldest_entries_go_first_past_the_entry_budget():
    cache = AutomatonCache(max_entries=2)
    for key in "abc":
        cache.put(key, _dfa(1))
    assert cache.get("a") is MISSING and cache.get("b") is not MISSING and cache.get("c") is not MISSING
    assert len(cache) == 2


def test_a_hit_keeps_an_entry_past_newer_ones():
    cache = AutomatonCache(max_entries=2)
    cache.put("a", _dfa(1))
    cache.put("b", _dfa(1))
    assert cache.get("a") is not MISSING        # "a" is now the most recently used
    cache.put("c", _dfa(1))
    assert cache.get("b") is MISSING and cache.get("a") is not MISSING and cache.get("c") is not MISSING


def test_the_state_budget_evicts_and_refuses_an_automaton_larger_than_it():
    cache = AutomatonCache(max_entries=10, max_states=10)
    cache.put("a", _dfa(6))
    cache.put("b", _dfa(3))
    cache.put("c", _dfa(4))          # 6 + 3 + 4 > 10: "a" goes
    assert cache.get("a") is MISSING and cache.get("b") is not MISSING and cache.get("c") is not MISSING
    cache.put("huge", _dfa(11))
    assert cache.get("huge") is MISSING and len(cache) == 2


def test_a_string_automaton_is_built_once_for_two_schemas():
    string = {"type": "string", "pattern": "^[a-z]+:[0-9]+$", "maxLength": 40}
    first = _emit({"type": "array", "items": string, "minItems": 1}, Options(), for_compile=True)[1]
    second = _emit({"type": "array", "items": string}, Options(), for_compile=True)[1]
    assert len(first.prebuilt) == len(second.prebuilt) == 1
    assert next(iter(first.prebuilt.values())) is next(iter(second.prebuilt.values()))
