"""Python-style indentation on top of any parser (Lark's Indenter, made incremental).

The lexer hands over the newline terminal with its text (e.g. "\\n\\n    # c\\n    "); the
indentation is the run of spaces/tabs after the text's last line break, measured like
Lark (`spaces + tab_len * tabs`). Inside brackets newlines are ignored.

Invariants:
- states are immutable: (inner parser state, indentation stack, bracket depth, pending);
- the indentation a newline announces is *pending* until the next terminal: it is applied
  (indent/dedent terminals emitted) right before that terminal, and dropped at end of input
  (a trailing whitespace- or comment-only line does not count, as in Python). A newline
  text whose last line is not blank (it ends in a comment) can only be followed by the end;
- `advance` returns None exactly when no complete input continues the state: a dedent to a
  width not on the stack, or indentation the grammar rejects, leaves only the end of input;
- `allowed_terminals` never holds the indent/dedent terminals; it holds the newline iff some
  indentation after it leads somewhere (one terminal of look-ahead past the indentation,
  exact when indent/dedent only follow newlines, as in Python);
- `can_end` emits the remaining dedents, preceded by a final newline when needed.
"""
from __future__ import annotations

from constrain.errors import GrammarError
from constrain.grammars.cfg import IndenterSpec


class IndentingParser:
    """Wraps a parser (LALR or Earley) of a grammar whose indenter is `spec`."""

    def __init__(self, parser, spec: IndenterSpec):
        self.parser = parser
        self.spec = spec
        self.kind = parser.kind
        self.grammar = parser.grammar
        self.terminals = parser.terminals
        self.nl = parser.terminal_id(spec.newline)
        self.indent = parser.terminal_id(spec.indent)
        self.dedent = parser.terminal_id(spec.dedent)
        ids = {name: i for i, name in enumerate(parser.terminals)}
        self.opens = frozenset(ids[n] for n in spec.open_parens if n in ids)
        self.closes = frozenset(ids[n] for n in spec.close_parens if n in ids)
        self.produced = frozenset({self.indent, self.dedent})
        self._visible: dict = {}
        self._names: dict[frozenset[int], frozenset[str]] = {}

    def visible(self, ids: frozenset[int], newline: bool) -> frozenset[int]:
        """`ids` without indent/dedent, with or without the newline."""
        hit = self._visible.get((ids, newline))
        if hit is None:
            hit = (ids | {self.nl} if newline else ids - {self.nl}) - self.produced
            self._visible[(ids, newline)] = hit
        return hit

    def names(self, ids: frozenset[int]) -> frozenset[str]:
        hit = self._names.get(ids)
        if hit is None:
            hit = self._names[ids] = frozenset(self.terminals[t] for t in ids)
        return hit

    def terminal_id(self, name: str) -> int:
        tid = self.parser.terminal_id(name)
        if tid in self.produced:
            raise GrammarError(f"terminal {name!r} is produced by the indenter, not lexed")
        return tid

    def initial(self) -> IndentingParserState:
        return IndentingParserState(self, self.parser.initial(), (0,), 0, None)

    def width(self, text: str) -> int | None:
        """Indentation announced by newline `text`; None when its last line is not blank."""
        if "\n" not in text:
            return None
        line = text.rsplit("\n", 1)[1]
        if line.strip(" \t"):
            return None
        return line.count(" ") + line.count("\t") * self.spec.tab_len

    def real(self, state, seq: tuple[int, ...] = ()) -> bool:
        """After `seq`, some lexed terminal (not indent/dedent) may come next."""
        after = state.lookahead(seq)
        return after is not None and bool(after[0] - self.produced)

    def eof_ok(self, state, levels: tuple[int, ...], seq: tuple[int, ...] = ()) -> bool:
        """After `seq`, the dedents closing `levels` and then the end are accepted."""
        after = state.lookahead(seq + (self.dedent,) * (len(levels) - 1))
        return after is not None and after[1]

    def indentation(self, state, levels, width):
        """(state after the indent/dedent terminals, new stack) for `width`; state None if
        the width is inconsistent or rejected."""
        if width > levels[-1]:
            return state.advance_id(self.indent), levels + (width,)
        while width < levels[-1]:
            levels = levels[:-1]
            state = state.advance_id(self.dedent)
            if state is None:
                return None, levels
        return (state if width == levels[-1] else None), levels

    def newline_viable(self, state, levels, min_width: int = 0) -> bool:
        """After a newline from `state`, some indentation >= min_width (or the end) leads on."""
        nl = (self.nl,)
        if state.lookahead(nl) is None:
            return False
        if levels[-1] >= min_width and self.real(state, nl):
            return True
        if self.eof_ok(state, levels, nl) or self.real(state, nl + (self.indent,)):
            return True
        for k in range(1, len(levels)):
            if levels[-1 - k] < min_width:
                return False
            if self.real(state, nl + (self.dedent,) * k):
                return True
        return False


