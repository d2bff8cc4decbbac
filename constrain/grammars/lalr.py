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
  viable prefix has a completion). The simulation's answer depends only on the top states
  it reads, so it is memoized in a decision tree keyed by those states, top first; the same
  holds after any fixed terminal sequence (`lookahead`), memoized per sequence.
"""
from __future__ import annotations

from dataclasses import dataclass

from constrain.errors import GrammarError
from constrain.grammars.cfg import Grammar, lookup_terminal, nullable_table


@dataclass(frozen=True)
class LALRTables:
    action: list[dict[int, int]]   # state -> terminal id -> shift target (>= 0) or ~rule
    goto: list[dict[int, int]]     # state -> nonterminal id -> state
    rule_len: list[int]
    rule_lhs: list[int]
    conflicts: tuple[str, ...]


def build_lalr(grammar: Grammar) -> LALRTables:
    terms = grammar.parser_terminals
    tid = {name: i for i, name in enumerate(terms)}
    end = len(terms)
    nts = sorted(grammar.nonterminals)
    ntid = {name: i for i, name in enumerate(nts)}
    aug = len(nts)
    # symbols: terminal ids >= 0, nonterminal n encoded as ~n
    rules: list[tuple[int, tuple[int, ...]]] = [(aug, (~ntid[grammar.start], end))]
    for r in grammar.rules:
        rules.append((ntid[r.lhs], tuple(~ntid[s] if s in ntid else tid[s] for s in r.rhs)))
    by_lhs: list[list[int]] = [[] for _ in range(aug + 1)]
    for i, (lhs, _) in enumerate(rules):
        by_lhs[lhs].append(i)

    nullable = nullable_table(rules, aug + 1)

    # LR(0) items: item = base[r] + dot
    base, item_next, item_rule = [], [], []
    for i, (_, rhs) in enumerate(rules):
        base.append(len(item_next))
        item_next.extend(rhs)
        item_next.append(None)
        item_rule.extend([i] * (len(rhs) + 1))
    predicted: list[frozenset[int]] = []     # nonterminals whose rules an item on n brings in
    for n in range(aug + 1):
        seen, todo = {n}, [n]
        while todo:
            for r in by_lhs[todo.pop()]:
                rhs = rules[r][1]
                if rhs and rhs[0] < 0 and ~rhs[0] not in seen:
                    seen.add(~rhs[0])
                    todo.append(~rhs[0])
        predicted.append(frozenset(seen))
    start_items = [[base[r] for r in by_lhs[n]] for n in range(aug + 1)]

    kernels: dict[tuple[int, ...], int] = {(base[0],): 0}
    kernel_list = [(base[0],)]
    trans: list[dict[int, int]] = []
    reductions: list[list[int]] = []
    s = 0
    while s < len(kernel_list):
        items = list(kernel_list[s])
        pred: set[int] = set()
        for it in kernel_list[s]:
            sym = item_next[it]
            if sym is not None and sym < 0:
                pred |= predicted[~sym]
        for n in pred:
            items.extend(start_items[n])
        groups: dict[int, list[int]] = {}
        reds = []
        for it in items:
            sym = item_next[it]
            if sym is None:
                reds.append(item_rule[it])
            else:
                groups.setdefault(sym, []).append(it + 1)
        row = {}
        for sym, adv in groups.items():
            key = tuple(sorted(set(adv)))
            target = kernels.get(key)
            if target is None:
                target = kernels[key] = len(kernel_list)
                kernel_list.append(key)
            row[sym] = target
        trans.append(row)
        reductions.append(reds)
        s += 1
    n_states = len(kernel_list)

    # DeRemer–Pennello: Read and Follow sets of nonterminal transitions (bitmasks).
    nt_index: dict[tuple[int, int], int] = {}
    nt_trans: list[tuple[int, int]] = []
    for p in range(n_states):
        for sym in trans[p]:
            if sym < 0:
                nt_index[(p, ~sym)] = len(nt_trans)
                nt_trans.append((p, ~sym))
    direct, reads = [], []
    for p, a in nt_trans:
        r = trans[p][~a]
        bits, rel = 0, []
        for sym in trans[r]:
            if sym >= 0:
                bits |= 1 << sym
            elif nullable[~sym]:
                rel.append(nt_index[(r, ~sym)])
        direct.append(bits)
        reads.append(rel)
    read_sets = _digraph(reads, direct)
    includes: list[list[int]] = [[] for _ in nt_trans]
    lookback: dict[tuple[int, int], list[int]] = {}
    for idx, (p, b) in enumerate(nt_trans):
        for r in by_lhs[b]:
            rhs = rules[r][1]
            nullable_from = len(rhs)         # rhs[i + 1:] derives the empty string iff i + 1 >= this
            while nullable_from and rhs[nullable_from - 1] < 0 and nullable[~rhs[nullable_from - 1]]:
                nullable_from -= 1
            q = p
            for i, sym in enumerate(rhs):
                if sym < 0 and i + 1 >= nullable_from:
                    includes[nt_index[(q, ~sym)]].append(idx)
                q = trans[q][sym]
            lookback.setdefault((q, r), []).append(idx)
    follow = _digraph(includes, read_sets)

    action: list[dict[int, int]] = []
    goto: list[dict[int, int]] = []
    conflicts = []
    names = list(terms) + ["$END"]
    for p in range(n_states):
        row = {sym: t for sym, t in trans[p].items() if sym >= 0}
        goto.append({~sym: t for sym, t in trans[p].items() if sym < 0})
        for r in reductions[p]:
            if r == 0:
                continue
            la = 0
            for idx in lookback.get((p, r), ()):
                la |= follow[idx]
            while la:
                low = la & -la               # one lookahead terminal at a time (set bits only)
                la ^= low
                t = low.bit_length() - 1
                if t in row:
                    kind = "shift/reduce" if row[t] >= 0 else "reduce/reduce"
                    conflicts.append(f"{kind} conflict on {names[t]} reducing "
                                     f"{grammar.rules[r - 1]} (state {p})")
                else:
                    row[t] = ~r
        action.append(row)
    return LALRTables(action, goto, [len(rhs) for _, rhs in rules], [lhs for lhs, _ in rules],
                      tuple(conflicts))


def _digraph(rel: list[list[int]], base: list[int]) -> list[int]:
    """F(x) = base(x) | OR of F(y) for x rel+ y (iterative DeRemer–Pennello traversal)."""
    n = len(rel)
    done = n + 1
    result = list(base)
    depth = [0] * n
    order = [0] * n
    stack: list[int] = []
    for root in range(n):
        if depth[root]:
            continue
        stack.append(root)
        depth[root] = order[root] = len(stack)
        work = [(root, 0)]
        while work:
            x, i = work[-1]
            succ = rel[x]
            if i < len(succ):
                work[-1] = (x, i + 1)
                y = succ[i]
                if depth[y] == 0:
                    stack.append(y)
                    depth[y] = order[y] = len(stack)
                    work.append((y, 0))
                    continue
                if depth[y] < depth[x]:
                    depth[x] = depth[y]
                result[x] |= result[y]
                continue
            work.pop()
            if depth[x] == order[x]:
                while True:
                    z = stack.pop()
                    depth[z] = done
                    result[z] = result[x]
                    if z == x:
                        break
            if work:
                parent = work[-1][0]
                if depth[x] < depth[parent]:
                    depth[parent] = depth[x]
                result[parent] |= result[x]
    return result


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
        self._rule_len = tables.rule_len
        self._rule_lhs = tables.rule_lhs
        self.n_states = len(tables.action)
        self._memo: dict = {}

    def terminal_id(self, name: str) -> int:
        return lookup_terminal(self._ids, name)

    def state_terminals(self) -> list[frozenset[str]]:
        """Per LR state, the terminals with an action (a superset of those allowed there)."""
        return [frozenset(self.terminals[t] for t in a if t < self.end_id) for a in self._action]

    def initial(self) -> LALRState:
        return LALRState(self, (0, None))

    def _lookahead(self, stack, seq: tuple[int, ...]):
        """(allowed ids, names, can_end) after feeding the terminals `seq` to `stack`, or
        None when `seq` is rejected; memoized per `seq` in a decision tree over the stack
        states the computation reads (top first)."""
        node = self._memo.get(seq)
        if node is not None:
            node = node.get(stack[0])
            below = stack
            while type(node) is dict:
                below = below[1]
                node = node.get(below[0])
        if node is None:
            node = self._compute(stack, seq)
        return node or None

    def _compute(self, stack, seq):
        action, goto, rule_len, rule_lhs = self._action, self._goto, self._rule_len, self._rule_lhs
        real = [stack[0]]
        cursor = stack

        def real_at(k: int) -> int:
            """The k-th state from the top of the persistent stack (unpacked on demand)."""
            nonlocal cursor
            while len(real) <= k:
                cursor = cursor[1]
                real.append(cursor[0])
            return real[k]

        def feed(t: int, pushed: list[int], k: int):
            """Reduce then shift `t` on the stack real[k:] + pushed: the new k, or -1."""
            while True:
                s = pushed[-1] if pushed else real_at(k)
                a = action[s].get(t)
                if a is None:
                    return -1
                if a >= 0:
                    pushed.append(a)
                    return k
                n = rule_len[~a]
                if n <= len(pushed):
                    if n:
                        del pushed[-n:]
                else:
                    k += n - len(pushed)
                    pushed.clear()
                below = pushed[-1] if pushed else real_at(k)
                pushed.append(goto[below][rule_lhs[~a]])

        pushed: list[int] = []
        k = 0
        for t in seq:
            k = feed(t, pushed, k)
            if k < 0:
                leaf = ()
                break
        else:
            top = pushed[-1] if pushed else real[k]
            ok = [t for t in action[top] if feed(t, list(pushed), k) >= 0]
            ids = frozenset(t for t in ok if t != self.end_id)
            leaf = (ids, frozenset(self.terminals[t] for t in ids), self.end_id in ok)
        tree = self._memo.setdefault(seq, {})
        if len(real) == 1:
            tree[real[0]] = leaf
        else:
            node = tree.setdefault(real[0], {})
            for s in real[1:-1]:
                node = node.setdefault(s, {})
            node[real[-1]] = leaf
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
