"""From a minimal DFA over code-point classes to the minimal ByteDFA of the same language.

Each character-level move `s --C--> t` becomes byte paths over the UTF-8 sequences of C
(utf8.py); the intermediate (continuation-byte) nodes are shared by suffix: one node per
(remaining byte ranges, target), whatever state the path started from. The result is an NFA
(paths from one state can start with overlapping byte ranges), built in C++ (csrc/byte_nfa.h)
as the flat moves that the subset construction determinizes over byte classes (the maximal
byte intervals no edge endpoint splits), and minimize.py reduces again. When every move reads ASCII
characters only (one byte each), the character DFA is already the byte DFA and is returned
as it is.

Invariants of the `ByteDFA` returned by `to_byte_dfa`: it accepts exactly the UTF-8 encodings
of the character-level language (so never an invalid UTF-8 string), it is trimmed and minimal
with start 0, and `tags[s]` are the accepted tags of byte state s.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from constrain._core import byte_nfa
from constrain.automata.charset import CharSet
from constrain.automata.determinize import determinize
from constrain.automata.dfa import ByteDFA
from constrain.automata.minimize import MinimalDFA, minimize
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
    column_chars = chars.column_chars(classes)
    moves, class_of, n_states, start = byte_nfa(
        chars.trans, lambda columns: sequences(CharSet().union(*(column_chars[c] for c in columns))),
        np.array([bool(t) for t in chars.tags], dtype=np.uint8), -1 if quote is None else quote)
    # the tags are the character states' (or, between quotes, the closing state's: the last)
    char_tags = chars.tags if quote is None else [_NO_TAGS] * chars.trans.shape[0]
    if mark_characters:
        char_tags = [t | _MARK for t in char_tags]
    tagged = [x for s, tags in enumerate(char_tags) if tags for tag in sorted(tags) for x in (s, tag)]
    if quote is not None:
        tagged += n_states - 1, 0
    class_of = class_of.tolist()
    sub = determinize(moves, tagged, start, class_of[-1] + 1, max_states)
    result = minimize(sub)
    assert result is not None, "a non-empty character DFA expands to a non-empty byte DFA"
    trans = np.ascontiguousarray(result.trans[:, result.column_of_class[class_of]], dtype=np.int32)
    accepting = np.array([bool(t - _MARK) for t in result.tags], dtype=bool)
    return ByteDFA(trans, accepting, 0), result.tags


#: the tag of the byte states where a character ends (`to_byte_dfa(..., mark_characters=True)`)
CHARACTER_MARK = 1 << 30
_MARK = frozenset({CHARACTER_MARK})
_NO_TAGS: frozenset[int] = frozenset()


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
