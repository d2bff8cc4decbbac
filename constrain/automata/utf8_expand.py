"""From a minimal DFA over code-point classes to the minimal ByteDFA of the same language.

Each character-level move `s --C--> t` becomes byte paths over the UTF-8 sequences of C
(utf8.py); the intermediate (continuation-byte) nodes are shared by suffix: one node per
(remaining byte ranges, target), whatever state the path started from. The result is an NFA
(paths from one state can start with overlapping byte ranges) that the subset construction
determinizes over byte classes, and minimize.py reduces again. When every move reads ASCII
characters only (one byte each), the character DFA is already the byte DFA and is returned
as it is.

Invariants of the `ByteDFA` returned by `to_byte_dfa`: it accepts exactly the UTF-8 encodings
of the character-level language (so never an invalid UTF-8 string), it is trimmed and minimal
with start 0, and `tags[s]` are the accepted tags of byte state s.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from constrain.automata.charset import CharSet
from constrain.automata.determinize import determinize
from constrain.automata.dfa import ByteDFA
from constrain.automata.minimize import MinimalDFA, minimize
from constrain.automata.nfa import NFA
from constrain.automata.utf8 import Sequence, utf8_sequences


def to_byte_dfa(
    chars: MinimalDFA, classes: list[CharSet], max_states: int, *,
    sequences: Callable[[CharSet], tuple[Sequence, ...]] = utf8_sequences, quote: int | None = None,
    mark_characters: bool = False,
) -> tuple[ByteDFA, list[frozenset[int]]]:
    """`sequences(C)`: the byte spellings of the characters C (default: UTF-8); `quote`: the
    byte that opens and closes every accepted string (then the one accepting tag is 0);
    `mark_characters`: the byte states where a character ends (and the one the opening quote
    leads to) get the tag CHARACTER_MARK, which never merges them with states inside a
    character, so that entering a marked state counts one character."""
    if sequences is utf8_sequences and quote is None and not mark_characters:
        ascii_only = _ascii_byte_dfa(chars, classes)
        if ascii_only is not None:
            return ascii_only
    nfa = _byte_nfa(chars, classes, sequences)
    if quote is not None:
        _between(nfa, chars.trans.shape[0], quote)
    if mark_characters:
        for c in range(chars.trans.shape[0]):
            nfa.tags[c] = nfa.tags[c] | _MARK
    class_of = _byte_classes(nfa)

    def spans(lo_hi: tuple[int, int]) -> range:       # the byte classes of an edge's byte range
        return range(class_of[lo_hi[0]], class_of[lo_hi[1]] + 1)

    sub = determinize(nfa, spans, class_of[-1] + 1, max_states)
    result = minimize(sub)
    assert result is not None, "a non-empty character DFA expands to a non-empty byte DFA"
    trans = np.ascontiguousarray(result.trans[:, result.column_of_class[class_of]], dtype=np.int32)
    accepting = np.array([bool(t - _MARK) for t in result.tags], dtype=bool)
    return ByteDFA(trans, accepting, 0), result.tags


#: the tag of the byte states where a character ends (`to_byte_dfa(..., mark_characters=True)`)
CHARACTER_MARK = 1 << 30
_MARK = frozenset({CHARACTER_MARK})


def _ascii_byte_dfa(chars: MinimalDFA, classes: list[CharSet]) -> tuple[ByteDFA, list[frozenset[int]]] | None:
    """The byte DFA when every character a move reads is ASCII, one byte in UTF-8: the
    character DFA itself, already trimmed and minimal with start 0 (strings telling two
    states apart are ASCII too). None when some move reads another character."""
    live = (chars.trans >= 0).any(axis=0)
    trans = np.full((chars.trans.shape[0], 256), -1, dtype=np.int32)
    for c, column in enumerate(chars.column_of_class.tolist()):
        if not live[column]:
            continue
        for lo, hi in classes[c].ranges:
            if hi >= 0x80:
                return None
            trans[:, lo:hi + 1] = chars.trans[:, column, None]
    accepting = np.array([bool(t) for t in chars.tags], dtype=bool)
    return ByteDFA(trans, accepting, 0), chars.tags


def _between(nfa: NFA, n_chars: int, quote: int) -> None:
    """Make `nfa` (character states 0..n_chars-1, start 0) accept quote + its strings + quote."""
    opening, closing = nfa.new_state(), nfa.new_state()
    nfa.edges[opening].append(((quote, quote), 0))
    for s in range(n_chars):
        if nfa.tags[s]:
            nfa.edges[s].append(((quote, quote), closing))
            nfa.tags[s] = frozenset()
    nfa.tags[closing] = frozenset({0})
    nfa.start = opening


def _byte_nfa(chars: MinimalDFA, classes: list[CharSet], sequences=utf8_sequences) -> NFA:
    n = chars.trans.shape[0]
    column_chars = chars.column_chars(classes)
    nfa = NFA(n)  # linear in the character DFA, which max_states already bounds
    suffix_nodes: dict[tuple, int] = {}
    spellings: dict[tuple[int, ...], tuple] = {}    # columns -> the sequences of their characters
    for s, row in enumerate(chars.trans.tolist()):
        nfa.tags[s] = chars.tags[s]
        by_target: dict[int, list[int]] = {}
        for col, t in enumerate(row):
            if t >= 0:
                by_target.setdefault(t, []).append(col)
        for t, cols in by_target.items():
            key = tuple(cols)
            seqs = spellings.get(key)
            if seqs is None:
                seqs = spellings[key] = sequences(CharSet().union(*(column_chars[c] for c in cols)))
            for seq in seqs:
                nfa.edges[s].append((seq[0], _suffix_node(nfa, suffix_nodes, seq[1:], t)))
    return nfa


def _suffix_node(nfa: NFA, suffix_nodes: dict[tuple, int], rest: tuple, t: int) -> int:
    """The state that reads the byte ranges `rest`, then is in t. Trie nodes are shared by
    suffix (`suffix_nodes`). A module function, not a closure: a recursive closure is a
    reference cycle that would keep the whole NFA alive until the cyclic collector runs."""
    if not rest:
        return t
    node = suffix_nodes.get((rest, t))
    if node is None:
        node = suffix_nodes[(rest, t)] = nfa.new_state()
        nfa.edges[node].append((rest[0], _suffix_node(nfa, suffix_nodes, rest[1:], t)))
    return node


def _byte_classes(nfa: NFA) -> list[int]:
    """`class_of[b]`: classes are maximal byte intervals that no edge endpoint splits."""
    cut = [False] * 257
    cut[0] = True
    for edges in nfa.edges:
        for (lo, hi), _ in edges:
            cut[lo] = cut[hi + 1] = True
    class_of, c = [], -1
    for b in range(256):
        c += cut[b]
        class_of.append(c)
    return class_of
