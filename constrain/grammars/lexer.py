"""The context-sensitive lexer of a context-free grammar: one byte DFA per candidate set.

At each point of the input, the candidates are the terminals the parser accepts next plus
the `%ignore` terminals. `Lexers.for_candidates(names)` builds (once, then cached) the union
DFA of their patterns, a `LexerDFA`, as a restriction of a union: of all terminals, or of the
shard of LR states the parser is in (lexer_shards.py), or of the first shard holding the
candidates (a parser without LR states); for a candidate set no shard holds, of a union of its
own, built then. The union of all terminals is built at compile time, a shard's then or on
first use (when it provably stays within the state limit).

Lexing rule: a lexeme is the longest match (maximal munch: it ends where the next byte
would kill the DFA, or at the end of the input). By default (Lark's rule, one reading per
lexeme) among the candidates that accept that exact text the highest priority wins, then a
string literal over a regex, then the first in name order. With `all_readings=True` (used
for generated grammars such as JSON Schema's, where one text may be a key of two anyOf
branches) the lexeme is read as every candidate that accepts it, and the parser follows
them all (an Earley scan over a terminal set).

A terminal may come with a CountedDFA (constrain/automata/counted.py): a bound on how many
characters its lexeme has, checked by the walks as they go instead of built into its
automaton; it must be alone among the candidates in its lexemes (lexer_counts.py).

Invariants: the start state of a LexerDFA is never accepting (a terminal matching the empty
string is a GrammarError at compile time); `reading[s]` are the terminals a lexeme ending in
state s is read as (best first; one of them unless all_readings), empty when s accepts no
candidate; every transition of a LexerDFA that is not DEAD leads to a state from which a
candidate can be completed.
"""
from __future__ import annotations

import itertools
import threading
from array import array
from dataclasses import dataclass, field

import numpy as np

from constrain._core import overlapping_sets, terminal_union
from constrain.automata.dfa import ByteDFA
from constrain.automata.regex import cached_regex_to_dfa, literal_text, terminal_automata
from constrain.deadline import check_time
from constrain.errors import AutomatonTooLargeError, ConstrainError, GrammarError
from constrain.grammars.cfg import Grammar, Terminal
from constrain.grammars.lexer_counts import SharedCountError, counted_components, counted_rows, counter_arrays
from constrain.grammars.lexer_shards import SHARD_FROM, bit_words, plan_shards

#: states a terminal's automaton and a union of them may have (by default)
MAX_STATES = 50000
#: states of a union of all terminals tried where unions on demand can stand in for it (of
#: the split's Earley grammars, one needed more: it failed past MAX_STATES after 0.25 s)
WHOLE_UNION_BUDGET = 8192
#: an LALR grammar's terminals with fewer than SHARD_FROM states get one union of them all
#: unless it grows past this many times their states (then it is sharded like a large one)
UNION_GROWTH = 2
#: (regex terminal, literal) pairs whose shard words `_literal_overlaps` ANDs at once (regex
#: terminals taken in blocks)
_MEET_BLOCK = 1 << 19


class Readings(dict):
    """`reading[s]` of one lexer, filled on first use: the candidates accepting in union state
    s (`TerminalUnion.accepting_in`: no per-state set is kept), best first (`rank_of`: the
    candidates' component indices -> their place in that order), the best only when `keep` is
    1; () where none accepts."""

    def __init__(self, union, rank_of: dict[int, int], names: list[str], keep: int | None):
        super().__init__()
        self._union = union
        self._rank_of = rank_of
        self._names = names
        self._keep = keep

    def __missing__(self, s: int) -> tuple[str, ...]:
        rank_of = self._rank_of
        here = sorted((c for c in self._union.accepting_in(s) if c in rank_of), key=rank_of.__getitem__)
        found = tuple(self._names[c] for c in here[:self._keep])
        self[s] = found
        return found


