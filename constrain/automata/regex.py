"""Regular expressions to trimmed, minimal byte-level DFAs: the public entry points.

Pipeline: parse (regex_parser.py: ECMA-262 syntax, flags applied) -> Thompson NFA over code
points with ^/$ assertion edges (nfa.py) -> subset construction over code-point classes
(alphabet.py, determinize.py) -> trim and Hopcroft minimization (minimize.py) -> UTF-8
expansion, byte-class subset construction and minimization again (utf8_expand.py).
Determinizing characters before bytes keeps multi-byte characters from multiplying the subset
states.

Guarantees of every returned automaton: the language is a set of valid UTF-8 strings; the DFA
is trimmed and minimal with start 0; the empty language raises `RegexError` instead of being
built; NFA and DFA sizes are bounded (`AutomatonTooLargeError`).
"""
from __future__ import annotations

from constrain.automata.alphabet import Alphabet
from constrain.automata.determinize import determinize
from constrain.automata.dfa import ByteDFA
from constrain.automata.minimize import minimize
from constrain.automata.nfa import build_nfa
from constrain.automata.regex_parser import Node, parse
from constrain.automata.unanchored import search_ast
from constrain.automata.utf8_expand import to_byte_dfa
from constrain.errors import RegexError


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


def terminals_to_dfa(
    patterns: list[tuple[str, str]], *, max_states: int = 50000
) -> tuple[ByteDFA, list[frozenset[int]]]:
    """Union DFA of anchored `(pattern, flags)` regexes, for lexing.

    Returns the DFA and, per state, the indices of the patterns whose language accepts there
    (`accepting[s]` iff that set is non-empty); states with different sets are never merged.
    A pattern whose language is empty raises `RegexError`.
    """
    if not patterns:
        raise RegexError("terminals_to_dfa needs at least one pattern")
    asts = [parse(pattern, flags) for pattern, flags in patterns]
    result = _compile(asts, max_states)
    seen = frozenset().union(*result[1]) if result is not None else frozenset()
    for i, (pattern, _) in enumerate(patterns):
        if i not in seen:
            raise RegexError(f"terminal {i} matches no string (its language is empty)", pattern)
    return result


def _compile(asts: list[Node], max_states: int) -> tuple[ByteDFA, list[frozenset[int]]] | None:
    nfa = build_nfa(asts)
    alphabet = Alphabet(label for edges in nfa.edges for label, _ in edges)
    chars = minimize(determinize(nfa, alphabet.classes_of, len(alphabet.classes), max_states))
    return None if chars is None else to_byte_dfa(chars, alphabet.classes, max_states)
