"""Regular expressions to trimmed, minimal byte-level DFAs: the public entry points.

Pipeline: parse (regex_parser.py: ECMA-262 syntax, flags applied) -> Thompson NFA over code
points with ^/$ assertion edges (nfa.py) -> subset construction over code-point classes
(alphabet.py, determinize.py) -> trim and Hopcroft minimization (minimize.py) -> UTF-8
expansion, byte-class subset construction and minimization again (utf8_expand.py).
Determinizing characters before bytes keeps multi-byte characters from multiplying the subset
states.

Guarantees of every returned automaton: the language is a set of valid UTF-8 strings; the DFA
is trimmed with start 0, and minimal (`regex_to_dfa`; a `terminals_to_dfa` union is the
product of minimal DFAs); the empty language raises `RegexError` instead of being
built; NFA and DFA sizes are bounded (`AutomatonTooLargeError`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from constrain._core import coreachable, union_dfa, words_trie
from constrain.automata.automaton_cache import MISSING, AutomatonCache
from constrain.automata.dfa import ByteDFA
from constrain.automata.minimize import minimize
from constrain.automata.nfa import build_nfa
from constrain.automata.regex_parser import Node, parse
from constrain.automata.unanchored import search_ast
from constrain.automata.utf8_expand import to_byte_dfa
from constrain.deadline import check_time
from constrain.errors import AutomatonTooLargeError, RegexError

_NO_PARTS: frozenset[int] = frozenset()
_FIRST_ONLY = frozenset({0})
_BOTH = frozenset({0, 1})
# (pattern, flags, max_states) -> ByteDFA; up to 100k states, about 100 MB of byte tables (a
# few large terminals would otherwise hold any amount: an entry cap alone bounds nothing; the
# cap here only bounds the keys, most of them JSON keys with a chain of a few states)
_TERMINAL_DFAS = AutomatonCache(max_entries=32768, max_states=100_000)


def regex_to_dfa(
    pattern: str, *, flags: str = "", anchored: bool = True, max_states: int = 20000
) -> ByteDFA:
    """The DFA of the UTF-8 strings matching `pattern`.

    anchored=True: the whole string must match (fullmatch). anchored=False: JSON-Schema
    `pattern` semantics, the string matches if the regex matches somewhere in it (search);
    `^` and `$` assert the start and end of the whole string in both modes.
    flags: "i" case-insensitive (simple case folding), "s" dot matches line terminators,
    "x" ignore whitespace and #-comments, "u" accepted (always Unicode semantics).
    """
    ast = parse(pattern, flags)
    if not anchored:
        ast = search_ast(ast)
    result = _compile([ast], max_states)
    if result is None:
        raise RegexError("the regex matches no string (its language is empty)", pattern)
    return result[0]


def byte_difference(a: ByteDFA, b: ByteDFA, *, max_states: int = 50000) -> ByteDFA | None:
    """The DFA of the byte strings `a` accepts and `b` does not (trimmed; None if empty)."""
    both, accepts = dfa_union([a, b], max_states=max_states)
    return trimmed(both, [acc == _FIRST_ONLY for acc in accepts])


def byte_intersection(a: ByteDFA, b: ByteDFA, *, max_states: int = 50000) -> ByteDFA | None:
    """The DFA of the byte strings both `a` and `b` accept (trimmed; None if empty)."""
    both, accepts = dfa_union([a, b], max_states=max_states)
    return trimmed(both, [acc == _BOTH for acc in accepts])


def trimmed(dfa: ByteDFA, accepting: list[bool]) -> ByteDFA | None:
    """`dfa` with acceptance `accepting` (per state), keeping only the states that can reach
    acceptance (None when the start cannot: the language is empty)."""
    trans, n = dfa.trans, dfa.n_states
    accepting = np.array(accepting, dtype=bool)
    live = coreachable(trans, accepting)
    if not live[0]:
        return None
    keep = np.flatnonzero(live)
    new_id = np.full(n + 1, -1, dtype=np.int32)
    new_id[keep] = np.arange(len(keep), dtype=np.int32)
    return ByteDFA(np.ascontiguousarray(new_id[trans[keep]]), accepting[keep], 0)


def ast_to_dfa(ast: Node, *, max_states: int = 20000) -> ByteDFA:
    """The DFA of a parsed regex AST (anchored), as `regex_to_dfa` builds it."""
    result = _compile([ast], max_states)
    if result is None:
        raise RegexError("the regex matches no string (its language is empty)")
    return result[0]


@dataclass(frozen=True, eq=False)
class ProductDFA:
    """A union (product) DFA and what its states are made of.

    `tags[tag_begin[s]:tag_begin[s + 1]]`: the components accepting in state s, ascending
    (`dfa.accepting[s]` iff there is one); `accepts[s]`: the same as a frozenset, built on
    first use (a lexer reads the flat arrays and keeps no per-state objects);
    `members(s)`: s's live components with their own states, `((component, state), ...)` by
    component. Two states with equal members restricted to a set of components behave alike
    as far as those components go (the product moves each component on its own)."""

    dfa: ByteDFA
    tag_begin: np.ndarray
    tags: np.ndarray
    member_begin: np.ndarray
    member_rows: np.ndarray

    @cached_property
    def accepts(self) -> list[frozenset[int]]:
        bounds, tags = self.tag_begin.tolist(), self.tags.tolist()
        return [frozenset(tags[b:e]) if e > b else _NO_PARTS for b, e in zip(bounds, bounds[1:])]

    def accepting_in(self, s: int) -> list[int]:
        """The components accepting in state s, ascending (`accepts[s]` without the set)."""
        return self.tags[self.tag_begin[s]:self.tag_begin[s + 1]].tolist()

    def members(self, s: int) -> tuple[tuple[int, int], ...]:
        rows = self.member_rows[self.member_begin[s]:self.member_begin[s + 1]].tolist()
        return tuple(map(tuple, rows))


def terminals_to_dfa(
    patterns: list[tuple[str, str]], *, max_states: int = 50000, prebuilt: dict[int, ByteDFA] | None = None
) -> ProductDFA:
    """Union DFA of anchored `(pattern, flags)` regexes, for lexing: the product of the
    patterns' DFAs (`terminal_automata`), pattern i being component i; the product runs in
    C++: trimmed, with start 0, but not necessarily minimal."""
    return product_dfa(terminal_automata(patterns, max_states=max_states, prebuilt=prebuilt), max_states=max_states)


def terminal_automata(
    patterns: list[tuple[str, str]], *, max_states: int = 50000, prebuilt: dict[int, ByteDFA] | None = None
) -> list[ByteDFA]:
    """The minimal DFAs of anchored `(pattern, flags)` regexes (each cached by pattern, so
    terminals shared by many grammars compile once). A pattern whose language is empty
    raises `RegexError`. `prebuilt[i]`, when given, is pattern i's DFA built by the caller
    (trimmed, start 0); its pattern is then not compiled."""
    if not patterns:
        raise RegexError("no terminal patterns given")
    parts = []
    for i, (pattern, flags) in enumerate(patterns):
        if prebuilt and i in prebuilt:
            parts.append(prebuilt[i])
            continue
        try:
            parts.append(cached_regex_to_dfa(pattern, flags, max_states))
        except RegexError as e:
            if e.args and "language is empty" in str(e.args[0]):
                raise RegexError(f"terminal {i} matches no string (its language is empty)", pattern) from None
            raise
    return parts


def product_dfa(parts: list[ByteDFA], *, max_states: int = 50000) -> ProductDFA:
    """The product (union) DFA of `parts`, built in C++."""
    trans, tag_begin, tags, member_begin, member_rows = core_union(parts, max_states)
    accepting = tag_begin[1:] > tag_begin[:-1]
    return ProductDFA(ByteDFA(trans, accepting, 0), tag_begin, tags, member_begin, member_rows)


def core_union(parts: list[ByteDFA], max_states: int, as_core: bool = False) -> tuple:
    """`union_dfa` of the parts' C++ twins: (moves, tag_begin, tags, member_begin, members),
    moves being the byte table, or the C++ automaton itself when `as_core`;
    AutomatonTooLargeError past `max_states` states."""
    check_time()
    built = union_dfa([d.core() for d in parts], max_states, as_core)
    if built is None:
        raise AutomatonTooLargeError(f"the union of {len(parts)} automata exceeds max_states={max_states}")
    return built


def dfa_union(parts: list[ByteDFA], *, max_states: int = 50000) -> tuple[ByteDFA, list[frozenset[int]]]:
    """The product DFA of `parts` and, per state, the indices of the parts accepting there."""
    product = product_dfa(parts, max_states=max_states)
    return product.dfa, product.accepts


def cached_regex_to_dfa(pattern: str, flags: str, max_states: int) -> ByteDFA:
    """`regex_to_dfa(pattern, flags=flags)`, remembered for the most recent patterns (a
    pattern that is a plain string, such as a JSON key, is built directly as a chain)."""
    key = (pattern, flags, max_states)
    dfa = _TERMINAL_DFAS.get(key)
    if dfa is MISSING:
        text = None if "i" in flags or "x" in flags else literal_text(pattern)
        if text is not None and len(text) < max_states:
            dfa = words_dfa([text.encode("utf-8")])
        else:
            dfa = regex_to_dfa(pattern, flags=flags, max_states=max_states)
        _TERMINAL_DFAS.put(key, dfa)
    return dfa


_LITERAL = re.compile(r"(?:[^\\\[\](){}.*+?^$|]|\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\[^A-Za-z0-9])*")
_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|(.))", re.S)


_SURROGATE = re.compile("[\ud800-\udfff]")


def literal_text(pattern: str) -> str | None:
    """The one string an ECMA-262 regex without operators matches (None if it has any)."""
    if not _LITERAL.fullmatch(pattern):
        return None
    text = pattern if "\\" not in pattern else _ESCAPE.sub(
        lambda m: chr(int(m.group(1) or m.group(2), 16)) if m.group(3) is None else m.group(3), pattern)
    return None if _SURROGATE.search(text) else text


def words_dfa(words: list[bytes]) -> ByteDFA:
    """The DFA of exactly the byte strings `words`: their trie (start 0; every state is
    reachable and, each node lying on a word, co-reachable), built by byte class in C++ with
    its byte table (one word, as for a JSON key or literal, is a chain)."""
    trans, accepting, core = words_trie(list(words))
    return ByteDFA(trans, accepting, 0, [core])


def _compile(asts: list[Node], max_states: int) -> tuple[ByteDFA, list[frozenset[int]]] | None:
    nfa = build_nfa(asts)
    chars = minimize(nfa.determinized(max_states))
    return None if chars is None else to_byte_dfa(chars, nfa.alphabet.classes, max_states)
