"""The context-sensitive lexer of a context-free grammar: one byte DFA per candidate set.

At each point of the input, the candidates are the terminals the parser accepts next plus
the `%ignore` terminals. `Lexers.for_candidates(names)` builds (once, then cached) the union
DFA of their patterns: a `LexerDFA`.

Lexing rule: a lexeme is the longest match (maximal munch: it ends where the next byte
would kill the DFA, or at the end of the input). By default (Lark's rule, one reading per
lexeme) among the candidates that accept that exact text the highest priority wins, then a
string literal over a regex, then the first in name order. With `all_readings=True` (used
for generated grammars such as JSON Schema's, where one text may be a key of two anyOf
branches) the lexeme is read as every candidate that accepts it, and the parser follows
them all (an Earley scan over a terminal set).

Invariants: the start state of a LexerDFA is never accepting (a terminal matching the empty
string is a GrammarError at compile time); `reading[s]` are the terminals a lexeme ending in
state s is read as (best first; one of them unless all_readings), empty when s accepts no
candidate; every transition of a LexerDFA that is not DEAD leads to a state from which a
candidate can be completed.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from constrain._core import ByteDFA as CoreDFA
from constrain.automata.regex import cached_regex_to_dfa, terminals_to_dfa
from constrain.errors import ConstrainError, GrammarError
from constrain.grammars.cfg import Grammar, Terminal


class Readings(dict):
    """`reading[s]` of one lexer, filled on first use: the candidates accepting in union state
    s (`ProductDFA.accepting_in`: no per-state set is kept), best first (`rank_of`: the
    candidates' component indices -> their place in that order), the best only when `keep` is
    1; () where none accepts."""

    def __init__(self, product, rank_of: dict[int, int], names: list[str], keep: int | None):
        super().__init__()
        self._product = product
        self._rank_of = rank_of
        self._names = names
        self._keep = keep

    def __missing__(self, s: int) -> tuple[str, ...]:
        rank_of = self._rank_of
        here = sorted((c for c in self._product.accepting_in(s) if c in rank_of), key=rank_of.__getitem__)
        found = tuple(self._names[c] for c in here[:self._keep])
        self[s] = found
        return found


class Behaviours:
    """Ids of lexing behaviours, shared by all the LexerDFAs of one grammar.

    A state of the union DFA is a tuple of terminal automaton states (its members); a lexer
    sees only its candidates' members. (lexer, state) pairs whose candidate members are equal
    get one id: from both, every byte string lives, dies and ends lexemes alike, with the
    same readings, so whatever is computed from one (a trie walk, a mask) holds for the other."""

    def __init__(self, product):
        self.product = product
        self._ids: dict[tuple, int] = {}
        self._lock = threading.Lock()

    def of(self, selected: np.ndarray, state: int) -> int:
        """The id of union state `state` for a lexer whose components are those `selected`
        (a boolean array over components); the key is the bytes of its selected members."""
        begin, rows = self.product.member_begin, self.product.member_rows
        members = rows[begin[state]:begin[state + 1]]
        key = members[selected[members[:, 0]]].tobytes()
        found = self._ids.get(key)
        if found is None:
            with self._lock:
                found = self._ids.setdefault(key, len(self._ids))
        return found


@dataclass(eq=False)
class LexerDFA:
    """The lexer of one candidate set: the grammar's union DFA with transitions into states
    that cannot complete a candidate removed (so "not DEAD" means "a candidate terminal can
    still be completed"), and where its lexemes end. `components`: the candidates' indices
    in the union (`selected`: the same as a boolean array); `behaviour(q)` names what state q
    does for this lexer (see Behaviours)."""

    id: int
    candidates: frozenset[str]
    reading: Readings
    core: object = field(repr=False)
    start: int
    components: frozenset[int]
    selected: np.ndarray = field(repr=False)
    behaviours: Behaviours = field(repr=False)
    _behaviour: dict[int, int] = field(default_factory=dict, repr=False)

    def behaviour(self, q: int) -> int:
        found = self._behaviour.get(q)
        if found is None:
            found = self._behaviour.setdefault(q, self.behaviours.of(self.selected, q))
        return found


def _rank(t: Terminal) -> tuple:
    return (-t.priority, t.literal is None, t.name)


class Lexers:
    """All LexerDFAs of one grammar (thread-safe cache keyed by candidate set).

    One union DFA of every lexed terminal is built at compile time; a candidate set only
    restricts it (accept sets intersected with the set, then states that can no longer reach
    acceptance cut off, in C++), which costs a graph walk, not a regex compilation.
    `terminal_dfas` supplies automata for some terminals (by name) built by the caller; their
    patterns are then not compiled."""

    def __init__(self, grammar: Grammar, *, max_states: int = 50000, all_readings: bool = False,
                 terminal_dfas: dict | None = None):
        if all_readings and (grammar.ignore or grammar.indenter):
            raise GrammarError("all_readings needs a grammar without %ignore and indenter")
        self.grammar = grammar
        self.all_readings = all_readings
        self.names = sorted(grammar.terminals)
        terminals = [grammar.terminals[n] for n in self.names]
        try:
            prebuilt = {i: terminal_dfas[t.name] for i, t in enumerate(terminals) if t.name in (terminal_dfas or {})}
            product = terminals_to_dfa([(t.pattern, t.flags) for t in terminals], max_states=max_states,
                                       prebuilt=prebuilt)
        except ConstrainError as e:
            culprit = _culprit([t for t in terminals if t.name not in (terminal_dfas or {})], max_states)
            raise _terminal_error(f"terminal {culprit}: {e}" if culprit else f"lexer: {e}", culprit) from None
        dfa = product.dfa
        empty = sorted(self.names[i] for i in product.accepting_in(dfa.start))
        if empty:
            raise _terminal_error(f"terminal {empty[0]} matches the empty string", empty[0])
        self.dfa = dfa
        self.product = product
        self.core = CoreDFA(dfa.trans, dfa.accepting.astype(np.uint8))
        self.behaviours = Behaviours(product)
        self._index = {name: i for i, name in enumerate(self.names)}
        per_state = np.diff(product.tag_begin)
        pair_state = np.repeat(np.arange(dfa.n_states, dtype=np.int64), per_state)
        self._shared_texts = _shared_texts(pair_state, product.tags, per_state, len(terminals))
        # the states accepting each component: the (state, component) pairs sorted by component
        by_component = np.argsort(product.tags, kind="stable")
        state_of_pair = pair_state[by_component]
        cuts = np.searchsorted(product.tags[by_component], np.arange(len(terminals) + 1)).tolist()
        self._accepting_states = [state_of_pair[cuts[c]:cuts[c + 1]] for c in range(len(terminals))]
        # per component, its place in a reading (best first)
        ranked = sorted(range(len(terminals)), key=lambda i: _rank(terminals[i]))
        self._rank = {c: place for place, c in enumerate(ranked)}
        self._by_candidates: dict[frozenset[str], LexerDFA] = {}
        self._lock = threading.Lock()

    def for_candidates(self, names: frozenset[str]) -> LexerDFA:
        lexer = self._by_candidates.get(names)
        if lexer is not None:
            return lexer
        # no candidates (the parse is complete and nothing is ignored): every transition is DEAD
        components = frozenset(self._index[n] for n in names if n in self._index)
        accepting = np.zeros(self.dfa.n_states, dtype=np.uint8)
        for c in components:
            accepting[self._accepting_states[c]] = 1
        reading = Readings(self.product, {c: self._rank[c] for c in components}, self.names,
                           None if self.all_readings else 1)
        core = self.core.restricted(accepting)
        selected = np.zeros(len(self.names), dtype=bool)
        selected[list(components)] = True
        with self._lock:
            lexer = self._by_candidates.get(names)
            if lexer is None:
                lexer = LexerDFA(len(self._by_candidates), names, reading, core, self.dfa.start, components,
                                 selected, self.behaviours)
                self._by_candidates[names] = lexer
        return lexer

    def overlap_within(self, sets: np.ndarray, terminals: np.ndarray, names: list[str]) -> bool:
        """Whether some text is accepted by two terminals of one set (then a parser that reads
        one terminal per lexeme cannot follow every reading). The sets are given as pairs:
        set `sets[i]` holds the terminal `names[terminals[i]]`. A set has such a pair iff
        the bit sets of its terminals' multi-accepting union states (`_shared_texts`) are not
        disjoint: the bits of their union are fewer than their bits counted one by one."""
        shared = self._shared_texts
        if shared.shape[1] == 0:                             # no text has two readings
            return False
        sharing = np.append(shared.any(axis=1), False)       # last: terminals not lexed
        component = np.array([self._index.get(n, -1) for n in names], dtype=np.int64)[terminals]
        keep = sharing[component]
        if not keep.any():
            return False
        order = np.argsort(sets[keep], kind="stable")
        sets, component = sets[keep][order], component[keep][order]
        starts = np.flatnonzero(np.r_[True, sets[1:] != sets[:-1]])
        union = np.bitwise_or.reduceat(shared[component], starts, axis=0)
        counted = np.add.reduceat(_bit_count(shared)[component], starts)
        return bool((_bit_count(union) < counted).any())

    def __len__(self) -> int:
        return len(self._by_candidates)


_BITS_IN_BYTE = np.array([bin(b).count("1") for b in range(256)], dtype=np.int64)


def _bit_count(words: np.ndarray) -> np.ndarray:
    """The number of set bits in each row of a 2-d uint64 array."""
    return _BITS_IN_BYTE[words.view(np.uint8)].sum(axis=1)


def _shared_texts(pair_state: np.ndarray, tags: np.ndarray, per_state: np.ndarray, n: int) -> np.ndarray:
    """Per component, the union states where it accepts together with another component, as a
    bit set: row c of an (n, words) uint64 array has bit r set when component c accepts in
    the r-th union state accepting several components."""
    multi = per_state > 1
    if not multi.any():
        return np.zeros((n, 0), dtype=np.uint64)
    row_of_state = np.cumsum(multi) - 1
    pairs = multi[pair_state]
    rows = row_of_state[pair_state[pairs]]
    bits = np.zeros((n, (int(multi.sum()) + 63) // 64), dtype=np.uint64)
    np.bitwise_or.at(bits, (tags[pairs], rows >> 6), np.left_shift(np.uint64(1), (rows & 63).astype(np.uint64)))
    return bits


def _culprit(terminals: list[Terminal], max_states: int) -> str | None:
    """The first terminal that fails to compile on its own (for the error message; the ones
    that compiled are in the pattern cache)."""
    for t in terminals:
        try:
            cached_regex_to_dfa(t.pattern, t.flags, max_states)
        except ConstrainError:
            return t.name
    return None


def _terminal_error(message: str, terminal: str | None) -> GrammarError:
    """A GrammarError naming the terminal at fault (`.terminal`), so that the Lark front end
    can add the terminal's line and column."""
    error = GrammarError(message)
    error.terminal = terminal
    return error
