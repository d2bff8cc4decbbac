"""An incremental Earley recognizer (with Aycock–Horspool nullable handling) for any
reduced CFG: ambiguous, left-recursive, non-LALR.

Invariants:
- a state is one Earley set, immutable once built; its items are `(item, origin)` where
  `origin` is the Earley set the item started in (a direct reference, so sets share the
  chart prefix and keep alive only what completion can still reach);
- items whose origin is the set itself are the *static* part: they depend only on which
  nonterminals the set predicts, so they are computed once per predicted set and shared.
  Predicting a nullable nonterminal also advances over it (Aycock–Horspool), so no item
  completes into its own set at parse time;
- `allowed_terminals` (terminals after a dot) and `can_end` (`$start -> start .` from the
  first set) are exact because the grammar is reduced: every item lies on a derivation of
  some complete sentence;
- `key` is an int that the parser interns from the set's items (origins by their key), so
  equal keys mean identical future behaviour. The intern table (and the `lookahead` memo)
  grows with the distinct sets seen by this parser.
"""
from __future__ import annotations

import numpy as np

from constrain._core import encode_rules, nullable_nonterminals
from constrain.grammars.cfg import Grammar, lookup_terminal, symbol_ids


class _Static:
    """The items a set predicts for itself (origin = the set)."""

    __slots__ = ("by_next", "terminals", "accept", "nts")

    def __init__(self, by_next: dict[int, tuple[int, ...]], accept: bool, nts: frozenset[int]):
        self.by_next = by_next
        self.terminals = frozenset(s for s in by_next if s >= 0)
        self.accept = accept
        self.nts = nts


class EarleyParser:
    kind = "earley"

    def __init__(self, grammar: Grammar):
        self.grammar = grammar
        self.terminals = grammar.parser_terminals
        self._ids, ntid = symbol_ids(grammar.rules)
        aug = len(ntid)
        # the LALR builder's encoding, whose rule 0 ($start -> start $END) becomes $start -> start
        lhs, begin, rhs = encode_rules(grammar.rules, ntid, self._ids, ntid[grammar.start], len(self.terminals))
        rhs = np.delete(rhs, 1)
        begin[1:] -= 1
        self._nullable = nullable_nonterminals(lhs, begin, rhs, len(self.terminals), aug + 1).tolist()
        # items: rule r's lie at first[r] .. first[r] + len(rhs of r), the last one complete
        length = np.diff(begin)
        first = begin + np.arange(len(begin))
        complete = first[1:] - 1
        nxt = np.empty(len(rhs) + len(lhs), dtype=np.int64)
        nxt[np.delete(np.arange(len(nxt)), complete)] = rhs
        self._next: list[int | None] = nxt.tolist()
        for it in complete.tolist():
            self._next[it] = None
        item_lhs = np.repeat(lhs, length + 1)
        item_lhs[:first[1]] = -1                       # the augmented rule's items
        self._lhs: list[int] = item_lhs.tolist()       # item -> lhs of its rule, or -1
        by_lhs = np.argsort(lhs, kind="stable")
        cuts = np.searchsorted(lhs[by_lhs], np.arange(aug + 2)).tolist()
        starts = first[by_lhs].tolist()
        # tuples of ints, which the cyclic collector stops tracking (a live parser's lists
        # would be rescanned by every full collection)
        self._start_items = tuple(tuple(starts[cuts[n]:cuts[n + 1]]) for n in range(aug + 1))
        self._static_by_pred: dict[frozenset[int], _Static] = {}
        self._static_by_nts: dict[frozenset[int], _Static] = {}
        self._intern: dict[tuple, int] = {}
        self._names: dict[frozenset[int], frozenset[str]] = {}
        self._lookahead: dict[tuple[int, tuple[int, ...]], tuple[frozenset[int], bool] | None] = {}
        # the initial set's parts, not the set: a state refers to its parser, and a parser
        # holding a state would be a reference cycle that only the cyclic collector frees
        self._initial_static = self._static(frozenset({aug}))

    def terminal_id(self, name: str) -> int:
        return lookup_terminal(self._ids, name)

    def initial(self) -> EarleyState:
        return EarleyState(self, {}, self._initial_static, False, ())

    def _static(self, predicted: frozenset[int]) -> _Static:
        hit = self._static_by_pred.get(predicted)
        if hit is not None:
            return hit
        nxt, nullable, start_items = self._next, self._nullable, self._start_items
        nts, todo, items = set(predicted), [], set()
        for n in predicted:
            todo.extend(start_items[n])
        by_next: dict[int, list[int]] = {}
        accept = False
        while todo:
            it = todo.pop()
            if it in items:
                continue
            items.add(it)
            sym = nxt[it]
            if sym is None:
                accept |= self._lhs[it] == -1
                continue
            by_next.setdefault(sym, []).append(it)
            if sym < 0:
                if ~sym not in nts:
                    nts.add(~sym)
                    todo.extend(start_items[~sym])
                if nullable[~sym]:
                    todo.append(it + 1)
        key = frozenset(nts)
        static = self._static_by_nts.get(key)
        if static is None:
            static = self._static_by_nts[key] = _Static(
                {s: tuple(v) for s, v in by_next.items()}, accept, key)
        self._static_by_pred[predicted] = static
        return static

    def _scan(self, cur: EarleyState, ts: tuple[int, ...]) -> EarleyState | None:
        """The set after a terminal that is any of `ts` (one lexeme with several readings)."""
        seeds = [(it + 1, o) for t in ts for it, o in cur.waiting(t)]
        if not seeds:
            return None
        nxt, lhs_of, nullable = self._next, self._lhs, self._nullable
        seen: set[tuple[int, int]] = set()
        dyn: dict[int, list] = {}
        predicted: set[int] = set()
        accept = False
        todo = seeds
        while todo:
            it, o = todo.pop()
            mark = (it, o.id)
            if mark in seen:
                continue
            seen.add(mark)
            sym = nxt[it]
            if sym is None:
                lhs = lhs_of[it]
                if lhs == -1:
                    accept = True
                else:
                    todo.extend((it2 + 1, o2) for it2, o2 in o.waiting(~lhs))
                continue
            dyn.setdefault(sym, []).append((it, o))
            if sym < 0:
                predicted.add(~sym)
                if nullable[~sym]:
                    todo.append((it + 1, o))
        return EarleyState(self, dyn, self._static(frozenset(predicted)), accept, frozenset(seen))


