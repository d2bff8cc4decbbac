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

from array import array
from dataclasses import dataclass

import numpy as np

from constrain._core import start_lalr_tables
from constrain.errors import GrammarError
from constrain.grammars.cfg import Grammar, Rule, lookup_terminal, symbol_ids


class RowDicts(dict):
    """The rows of a table kept as flat arrays, row s being `symbols[starts[s]:ends[s]]` with
    `values` alike, turned into a dict (symbol -> value, Python ints) at `self[s]` on first
    use: a parser visits part of its table, and a built row is a plain dict lookup. (Building
    every row at once cost 10% of the time to first mask over a sample of MaskBench schemas,
    against 2.5% of the time between masks for building them one by one; the arrays are
    `array.array`s, not lists, which a wide object's table would fill with 100k ints.) A row
    built twice by two threads is equal, so the race is harmless."""

    __slots__ = ("_starts", "_ends", "_symbols", "_values", "n_rows")

    def __init__(self, starts: list[int], ends: list[int], symbols: array, values: array):
        super().__init__()
        self._starts, self._ends, self._symbols, self._values = starts, ends, symbols, values
        self.n_rows = len(starts)

    def __missing__(self, s: int) -> dict[int, int]:
        if not 0 <= s < self.n_rows:
            raise KeyError(s)
        b, e = self._starts[s], self._ends[s]
        row = self[s] = dict(zip(self._symbols[b:e].tolist(), self._values[b:e].tolist()))
        return row


@dataclass(frozen=True)
class LALRTables:
    n_states: int
    action: RowDicts    # state -> terminal id -> shift target (>= 0) or ~rule
    goto: RowDicts      # state -> nonterminal id -> state
    rule_len: list[int]
    rule_lhs: list[int]
    conflicts: tuple[str, ...]
    #: (state, terminal id) of every action on a terminal other than the end marker, as two arrays
    action_pairs: tuple[np.ndarray, np.ndarray]


MAX_LR_STATES = 1_000_000
#: grammars with at least this many rules build their tables on a thread of their own while
#: the caller goes on (below, the thread's start costs more than it saves)
THREAD_FROM_RULES = 256
_READ = -1     # in a decision-tree node, the key of the depth it consults (states are >= 0)


