"""The context-sensitive lexer of a context-free grammar: one byte DFA per candidate set.

At each point of the input, the candidates are the terminals the parser accepts next plus
the `%ignore` terminals. `Lexers.for_candidates(names)` builds (once, then cached) the union
DFA of their patterns: a `LexerDFA`.

Lexing rule (deterministic, so that a token sequence has one reading): a lexeme is the
longest match (maximal munch: it ends where the next byte would kill the DFA, or at the end
of the input); among the terminals that accept that exact text, the highest priority wins,
then a string literal over a regex, then the first in name order (Lark's tie-break).

Invariants: the start state of a LexerDFA is never accepting (a terminal matching the empty
string is a GrammarError at compile time); `winner[s]` is the terminal a lexeme ending in
state s is read as, None when s is not accepting.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from constrain.automata.dfa import ByteDFA
from constrain.automata.regex import regex_to_dfa, terminals_to_dfa
from constrain.errors import ConstrainError, GrammarError
from constrain.grammars.cfg import Grammar, Terminal


@dataclass(eq=False)
class LexerDFA:
    """The union DFA of one candidate set, and where its lexemes end."""

    id: int
    candidates: frozenset[str]
    dfa: ByteDFA
    winner: list[str | None]
    core: object = field(repr=False)

    @property
    def start(self) -> int:
        return self.dfa.start


def _rank(t: Terminal) -> tuple:
    return (-t.priority, t.literal is None, t.name)


class Lexers:
    """All LexerDFAs of one grammar (thread-safe cache keyed by candidate set)."""

    def __init__(self, grammar: Grammar, *, max_states: int = 50000):
        self.grammar = grammar
        self.max_states = max_states
        self._by_candidates: dict[frozenset[str], LexerDFA] = {}
        self._lock = threading.Lock()
        self._check_terminals()

    def _check_terminals(self) -> None:
        """Every terminal must compile and must not match the empty string."""
        for t in self.grammar.terminals.values():
            try:
                dfa = regex_to_dfa(t.pattern, flags=t.flags, max_states=self.max_states)
            except ConstrainError as e:
                raise GrammarError(f"terminal {t.name}: {e}") from None
            if dfa.accepting[dfa.start]:
                raise GrammarError(f"terminal {t.name} matches the empty string (pattern {t.pattern!r})")

    def for_candidates(self, names: frozenset[str]) -> LexerDFA:
        lexer = self._by_candidates.get(names)
        if lexer is not None:
            return lexer
        terminals = sorted((self.grammar.terminals[n] for n in names), key=lambda t: t.name)
        if not terminals:
            raise GrammarError("internal: a lexer state with no candidate terminal")
        dfa, accepts = terminals_to_dfa([(t.pattern, t.flags) for t in terminals], max_states=self.max_states)
        winner = [min((terminals[i] for i in acc), key=_rank).name if acc else None for acc in accepts]
        with self._lock:
            lexer = self._by_candidates.get(names)
            if lexer is None:
                lexer = LexerDFA(len(self._by_candidates), names, dfa, winner, dfa.core())
                self._by_candidates[names] = lexer
        return lexer

    def __len__(self) -> int:
        return len(self._by_candidates)


def group_boundaries(nodes: np.ndarray, states: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Boundary points of a lexeme walk grouped by the accepting state they end in."""
    if nodes.size == 0:
        return []
    order = np.argsort(states, kind="stable")
    states, nodes = states[order], nodes[order]
    cuts = np.flatnonzero(np.diff(states)) + 1
    return [(int(s[0]), n) for s, n in zip(np.split(states, cuts), np.split(nodes, cuts))]