class IndentingParserState:
    __slots__ = ("_p", "_ps", "_levels", "_depth", "_pending", "_allowed", "_end")

    def __init__(self, parser: IndentingParser, ps, levels, depth, pending):
        self._p = parser
        self._ps = ps              # inner state after the last terminal (a newline if pending)
        self._levels = levels      # indentation stack before the pending indentation
        self._depth = depth        # bracket depth
        self._pending = pending    # None or (inner state after indentation or None, new levels)
        self._allowed = None
        self._end = None

    def _realized(self):
        if self._pending is None:
            return self._ps, self._levels
        return self._pending

    def advance(self, terminal: str, text: str = "") -> IndentingParserState | None:
        return self.advance_id(self._p.terminal_id(terminal), text)

    def advance_id(self, tid: int, text: str = "") -> IndentingParserState | None:
        p = self._p
        if tid in p.produced:
            raise GrammarError("indent/dedent terminals are produced by the indenter, not lexed")
        if tid == p.nl:
            return self._newline(text)
        base, levels = self._realized()
        if base is None:
            return None
        nxt = base.advance_id(tid)
        if nxt is None:
            return None
        depth = self._depth + (tid in p.opens) - (tid in p.closes)
        if depth < 0:
            return None
        return IndentingParserState(p, nxt, levels, depth, None)

    def _newline(self, text: str) -> IndentingParserState | None:
        p = self._p
        if self._depth:
            return self
        base, levels = self._realized()
        if base is None:
            return None
        s1 = base.advance_id(p.nl)
        if s1 is None:
            return None
        width = p.width(text)
        s2, new_levels = (None, levels) if width is None else p.indentation(s1, levels, width)
        if not ((s2 is not None and p.real(s2)) or p.eof_ok(s1, levels)):
            return None
        return IndentingParserState(p, s1, levels, 0, (s2, new_levels))

    def allowed_ids(self) -> frozenset[int]:
        if self._allowed is None:
            p = self._p
            base, levels = self._realized()
            if base is None:
                self._allowed = frozenset()
            else:
                ids = base.allowed_ids()
                newline = bool(self._depth) or (p.nl in ids and p.newline_viable(base, levels))
                self._allowed = p.visible(ids, newline)
        return self._allowed

    def allowed_terminals(self) -> frozenset[str]:
        return self._p.names(self.allowed_ids())

    def can_end(self) -> bool:
        if self._end is None:
            p = self._p
            if self._depth:
                self._end = False
            elif self._pending is not None:
                self._end = p.eof_ok(self._ps, self._levels)
            else:
                self._end = p.eof_ok(self._ps, self._levels) or p.eof_ok(self._ps, self._levels, (p.nl,))
        return self._end

    def newline_prefix_viable(self, text_prefix: str, *, more_lines: bool = True) -> bool:
        """Whether some newline lexeme starting with `text_prefix` (possibly the prefix
        itself) is accepted here. `more_lines`: the newline terminal may still take more
        line breaks after the prefix (true for Python's _NEWLINE); otherwise only more
        spaces/tabs on its last line."""
        p = self._p
        if self._depth:
            return True
        base, levels = self._realized()
        if base is None or p.nl not in base.allowed_ids():
            return False
        if more_lines:
            return p.newline_viable(base, levels)
        width = p.width(text_prefix)
        if width is None:
            return p.eof_ok(base, levels, (p.nl,))
        return p.newline_viable(base, levels, width)

    @property
    def key(self):
        pending = None if self._pending is None else (self._pending[1], self._pending[0] is not None)
        return (self._ps.key, self._levels, self._depth, pending)

    def __repr__(self) -> str:
        return f"IndentingParserState(levels={self._levels}, depth={self._depth}, pending={self._pending})"