class EarleyState:
    """One Earley set = one immutable parser state."""

    __slots__ = ("_parser", "_dyn", "_static", "_accept", "id", "_allowed")

    def __init__(self, parser: EarleyParser, dyn, static: _Static, accept: bool, marks):
        self._parser = parser
        self._dyn = dyn
        self._static = static
        self._accept = accept or static.accept
        key = (marks, static.nts)
        self.id = parser._intern.setdefault(key, len(parser._intern))
        self._allowed = None

    def waiting(self, sym: int) -> list:
        out = list(self._dyn.get(sym, ()))
        out.extend((it, self) for it in self._static.by_next.get(sym, ()))
        return out

    def advance_id(self, t: int) -> EarleyState | None:
        return self._parser._scan(self, (t,))

    def advance(self, terminal: str, text: str = "") -> EarleyState | None:
        return self._parser._scan(self, (self._parser.terminal_id(terminal),))

    def advance_any(self, terminals: tuple[str, ...]) -> EarleyState | None:
        return self._parser._scan(self, tuple(self._parser.terminal_id(t) for t in terminals))

    def allowed_ids(self) -> frozenset[int]:
        if self._allowed is None:
            self._allowed = self._static.terminals | {s for s in self._dyn if s >= 0}
        return self._allowed

    def allowed_terminals(self) -> frozenset[str]:
        ids = self.allowed_ids()
        cache = self._parser._names
        hit = cache.get(ids)
        if hit is None:
            hit = cache[ids] = frozenset(self._parser.terminals[t] for t in ids)
        return hit

    def can_end(self) -> bool:
        return self._accept

    def lookahead(self, seq: tuple[int, ...]) -> tuple[frozenset[int], bool] | None:
        """(allowed ids, can_end) after the terminal ids `seq`, or None if `seq` is rejected."""
        memo = self._parser._lookahead
        key = (self.id, seq)
        if key not in memo:
            state = self
            for t in seq:
                state = state.advance_id(t)
                if state is None:
                    break
            memo[key] = None if state is None else (state.allowed_ids(), state.can_end())
        return memo[key]

    @property
    def key(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"EarleyState(id={self.id})"