class PendingLALR:
    """The LALR(1) tables of a grammar being built (in C++, csrc/lalr.cc, in one call from
    the rules to the rows: no numpy on the way, whose calls on small arrays cost the most when
    the caches are cold): on a thread of their own for a grammar of THREAD_FROM_RULES rules or
    more, so that the caller can go on until it needs them; `tables()` waits for them
    (GrammarError when the LR(0) automaton passes MAX_LR_STATES states)."""

    def __init__(self, rules: tuple[Rule, ...], start: str):
        """`rules` and `start`: those of the Grammar whose parser reads the tables (terminal ids
        are indexes in its `parser_terminals`, which the rules determine)."""
        self._rules = rules
        tid, ntid = symbol_ids(rules)
        self._terms = tuple(tid)            # rule_terminals(rules), in id order
        # symbols: terminal ids >= 0, nonterminal n encoded as ~n; rule 0: $start -> start $END
        self._job = start_lalr_tables(rules, ntid, tid, ntid[start], len(self._terms), MAX_LR_STATES,
                                      len(rules) >= THREAD_FROM_RULES)

    def tables(self) -> LALRTables:
        built = self._job.result()
        if built is None:
            raise GrammarError(f"the LALR automaton exceeds {MAX_LR_STATES} states")
        n_states, row_begin, split, symbols, values, flat_conflicts, pair_state, pair_terminal, rule_len, rule_lhs = built
        # a row lists its gotos first, then its actions
        symbols, values = array("i", symbols), array("i", values)
        action = RowDicts(split, row_begin[1:], symbols, values)
        goto = RowDicts(row_begin[:-1], split, symbols, values)
        names = list(self._terms) + ["$END"]
        conflicts = tuple(f"{('shift/reduce', 'reduce/reduce')[kind]} conflict on {names[t]} reducing "
                          f"{self._rules[r - 1]} (state {p})" for p, t, r, kind in flat_conflicts)
        return LALRTables(n_states, action, goto, rule_len, rule_lhs, conflicts, (pair_state, pair_terminal))


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
        self._action = tables.action
        self._goto = tables.goto
        self._action_pairs = tables.action_pairs
        self._rule_len = tables.rule_len
        self._rule_lhs = tables.rule_lhs
        self.n_states = tables.n_states
        self._memo: dict = {}
        self._leaves: dict = {}     # each distinct answer once, shared by the trees' leaves

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
        action, goto, rule_len, rule_lhs = self._action, self._goto, self._rule_len, self._rule_lhs
        real = [stack[0]]
        cursor = stack
        reads: list[tuple[int, int]] = []      # (depth, state) in the order first consulted

        def real_at(k: int) -> int:
            """The k-th state from the top of the persistent stack (unpacked on demand)."""
            nonlocal cursor
            while len(real) <= k:
                cursor = cursor[1]
                real.append(cursor[0])
            if all(k != d for d, _ in reads):
                reads.append((k, real[k]))
            return real[k]

        def reduce(a: int, pushed: list[int], k: int) -> int:
            """Reduce by rule ~a the stack real[k:] + pushed (`pushed` is updated): the new k."""
            n = rule_len[~a]
            if n <= len(pushed):
                if n:
                    del pushed[-n:]
            else:
                k += n - len(pushed)
                pushed.clear()
            below = pushed[-1] if pushed else real_at(k)
            pushed.append(goto[below][rule_lhs[~a]])
            return k

        def feed(t: int, pushed: list[int], k: int) -> int:
            """Reduce then shift `t` on the stack real[k:] + pushed: the new k, or -1."""
            while True:
                a = action[pushed[-1] if pushed else real_at(k)].get(t)
                if a is None:
                    return -1
                if a >= 0:
                    pushed.append(a)
                    return k
                k = reduce(a, pushed, k)

        def shifted(pushed: list[int], k: int) -> list[int]:
            """The terminals shifted after their reductions from the stack real[k:] + pushed.
            Terminals that reduce by the same rule share that reduction (and the ones after)."""
            out: list[int] = []
            work: list[tuple[list[int], int, list[int] | None]] = [(pushed, k, None)]   # None: every terminal
            while work:
                pushed, k, terms = work.pop()
                row = action[pushed[-1] if pushed else real_at(k)]
                by_rule: dict[int, list[int]] = {}
                for t in row if terms is None else terms:
                    a = row.get(t)
                    if a is None:
                        continue
                    if a >= 0:
                        out.append(t)
                    else:
                        by_rule.setdefault(a, []).append(t)
                for a, group in by_rule.items():
                    after = list(pushed)
                    work.append((after, reduce(a, after, k), group))
            return out

        pushed: list[int] = []
        k = 0
        for t in seq:
            k = feed(t, pushed, k)
            if k < 0:
                leaf = ()
                break
        else:
            ok = shifted(pushed, k)
            ids = frozenset(t for t in ok if t != self.end_id)
            leaf = (ids, frozenset(self.terminals[t] for t in ids), self.end_id in ok)
        leaf = self._leaves.setdefault(leaf, leaf)
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
        p = self._parser
        action, goto, rule_len, rule_lhs = p._action, p._goto, p._rule_len, p._rule_lhs
        stack = self._stack
        while True:
            a = action[stack[0]].get(t)
            if a is None:
                return None
            if a >= 0:
                return LALRState(p, (a, stack))
            for _ in range(rule_len[~a]):
                stack = stack[1]
            stack = (goto[stack[0]][rule_lhs[~a]], stack)

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