class Behaviours:
    """Ids of lexing behaviours, shared by all the LexerDFAs of one grammar.

    A state of a union DFA is a tuple of terminal automaton states (its members, by global
    component index); a lexer sees only its candidates' members. (lexer, state) pairs whose
    candidate members are equal get one id, whichever union they come from: from both, every
    byte string lives, dies and ends lexemes alike, with the same readings, so whatever is
    computed from one (a trie walk, a mask) holds for the other."""

    def __init__(self):
        self._ids: dict[tuple[int, ...], int] = {}
        self._lock = threading.Lock()

    def of(self, union, components: frozenset[int], state: int) -> int:
        """The id of state `state` of `union` (a TerminalUnion) for a lexer whose components
        are `components`; the key is the flat tuple of its candidates' (component, state)
        members."""
        members = union.members_in(state)
        key = tuple(v for k in range(0, len(members), 2) if members[k] in components for v in members[k:k + 2])
        found = self._ids.get(key)
        if found is None:
            with self._lock:
                found = self._ids.setdefault(key, len(self._ids))
        return found


@dataclass(eq=False)
class LexerDFA:
    """The lexer of one candidate set: a union DFA holding its candidates (`union`) with
    transitions into states that cannot complete a candidate removed (so "not DEAD" means "a
    candidate terminal can still be completed"), and where its lexemes end. `components`:
    the candidates' indices in the union;
    `behaviour(q)` names what state q does for this lexer (see Behaviours); `counted`: some
    candidate's length is counted (lexer_counts.py), so walks carry the pending lexeme's count
    (`count_owner[q]`: the counted candidate union state q is in, or -1; `count_free[c]`: the
    counts at which candidate c's bound is out of a token's reach, see `count_key`)."""

    id: int
    candidates: frozenset[str]
    reading: Readings
    core: object = field(repr=False)
    start: int
    components: frozenset[int]
    union: TerminalUnion = field(repr=False)
    behaviours: Behaviours = field(repr=False)
    counted: bool = False
    count_owner: np.ndarray | None = field(default=None, repr=False)
    count_free: dict = field(default_factory=dict, repr=False)
    _behaviour: dict[int, int] = field(default_factory=dict, repr=False)

    def behaviour(self, q: int) -> int:
        found = self._behaviour.get(q)
        if found is None:
            found = self._behaviour.setdefault(q, self.behaviours.of(self.union, self.components, q))
        return found

    def count_key(self, q: int, count: int) -> int:
        """The pending lexeme's count as far as what state q allows depends on it: -1 where
        no token can reach the bound (a walk from q then needs no count, and is the same for
        every such count)."""
        owner = int(self.count_owner[q])
        if owner < 0:
            return count
        free = self.count_free[owner]
        return -1 if free[min(count, len(free) - 1)] else count


def _rank(t: Terminal) -> tuple:
    return (-t.priority, t.literal is None, t.name)


