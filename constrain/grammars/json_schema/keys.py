"""Key languages of additional object members, built as byte automata over the canonical
JSON spellings of keys (strings.py's spelling rule), never written as regexes.

An object's additional keys (those `propertyNames` allows, when given) fall into regions by the set of `patternProperties` patterns
they match (the empty set: matched by none, governed by `additionalProperties`); the named
`properties` are no region's. `KeyPartition` builds the product automaton of the canonical
string automaton, every pattern and the names once, and reads any union of regions off it;
without patterns (one region: every key, or every key propertyNames allows, but the names)
`key_language` lays the names over the keys' automaton instead (`spellings_except`).

Invariant: `language(regions)` accepts exactly the canonical spellings of the keys that are
not named and whose set of matched patterns is one of `regions`; distinct region sets give
disjoint languages, so every additional key has exactly one member rule.
"""
from __future__ import annotations

import functools
import re

import numpy as np

from constrain._core import words_excluded
from constrain.automata.dfa import ByteDFA
from constrain.automata.regex import dfa_union, regex_to_dfa, trimmed, words_dfa
from constrain.errors import ConstrainError
from constrain.grammars.lark_frontend import translate_regex
from constrain.grammars.json_schema.normalize import json_text
from constrain.grammars.json_schema.strings import NotExpressible, any_text, pattern_ast, spelled_dfa, string_regex

MAX_KEY_STATES = 50000

_ESCAPED = re.compile(r'["\\\x00-\x1f]')


def _spelled(name: str) -> bytes:
    """The canonical spelling of a key (`json_text`), quotes included."""
    if _ESCAPED.search(name):
        return json_text(name).encode()
    return b'"' + name.encode() + b'"'


@functools.lru_cache(maxsize=256)
def spelled_pattern_dfa(pattern: str) -> ByteDFA:
    """The canonical spellings of the keys in which ECMA-262 `pattern` finds a match, built
    from its AST (NotExpressible where `pattern_ast` raises it)."""
    return spelled_dfa(pattern_ast(pattern))


@functools.lru_cache(maxsize=256)
def spelling_dfa(node_regex: str):
    """The byte DFA of a Python regex over JSON string text (as string_regex writes them)."""
    pattern, flags = translate_regex(node_regex)
    return regex_to_dfa(pattern, flags=flags)


def open_ended(dfa: ByteDFA) -> bool:
    """Whether every state of the (trimmed) DFA either has infinitely many completions or is
    a final state with no way on (a closed string)."""
    trans = dfa.trans
    has_move = (trans >= 0).any(axis=1)
    finite = ~has_move                  # fixpoint: states all of whose moves lead to finite ones
    while True:
        grown = finite | ((trans < 0) | finite[np.maximum(trans, 0)]).all(axis=1)
        if (grown == finite).all():
            break
        finite = grown
    return bool((finite == (~has_move & dfa.accepting)).all())


class KeyPartition:
    """The regions of the keys of one object (see the module docstring)."""

    def __init__(self, patterns: list[str], names: list[str], allowed: str | None = None):
        """`allowed`: the spelling regex of the only keys there are (propertyNames), if any."""
        try:
            parts = [_canonical_strings() if allowed is None else spelling_dfa(allowed)]
            parts += [spelled_pattern_dfa(p) for p in patterns]
            spelled = [_spelled(n) for n in dict.fromkeys(names)]
            self.names_part = len(parts) if spelled else None
            if spelled:
                parts.append(words_dfa(spelled))
            self.product, accepts = dfa_union(parts, max_states=MAX_KEY_STATES)
        except ConstrainError as e:
            raise NotExpressible(f"the key languages of these patterns ({e})") from None
        n = len(patterns)
        # per product state: the region of the key read so far (None: not an additional key)
        self.region_of: list[frozenset[int] | None] = [
            frozenset(i - 1 for i in acc if 1 <= i <= n) if 0 in acc and self.names_part not in acc else None
            for acc in accepts]

    def regions(self) -> set[frozenset[int]]:
        """The regions with at least one key (every product state is reachable)."""
        return {r for r in self.region_of if r is not None}

    def language(self, regions: set[frozenset[int]]) -> ByteDFA | None:
        return trimmed(self.product, [r is not None and r in regions for r in self.region_of])


def key_language(patterns: list[str], names: list[str], allowed: str | None, regions: set[frozenset[int]]) -> ByteDFA | None:
    """`KeyPartition(patterns, names, allowed).language(regions)`, built directly without
    patterns (every key, or every key propertyNames allows, but the names)."""
    if not patterns and regions == {frozenset()}:
        try:
            base = _canonical_strings() if allowed is None else spelling_dfa(allowed)
        except ConstrainError as e:
            raise NotExpressible(f"the key language of propertyNames ({e})") from None
        return spellings_except(base, names)
    return key_partition(tuple(patterns), tuple(names), allowed).language(regions)


@functools.lru_cache(maxsize=64)
def key_partition(patterns: tuple[str, ...], names: tuple[str, ...], allowed: str | None) -> KeyPartition:
    """`KeyPartition(patterns, names, allowed)`, kept for the latest ones: an object's regions
    are read off it, then the language of each group of them (a product automaton each time
    otherwise)."""
    return KeyPartition(list(patterns), list(names), allowed)


@functools.lru_cache(maxsize=1)
def _canonical_strings() -> ByteDFA:
    """The canonical JSON string automaton."""
    return spelling_dfa(string_regex(any_text()))


def spellings_except(base: ByteDFA, words: list[str]) -> ByteDFA | None:
    """The spellings `base` (a trimmed automaton of canonical string spellings) accepts but
    those of `words`: `base` with the trie of the words' spellings laid over it
    (`words_excluded`, in C++: no product is built, no byte table compiled); None when
    nothing is left."""
    trans, accepting, core = words_excluded(base.core(), base.start, list(dict.fromkeys(map(_spelled, words))))
    return ByteDFA(trans, accepting, 0, [core]) if accepting.any() else None
