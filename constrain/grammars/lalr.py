"""LALR(1): table construction (LR(0) automaton + DeRemer–Pennello lookaheads) and an
incremental parser whose states are immutable.

Invariants:
- `build_lalr` never resolves a conflict: it reports every shift/reduce and reduce/reduce
  clash in `LALRTables.conflicts`, and `LALRParser` refuses tables that have any;
- there are no default reductions: `action[s]` holds a terminal only when it is a shift or
  in the reduction's LALR lookahead. Terminal ids are indexes in
  `grammar.parser_terminals`; id `len(parser_terminals)` is the end marker, whose shift is
  acceptance (the augmented rule is `$start -> start $END`);
- a parser state is a persistent stack of LR states (linked tuples `(state, below)`),
  shared between states and never mutated;
- `allowed_terminals` is exact: t is allowed iff simulating the reductions on t ends in a
  shift (LR parsers never shift an erroneous terminal, and the grammar is reduced, so every
  viable prefix has a completion). The simulation's answer depends only on the stack
  states it consults, so it is memoized in a decision tree over those states (a reduction
  pops states without reading them: only the state it exposes is consulted); the same holds
  after any fixed terminal sequence (`lookahead`), memoized per sequence.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from constrain._core import LRTables, start_lalr_tables
from constrain.deadline import TimeUp, seconds_left
from constrain.errors import GrammarError
from constrain.grammars.cfg import Grammar, Rule, lookup_terminal, symbol_ids


@dataclass(frozen=True)
class LALRTables:
    n_states: int
    #: the rows, in C++ (csrc/lr_run.h): action(state, terminal id) -> shift target (>= 0) or
    #: ~rule, goto(state, nonterminal id), and the parser's runs on a stack
    rows: LRTables
    conflicts: tuple[str, ...]
    #: (state, terminal id) of every action on a terminal other than the end marker, as two arrays
    action_pairs: tuple[np.ndarray, np.ndarray]


MAX_LR_STATES = 1_000_000
#: 8-byte words the tables' per-symbol sets may take (512 MiB): the predicted nonterminals and
#: lookahead bitsets, which grow quadratically with some shapes (n optional items in a row)
MAX_LR_SET_WORDS = 1 << 26
_PAST_STATES, _PAST_SETS, _PAST_TIME = 1, 2, 3     # why a build stopped (csrc/lalr.h's LALRStop)
#: grammars with at least this many rules build their tables on a thread of their own while
#: the caller goes on (below, the thread's start costs more than it saves)
THREAD_FROM_RULES = 256
_READ = -1     # in a decision-tree node, the key of the depth it consults (states are >= 0)


class PendingLALR:
    """The LALR(1) tables of a grammar being built (in C++, csrc/lalr.cc, in one call from
    the rules to the rows: no numpy on the way, whose calls on small arrays cost the most when
    the caches are cold): on a thread of their own for a grammar of THREAD_FROM_RULES rules or
    more, so that the caller can go on until it needs them; `tables()` waits for them
    (GrammarError when the LR(0) automaton passes MAX_LR_STATES states or its sets pass
    MAX_LR_SET_WORDS; inside a compile time limit, deadline.py, the build stops at its deadline
    and `tables()` stops the compile)."""

    def __init__(self, rules: tuple[Rule, ...], start: str):
        """`rules` and `start`: those of the Grammar whose parser reads the tables (terminal ids
        are indexes in its `parser_terminals`, which the rules determine)."""
        self._rules = rules
        tid, ntid = symbol_ids(rules)
        self._terms = tuple(tid)            # rule_terminals(rules), in id order
        # symbols: terminal ids >= 0, nonterminal n encoded as ~n; rule 0: $start -> start $END
        left = seconds_left()
        self._set_words = MAX_LR_SET_WORDS
        self._job = start_lalr_tables(rules, ntid, tid, ntid[start], len(self._terms), MAX_LR_STATES,
                                      len(rules) >= THREAD_FROM_RULES, self._set_words, -1.0 if left is None else left)

    def tables(self) -> LALRTables:
        """The tables; called within the compile time limit the build started in, if any."""
        built = self._job.result()
        if built == _PAST_TIME:
            raise TimeUp()
        if built == _PAST_STATES:
            raise GrammarError(f"the LALR automaton exceeds {MAX_LR_STATES} states")
        if built == _PAST_SETS:
            raise GrammarError(f"the LALR tables' lookahead sets would take more than {self._set_words * 8} bytes")
        n_states, flat_conflicts, pair_state, pair_terminal, rows = built
        names = list(self._terms) + ["$END"]
        conflicts = tuple(f"{('shift/reduce', 'reduce/reduce')[kind]} conflict on {names[t]} reducing "
                          f"{self._rules[r - 1]} (state {p})" for p, t, r, kind in flat_conflicts)
        return LALRTables(n_states, rows, conflicts, (pair_state, pair_terminal))


def build_lalr(grammar: Grammar) -> LALRTables:
    """The LALR(1) tables of `grammar` (`PendingLALR(grammar.rules, grammar.start).tables()`)."""
    return PendingLALR(grammar.rules, grammar.start).tables()


class LALRParser:
    """An LALR(1) parser for a conflict-free grammar; `initial()` gives its first state."""

    kind = "lalr"

    def __init__(self, grammar: Grammar, tables: LALRTables | None = None):
        tables = tables or build_lalr(grammar)
        if tables.conflicts:
            raise GrammarError("grammar is not LALR(1): " + "; ".join(tables.conflicts[:5]))
        self.grammar = grammar
        self.terminals = grammar.parser_terminals
        self.end_id = len(self.terminals)
        self._ids = {name: i for i, name in enumerate(self.terminals)}
        self._rows = tables.rows
        self._action_pairs = tables.action_pairs
        self.n_states = tables.n_states
        self._memo: dict = {}
        # each distinct answer once, shared by the trees' leaves, by the simulation's shifted terminals
        self._leaf_of: dict[tuple[int, ...], tuple] = {}

    def terminal_id(self, name: str) -> int:
        return lookup_terminal(self._ids, name)

    def state_terminals(self) -> tuple[np.ndarray, np.ndarray]:
        """Per LR state, the terminals with an action (a superset of those allowed there), as
        (state, terminal id) pairs in two arrays."""
        return self._action_pairs

    def initial(self) -> LALRState:
        return LALRState(self, (0, None))

    def _lookahead(self, stack, seq: tuple[int, ...]):
        """(allowed ids, names, can_end) after feeding the terminals `seq` to `stack`, or
        None when `seq` is rejected; memoized per `seq` in a decision tree: a node
        `{_READ: depth, state: child}` consults the state `depth` below the top (in the order
        the simulation first consulted them), a leaf is the answer."""
        node = self._memo.get(seq)
        if node is not None:
            at, depth = stack, 0
            while type(node) is dict:
                wanted = node[_READ]
                if wanted < depth:
                    at, depth = stack, 0
                while depth < wanted:
                    at = at[1]
                    depth += 1
                node = node.get(at[0])
        if node is None:
            node = self._compute(stack, seq)
        return node or None

    def _compute(self, stack, seq):
        """The simulation (C++, csrc/lr_run.h), its answer stored in the memo as a leaf of the
        path of the states it read."""
        ok, reads = self._rows.simulate(stack, seq)
        leaf = () if ok is None else self._leaf_of.get(ok)
        if leaf is None:
            ids = frozenset(t for t in ok if t != self.end_id)
            leaf = self._leaf_of.setdefault(ok, (ids, frozenset(self.terminals[t] for t in ids), self.end_id in ok))
        # the same values consulted give the same computation, hence the same next depth
        node = self._memo.setdefault(seq, {_READ: reads[0][0]})
        for (_, state), (depth, _) in zip(reads, reads[1:]):
            node = node.setdefault(state, {_READ: depth})
        node[reads[-1][1]] = leaf
        return leaf


class LALRState:
    """An immutable LALR parser configuration."""

    __slots__ = ("_parser", "_stack", "_allowed", "_key")

    def __init__(self, parser: LALRParser, stack):
        self._parser = parser
        self._stack = stack
        self._allowed = None
        self._key = None

    def advance_id(self, t: int) -> LALRState | None:
        stack = self._parser._rows.advance(self._stack, t)
        return None if stack is None else LALRState(self._parser, stack)

    def advance(self, terminal: str, text: str = "") -> LALRState | None:
        return self.advance_id(self._parser.terminal_id(terminal))

    @property
    def lr_state(self) -> int:
        """The LR state on top of the stack (the allowed terminals have actions there)."""
        return self._stack[0]

    def _leaf(self):
        if self._allowed is None:
            self._allowed = self._parser._lookahead(self._stack, ())
        return self._allowed

    def lookahead(self, seq: tuple[int, ...]) -> tuple[frozenset[int], bool] | None:
        """(allowed ids, can_end) after the terminal ids `seq`, or None if `seq` is rejected."""
        leaf = self._parser._lookahead(self._stack, seq)
        return None if leaf is None else (leaf[0], leaf[2])

    def allowed_ids(self) -> frozenset[int]:
        return self._leaf()[0]

    def allowed_terminals(self) -> frozenset[str]:
        return self._leaf()[1]

    def can_end(self) -> bool:
        return self._leaf()[2]

    @property
    def key(self) -> tuple[int, ...]:
        """The LR state stack, top first."""
        if self._key is None:
            states, s = [], self._stack
            while s is not None:
                states.append(s[0])
                s = s[1]
            self._key = tuple(states)
        return self._key

    def __repr__(self) -> str:
        return f"LALRState(stack={self.key})"