class TerminalUnion:
    """The union (product) DFA of some of a grammar's terminals (`components`, ascending
    global indices), in C++ only (`core`, built by `terminal_union`). Its states' tags
    (`tags[tag_begin[s]:tag_begin[s + 1]]`, the components accepting in s) and members
    (`members_in(s)`, (component, component state) pairs), kept in int32 `array.array`s,
    name components by global index, so readings and behaviour keys mean the same in every
    union of one grammar. Kept beside them: the states accepting each component, and
    `shared_texts` (rows by global index: row c has bit r set when c accepts in the r-th
    union state accepting several components)."""

    def __init__(self, parts: list, components: list[int], n: int, max_states: int):
        check_time()
        built = terminal_union([parts[c].core() for c in components], components, n, max_states)
        if built is None:
            raise AutomatonTooLargeError(f"the union of {len(components)} automata exceeds max_states={max_states}")
        self.core, *int32s, self.shared_texts = built
        (self.tag_begin, self.tags, self.member_begin, self.members,
         self._accept_begin, self._accept_states) = (array("i", b) for b in int32s)
        self.n_states = self.core.n_states

    def accepting_in(self, s: int) -> list[int]:
        """The components accepting in state s, ascending."""
        return self.tags[self.tag_begin[s]:self.tag_begin[s + 1]].tolist()

    def accepting_states(self, c: int) -> list[int]:
        return self._accept_states[self._accept_begin[c]:self._accept_begin[c + 1]].tolist()

    def members_in(self, s: int) -> list[int]:
        """State s's members, flat: component, its state, component, its state, ..."""
        return self.members[2 * self.member_begin[s]:2 * self.member_begin[s + 1]].tolist()

    def member_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(member_begin, member_rows) as numpy views (rows: (component, state) pairs)."""
        return (np.frombuffer(self.member_begin, dtype=np.int32),
                np.frombuffer(self.members, dtype=np.int32).reshape(-1, 2))


def lexer_automata(grammar: Grammar, max_states: int = MAX_STATES, terminal_dfas: dict | None = None) -> list[ByteDFA]:
    """The minimal DFAs of the grammar's terminals in `sorted(grammar.terminals)` order (those
    named in `terminal_dfas` as given); a GrammarError naming the terminal whose automaton
    passes `max_states` or matches the empty string."""
    names = sorted(grammar.terminals)
    terminals = [grammar.terminals[n] for n in names]
    prebuilt = {i: terminal_dfas[t.name] for i, t in enumerate(terminals) if t.name in (terminal_dfas or {})}
    try:
        parts = terminal_automata([(t.pattern, t.flags) for t in terminals], max_states=max_states, prebuilt=prebuilt)
    except ConstrainError as e:
        culprit = _culprit([t for t in terminals if t.name not in (terminal_dfas or {})], max_states)
        raise _terminal_error(f"terminal {culprit}: {e}" if culprit else f"lexer: {e}", culprit) from None
    empty = [names[i] for i, part in enumerate(parts) if part.accepting[part.start]]
    if empty:
        raise _terminal_error(f"terminal {empty[0]} matches the empty string", empty[0])
    return parts


class Lexers:
    """All LexerDFAs of one grammar (thread-safe cache keyed by candidate set).

    The terminals' union DFAs are built once; a candidate set only restricts one
    that holds it (accept sets intersected with the set, then states that can no longer reach
    acceptance cut off, in C++), which costs a graph walk, not a regex compilation. One union
    of all terminals, or, for an LALR parser whose terminal automata are big or multiply
    past UNION_GROWTH times their states in one union (`action_sets` given: its (LR state,
    terminal id) action pairs, the terminal names and the number of LR states), one union
    per shard of its LR states (lexer_shards.py): `for_candidates` then
    takes the top LR state, or, for another parser (`forget_lr_states`), finds a shard holding
    the candidates; a shard whose union cannot pass `max_states` is built on first use
    (`_shard_unions`). With `unions_on_demand` (a parser that follows every reading of a lexeme,
    so needs no `overlap_within`) and big terminal automata (as for shards), or a union of all
    terminals past `max_states` (past WHOLE_UNION_BUDGET with `unions_on_demand`), no union is
    built here: each candidate set gets the union of
    exactly its terminals on first use, which is never larger than the union of them all (the
    states of a union of fewer terminals are projections of its states), so a union past
    `max_states` can only be met there (a GrammarError from the mask that needs it) by a
    grammar whose whole union is too. `terminal_dfas` supplies automata for some terminals
    (by name) built by the caller; their patterns are then not compiled. `parts`: the
    terminals' automata as `lexer_automata(grammar, max_states, terminal_dfas)` gives them,
    when the caller built them already."""

    def __init__(self, grammar: Grammar, *, max_states: int = MAX_STATES, all_readings: bool = False,
                 terminal_dfas: dict | None = None, action_sets: tuple | None = None,
                 unions_on_demand: bool = False, token_reach: int = 0, parts: list[ByteDFA] | None = None):
        if all_readings and (grammar.ignore or grammar.indenter):
            raise GrammarError("all_readings needs a grammar without %ignore and indenter")
        self.grammar = grammar
        self.all_readings = all_readings
        self.max_states = max_states
        self.names = sorted(grammar.terminals)
        terminals = [grammar.terminals[n] for n in self.names]
        prebuilt = {i: terminal_dfas[t.name] for i, t in enumerate(terminals) if t.name in (terminal_dfas or {})}
        self._parts = parts if parts is not None else lexer_automata(grammar, max_states, terminal_dfas)
        self._index = {name: i for i, name in enumerate(self.names)}
        #: some terminal's length is counted as it is lexed (lexer_counts.py); `token_reach`:
        #: the most bytes a token has (how far from its bound a count is free)
        self._is_counted = np.zeros(len(self.names), dtype=bool)
        self._is_counted[counted_components(self._parts, range(len(self.names)))] = True
        self.counted = bool(self._is_counted.any())
        self.token_reach = token_reach
        self._shard_of_state = None
        total = sum(part.n_states for part in self._parts)
        self.unions_on_demand = unions_on_demand and total >= SHARD_FROM
        self._lock = threading.Lock()
        plan, whole = None, False
        lalr = action_sets is not None and not self.unions_on_demand
        if lalr and total < SHARD_FROM:         # shards stand in for a union that multiplies
            whole = self._whole_union_fits(min(max_states, _grown(total)))
        if lalr and not whole:
            texts = _literal_texts(terminals, prebuilt)
            plan = self._plan_shards(texts, action_sets)
        if plan is not None:
            self._shard_of_state = plan.shard_of_state
            self._shard_unions(plan.members, texts)
        elif not whole and unions_on_demand and not self.unions_on_demand:
            # where unions on demand can stand in, one of everything past WHOLE_UNION_BUDGET
            # states, or past `_grown`, is not worth building (nor the time to find it too large)
            self.unions_on_demand = not self._whole_union_fits(min(max_states, WHOLE_UNION_BUDGET, _grown(total)))
        elif not whole and not self.unions_on_demand:
            self._build_unions([self._everything()], max_states)
        if self.unions_on_demand:
            self._build_unions([])
        self._own_unions: dict[frozenset[int], TerminalUnion] = {}
        self.behaviours = Behaviours()
        # per component, its place in a reading (best first)
        ranked = sorted(range(len(terminals)), key=lambda i: _rank(terminals[i]))
        self._rank = {c: place for place, c in enumerate(ranked)}
        self._by_candidates: dict[frozenset[str], LexerDFA] = {}

    @property
    def sharded(self) -> bool:
        """Whether `for_candidates` needs the top LR state (one union per shard)."""
        return self._shard_of_state is not None

    def forget_lr_states(self) -> None:
        """For a parser other than the LALR one the shards were planned for: `for_candidates`
        then takes no LR state and finds a union holding the candidates (`_union_holding`)."""
        self._shard_of_state = None

    def for_candidates(self, names: frozenset[str], lr_state: int | None = None) -> LexerDFA:
        """The lexer of the candidate set `names`; `lr_state`: the parser's top LR state, when sharded."""
        lexer = self._by_candidates.get(names)
        if lexer is not None:
            return lexer
        # no candidates (the parse is complete and nothing is ignored): every transition is DEAD
        components = frozenset(self._index[n] for n in names if n in self._index)
        union = self._union_holding(components, lr_state)
        accepting = bytearray(union.n_states)
        for c in components:
            for s in union.accepting_states(c):
                accepting[s] = 1
        reading = Readings(union, {c: self._rank[c] for c in components}, self.names,
                           None if self.all_readings else 1)
        core = union.core.restricted(accepting)
        counted = counted_components(self._parts, components)
        owner = None
        if counted:
            arrays, owner = self._counted(counter_arrays, components, union)
            core.set_counter(*arrays)
        with self._lock:
            lexer = self._by_candidates.get(names)
            if lexer is None:
                lexer = LexerDFA(len(self._by_candidates), names, reading, core, 0, components,
                                 union, self.behaviours, bool(counted), owner,
                                 {c: self._parts[c].free_counts(self.token_reach) for c in counted})
                self._by_candidates[names] = lexer
        return lexer

    def _union_holding(self, components: frozenset[int], lr_state: int | None) -> TerminalUnion:
        """A union holding the components: the only one; the shard of the top LR state; else
        the first shard holding them all or, failing that, a union of their own (built on first
        use and kept: candidate sets of a parser that reads a lexeme several ways may span
        shards)."""
        if len(self._unions) == 1:
            return self._union(0)
        if lr_state is not None:
            return self._union(int(self._shard_of_state[lr_state]))
        holding = np.flatnonzero(self._shard_holds[:, sorted(components)].all(axis=1))
        if holding.size:
            return self._union(int(holding[0]))
        own = self._own_unions.get(components)
        if own is None:
            # no candidates: any union does, none of its states accepting for them
            members = sorted(components) if components else [0]
            own = self._build_union(members)
            own = self._own_unions.setdefault(components, own)
        return own

    def overlap_within(self, sets: np.ndarray, terminals: np.ndarray, names: list[str]) -> bool:
        """Whether some text is accepted by two terminals of one set (then a parser that reads
        one terminal per lexeme cannot follow every reading). The sets are given as pairs:
        set `sets[i]` holds the terminal `names[terminals[i]]`. A set has such a pair iff two
        of its terminals have a common bit among the bits of their multi-accepting union
        states (the unions' `shared_texts`); checked in C++ (`overlapping_sets`)."""
        if self.unions_on_demand:
            raise ValueError("overlap_within needs the unions built up front (unions_on_demand=False)")
        shared = self._shared_texts
        if shared.shape[1] == 0:                             # no text has two readings
            return False
        return overlapping_sets(sets, terminals, self._component_of(names), shared)

    def check_counted(self, sets: np.ndarray, terminals: np.ndarray, names: list[str]) -> None:
        """At compile time, for an LALR parser (its action pairs: set `sets[i]` holds the
        terminal `names[terminals[i]]`): every candidate set lies within one action set plus
        the ignored terminals, so a counted terminal alone among those (lexer_counts.py) is
        alone among its candidates wherever it is lexed; GrammarError otherwise."""
        sets, component = self._lexed_pairs(sets, terminals, names)
        always = [self._index[n] for n in self.grammar.ignore]
        for lr_state in np.unique(sets[self._is_counted[component]]).tolist():
            members = frozenset(component[sets == lr_state].tolist() + always)
            union = self._union_holding(members, lr_state if self.sharded else None)
            self._counted(counted_rows, members, union)

    def _counted(self, layout, components: frozenset[int], union: TerminalUnion):
        """`layout(parts, selected, member_begin, member_rows)` (lexer_counts.py) in `union`
        for the candidates `components`, its SharedCountError named by terminal."""
        selected = np.zeros(len(self.names), dtype=bool)
        selected[list(components)] = True
        try:
            return layout(self._parts, selected, *union.member_arrays())
        except SharedCountError as e:
            name = self.names[e.component]
            raise _terminal_error(f"terminal {name}: {e}", name) from None

    def __len__(self) -> int:
        return len(self._by_candidates)

    def _everything(self) -> list[int]:
        return list(range(len(self.names)))

    def _whole_union_fits(self, budget: int) -> bool:
        """Whether one union of all the terminals has at most `budget` states: then it is
        built (`_build_unions`). Past `_grown` of their own states, regex terminals multiply
        each other's (several unanchored patterns, say): shards, or unions on demand, keep
        apart those that never meet."""
        try:
            self._build_unions([self._everything()], budget)
        except GrammarError:
            return False
        return True

    def _plan_shards(self, texts: list[bytes | None], action_sets: tuple):
        """lexer_shards.plan_shards for the LR action sets; regex terminals (those without a
        literal text, `_literal_texts`) are the ones that may multiply."""
        multiplies = np.array([text is None for text in texts], dtype=bool)
        always = np.array(sorted(self._index[n] for n in self.grammar.ignore), dtype=np.int64)
        sets, terminals_of_pair, parser_names, n_states = action_sets
        return plan_shards(*self._lexed_pairs(sets, terminals_of_pair, parser_names), multiplies, always, n_states)

    def _component_of(self, names) -> list[int]:
        """Per parser terminal name, its component (-1: not lexed, e.g. made by the indenter)."""
        return [self._index.get(n, -1) for n in names]

    def _lexed_pairs(self, sets: np.ndarray, terminals: np.ndarray, names) -> tuple[np.ndarray, np.ndarray]:
        """The action pairs (LR state, component) of the lexed terminals."""
        component = np.array(self._component_of(names), dtype=np.int64)[terminals]
        lexed = component >= 0
        return sets[lexed], component[lexed]

    def _build_unions(self, members: list, max_states: int | None = None) -> None:
        """The union of the one member array given (`_union_holding` needs no table; at most
        `max_states` states, by default the lexer's), or none (unions on demand:
        `_shard_holds` has no row, so each candidate set gets its own), and its `shared_texts`."""
        self._unions = [self._build_union(m, max_states) for m in members]
        if members:
            self._shared_texts = self._unions[0].shared_texts
            return
        self._shard_holds = np.zeros((0, len(self.names)), dtype=bool)
        self._shared_texts = np.zeros((len(self.names), 0), dtype=np.uint64)

    def _shard_unions(self, members: list, texts: list[bytes | None]) -> None:
        """One union per shard (`_unions`, and `_shard_holds[k, c]`: whether shard k holds
        component c), built on first use (`_union`) when it cannot pass max_states, else now
        (a GrammarError at compile time). A union state with a live literal is fixed by the
        text read (a prefix of a literal), one without is a tuple of regex terminal states (or
        dead ones), so a shard has at most `_state_bounds` states. `_shared_texts`: the bits of
        the unions built now, then those of the deferred shards' texts shared by two regex
        terminals (a union of their regex terminals only) and one bit per pair of a literal
        and a terminal that share its text (`_literal_overlaps`): the only ways two terminals
        of a shard share a text."""
        self._unions: list[TerminalUnion | None] = [None] * len(members)
        sizes = [m.size for m in members]
        flat = np.concatenate(members)
        cuts = np.cumsum([0] + sizes)
        self._shard_holds = np.zeros((len(members), len(self.names)), dtype=bool)
        self._shard_holds[np.repeat(np.arange(len(members)), sizes), flat] = True
        fits = (self._state_bounds(texts, flat, cuts[:-1]) < self.max_states - 0.5).tolist()
        flat, cuts = flat.tolist(), cuts.tolist()
        self._members = [flat[cuts[k]:cuts[k + 1]] for k in range(len(members))]   # each shard's components
        shared, deferred = [], []
        for k, components in enumerate(self._members):
            if fits[k]:
                deferred.append(k)
            else:
                self._unions[k] = self._build_union(components)
                shared.append(self._unions[k].shared_texts)
        regex_sets = self._meeting_regexes([self._members[k] for k in deferred], texts)
        shared += [self._build_union(list(regex)).shared_texts for regex in regex_sets]
        pairs = self._literal_overlaps(self._shard_holds[deferred], texts)
        bits = np.zeros((len(self.names), (len(pairs) + 63) // 64), dtype=np.uint64)
        for p, pair in enumerate(pairs):
            bits[list(pair), p >> 6] |= np.uint64(1 << (p & 63))
        self._shared_texts = np.hstack(shared + [bits])

    def _meeting_regexes(self, shards: list[list[int]], texts: list[bytes | None]) -> list[tuple[int, ...]]:
        """The regex terminals of each shard (its components) that may share a text with another
        of them: those whose first bytes meet another's (a terminal matches no empty text),
        where two or more do; each such set once."""
        first: dict[int, int] = {}              # regex terminal -> its first bytes, as bits
        found = set()
        for components in shards:
            regex = [c for c in components if texts[c] is None]
            if len(regex) < 2:
                continue
            for r in regex:
                if r not in first:
                    part = self._parts[r]
                    first[r] = int.from_bytes(part.core().first_bytes(part.start), "big")
            meeting = tuple(r for r in regex if any(first[r] & first[o] for o in regex if o != r))
            if len(meeting) >= 2:
                found.add(meeting)
        return sorted(found)

    def _state_bounds(self, texts: list[bytes | None], flat: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Per shard (its components: `flat` from `starts[k]` on), at most how many states its
        union has: one per prefix of a literal, and the product of (states + 1) of its regex
        terminals (summed as logarithms, exact far within the half-state margin the caller
        leaves; sums by reduceat: a matrix product would call BLAS, whose threads spin after it)."""
        lengths = np.array([0 if text is None else len(text) + 1 for text in texts], dtype=np.float64)
        logs = np.array([np.log(part.n_states + 1) if text is None else 0.0 for part, text in zip(self._parts, texts)])
        return np.add.reduceat(lengths[flat], starts) + np.exp(np.minimum(np.add.reduceat(logs[flat], starts), 64.0))

    def _literal_overlaps(self, holds: np.ndarray, texts: list[bytes | None]) -> list[tuple[int, int]]:
        """Pairs of terminals, a literal first, that share its text: two literals of the shards
        (`holds[k, c]`: shard k holds component c) spelled alike, or a literal and a regex
        terminal that accepts it and meets it in a shard (their shard bits, packed, meet)."""
        literal = np.array([text is not None for text in texts], dtype=bool)
        present = holds.any(axis=0)
        literals, regex = np.flatnonzero(present & literal), np.flatnonzero(present & ~literal)
        by_text: dict[bytes, list[int]] = {}
        for c in literals.tolist():
            by_text.setdefault(texts[c], []).append(c)
        out = [pair for same in by_text.values() for pair in itertools.combinations(same, 2)]
        shards_of = bit_words(np.packbits(holds.T, axis=1))     # row c: the shards holding c, as bits
        step = max(1, _MEET_BLOCK // max(1, literals.size))
        for at in range(0, regex.size if literals.size else 0, step):      # [regex, literal] blocks
            block = regex[at:at + step]
            meets = np.zeros((block.size, literals.size), dtype=bool)
            for w in range(shards_of.shape[1]):
                meets |= (shards_of[block, w, None] & shards_of[None, literals, w]) != 0
            for r, row in zip(block.tolist(), meets):
                met = literals[row].tolist()
                if not met:
                    continue
                part = self._parts[r]
                accepted = part.core().accepts_each(part.start, [texts[c] for c in met])
                out += [(c, r) for c, yes in zip(met, accepted) if yes]
        return out

    def _union(self, k: int) -> TerminalUnion:
        """Union k, built on first use when `_shard_unions` deferred it."""
        union = self._unions[k]
        if union is None:
            union = self._build_union(self._members[k])
            with self._lock:
                if self._unions[k] is None:
                    self._unions[k] = union
                union = self._unions[k]
        return union

    def _build_union(self, components, max_states: int | None = None) -> TerminalUnion:
        try:
            return TerminalUnion(self._parts, list(components), len(self.names), max_states or self.max_states)
        except ConstrainError as e:
            raise _terminal_error(f"lexer: {e}", None) from None


def _grown(total: int) -> int:
    """The states a union of terminals with `total` states of their own is worth building
    up front: UNION_GROWTH times theirs, or SHARD_FROM."""
    return max(SHARD_FROM, UNION_GROWTH * total)


def _literal_texts(terminals: list[Terminal], prebuilt: dict) -> list[bytes | None]:
    """Per terminal, the one text (UTF-8) it matches, or None for a regex terminal: a prebuilt
    automaton, a flagged pattern, a pattern other than a plain string."""
    texts = [None if i in prebuilt or t.flags else literal_text(t.pattern) for i, t in enumerate(terminals)]
    return [None if text is None else text.encode("utf-8") for text in texts]


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
