"""compile_lark: a Lark grammar as a CompiledGrammar (context-free constraint).

The pieces: `lark_frontend.load_lark` (grammar text -> IR), `parser.start_parser` (LALR(1)
or Earley, incremental, exact allowed terminals, with the Python indenter when the grammar
has one), `lexer.Lexers` (one lexer DFA per candidate-terminal set, maximal munch) and
`cfg_masks.cfg_mask` (the token mask). A matcher state is a `CFGState`.

Invariants: CFGGrammar is immutable apart from its caches (each filled idempotently, safe
to share between threads); `CFGState`s are immutable; `advance` and `cfg_mask` agree: a
token is in the mask iff `advance` returns a state for it.
"""
from __future__ import annotations

import threading
from typing import Callable

import numpy as np

from constrain.deadline import MAX_COMPILE_SECONDS, check_time, time_limit
from constrain.errors import GrammarError
from constrain.gc_pause import gc_paused
from constrain.grammars.builtin import load_builtin
from constrain.grammars.cfg import Grammar
from constrain.grammars.cfg_masks import LexemeWalks, cfg_mask
from constrain.grammars.earley import EarleyParser
from constrain.grammars.lalr import LALRParser
from constrain.grammars.lark_frontend import load_lark, located_error
from constrain.grammars.lexer import MAX_STATES, LexerDFA, Lexers, lexer_automata
from constrain.grammars.lexer_counts import counted_components
from constrain.grammars.parser import Parser, start_parser
from constrain.matcher import CompiledGrammar, Matcher
from constrain.vocab import Vocabulary


class CFGState:
    """Parser state, the lexer of its candidates, the lexer state, the pending lexeme text
    (kept only where it matters: text-sensitive terminals, i.e. an indenter, and items that
    must be distinct), the distinct items seen so far (distinct_items.py) and the pending
    lexeme's count (0 unless it is a terminal whose length is counted, lexer_counts.py;
    `mask_count`: that count as far as what the state allows depends on it, `count_key`).

    `key` names what the state allows (masks and ends are cached by it): the lexer enters it
    as `lexer.behaviour(q)`, except where distinct items are checked, which read the lexer's
    candidates too (`by_lexer`)."""

    __slots__ = ("parser", "lexer", "q", "text", "seen", "count", "mask_count", "key")

    def __init__(self, parser, lexer: LexerDFA, q: int, text: bytes, seen=None, by_lexer: bool = False,
                 count: int = 0):
        self.parser = parser
        self.lexer = lexer
        self.q = q
        self.text = text
        self.seen = seen
        self.count = count
        self.mask_count = count if count == 0 else lexer.count_key(q, count)
        self.key = (parser.key, (lexer.id, q) if by_lexer else lexer.behaviour(q), text, seen, self.mask_count)

    def __eq__(self, other) -> bool:
        """States of one grammar with equal keys: equal continuations (`Matcher.state`)."""
        return type(other) is CFGState and other.lexer.behaviours is self.lexer.behaviours and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"CFGState(lexer={self.lexer.id}, q={self.q}, text={self.text!r}, parser={self.parser!r})"


class CFGMatcher(Matcher):
    __slots__ = ()

    def _start(self):
        return self.grammar.start_state()

    def _advance(self, state, token_id):
        data = self._vocab.token_bytes(token_id)
        return None if data is None else self.grammar.advance(state, data)

    def _can_end(self, state):
        return self.grammar.can_end(state)

    def _mask(self, state):
        return self.grammar.mask(state)


def _counted_needs_lalr() -> GrammarError:
    return GrammarError("a terminal whose length is counted needs an LALR parser "
                        "(this grammar has conflicts or terminals that share texts)")


_UNSEEN = object()


class CFGGrammar(CompiledGrammar):
    matcher_class = CFGMatcher
    #: masks kept per matcher state (the lexer walks they are built from are kept apart)
    mask_cache_size = 4096

    def __init__(self, grammar: Grammar, vocab: Vocabulary, *, max_lexer_states: int = MAX_STATES,
                 all_readings: bool = False, terminal_dfas: dict | None = None, distinct=None,
                 finish_parser: Callable[[Grammar], Parser] | None = None):
        """`distinct`: a DistinctItems check on the lexemes, or None; `finish_parser`: the
        parser's tables already building (`start_parser(grammar.rules, grammar.start)`)."""
        super().__init__(vocab)
        self.distinct = distinct
        self.ir = grammar
        finish_parser = finish_parser or start_parser(grammar.rules, grammar.start)
        parts = lexer_automata(grammar, max_lexer_states, terminal_dfas)     # a large grammar's tables build meanwhile
        self.parser = finish_parser(grammar)
        check_time()                              # the tables are one step: checked once built
        if not isinstance(self.parser, LALRParser) and counted_components(parts, range(len(parts))):
            raise _counted_needs_lalr()           # found before the lexers are built
        # an LALR parser's action pairs: (LR states, terminal ids), read by the lexer's shards
        # and its overlap check; another parser needs no union before its first lexeme
        pairs = self.parser.state_terminals() if isinstance(self.parser, LALRParser) else None
        action_sets = None if pairs is None else (*pairs, self.parser.terminals, self.parser.n_states)
        self.lexers = Lexers(grammar, max_states=max_lexer_states, all_readings=all_readings,
                             terminal_dfas=terminal_dfas, action_sets=action_sets, unions_on_demand=pairs is None,
                             token_reach=vocab.trie.max_depth, parts=parts)
        if all_readings and pairs is not None and self.lexers.overlap_within(*pairs, self.parser.terminals):
            self.parser = EarleyParser(grammar)
            self.lexers.forget_lr_states()
        if self.lexers.counted:
            # a counted terminal must be alone among the candidates wherever it is lexed: checked
            # here over the LALR action sets (an Earley parser's candidate sets are not known)
            if not isinstance(self.parser, LALRParser):
                raise _counted_needs_lalr()
            self.lexers.check_counted(*pairs, self.parser.terminals)
        self.walks = LexemeWalks(vocab)
        self.ignore = grammar.ignore
        self.text_sensitive = frozenset({grammar.indenter.newline}) if grammar.indenter else frozenset()
        # an Earley parser's states are interned (`id`), and a scan costs a closure: the state
        # after a lexeme is kept per (state id, reading). Kept here, not by the parser, whose
        # states refer to it (a cycle only the cyclic collector would free).
        self._earley_after: dict | None = \
            {} if isinstance(self.parser, EarleyParser) and not self.text_sensitive else None
        self._lexer_of: dict = {}
        self._masks: dict = {}
        self._ends: dict = {}
        self._lock = threading.Lock()

    # --- lexing on top of the parser ---------------------------------------------------------
    def lexer_for(self, parser_state) -> LexerDFA:
        """The lexer of the parser state's candidates (its allowed terminals + ignored ones)."""
        allowed = parser_state.allowed_terminals()
        lexer = self._lexer_of.get(allowed)
        if lexer is None:
            lr_state = parser_state.lr_state if self.lexers.sharded else None
            lexer = self._lexer_of.setdefault(allowed, self.lexers.for_candidates(allowed | self.ignore, lr_state))
        return lexer

    def start_state(self) -> CFGState:
        p = self.parser.initial()
        lexer = self.lexer_for(p)
        return CFGState(p, lexer, lexer.start, b"", None, self.distinct is not None)

    def end_lexeme(self, parser_state, reading: tuple[str, ...], text: bytes):
        """Parser state after a lexeme read as the terminals `reading` (None when the parser
        refuses them all)."""
        kept = self._earley_after
        if kept is None:
            return self._after_lexeme(parser_state, reading, text)
        key = (parser_state.id, reading)
        found = kept.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = kept.setdefault(key, self._after_lexeme(parser_state, reading, text))
        return found

    def _after_lexeme(self, parser_state, reading: tuple[str, ...], text: bytes):
        if len(reading) > 1:
            return parser_state.advance_any(reading)
        terminal = reading[0]
        if terminal in self.ignore:
            return parser_state
        if terminal in self.text_sensitive:
            return parser_state.advance(terminal, text.decode("utf-8"))
        return parser_state.advance(terminal)

    def advance(self, state: CFGState, data: bytes) -> CFGState | None:
        """The state after the bytes `data`, or None when no valid output continues that way."""
        parser, lexer, q, seen = state.parser, state.lexer, state.q, state.seen
        distinct = self.distinct
        keep_text = bool(self.text_sensitive) or (distinct is not None and distinct.guarded(lexer))
        text = state.text
        count = state.count
        pos = 0
        while True:
            if lexer.counted:
                q2, stop, count = lexer.core.walk_until_dead(q, data, pos, count)
            else:
                q2, stop = lexer.core.walk_until_dead(q, data, pos)
            if keep_text:
                text += data[pos:stop]
            reading = lexer.reading[q2]
            if stop == len(data):
                if distinct is not None and not distinct.ends_well(seen, lexer, reading, text):
                    return None
                return CFGState(parser, lexer, q2, text, seen, distinct is not None, count)
            if not reading:
                return None
            if distinct is not None:
                reading, seen = distinct.after(seen, reading, text)
                if not reading:
                    return None
            parser = self.end_lexeme(parser, reading, text)
            if parser is None:
                return None
            lexer = self.lexer_for(parser)
            q, text, pos, count = lexer.start, b"", stop, 0
            keep_text = bool(self.text_sensitive) or (distinct is not None and distinct.guarded(lexer))

    def can_end(self, state: CFGState) -> bool:
        """Whether the output may end here: the pending lexeme completes and the parser accepts."""
        end = self._ends.get(state.key)
        if end is None:
            if state.q == state.lexer.start:
                end = state.parser.can_end()
            else:
                reading = state.lexer.reading[state.q]
                nxt = self.end_lexeme(state.parser, reading, state.text) if reading else None
                end = nxt is not None and nxt.can_end()
            self._ends[state.key] = end
        return end

    def mask(self, state: CFGState) -> np.ndarray:
        mask = self._masks.get(state.key)
        if mask is None:
            mask = cfg_mask(self, state)
            mask.setflags(write=False)
            with self._lock:
                if len(self._masks) >= self.mask_cache_size:
                    self._masks.clear()
                mask = self._masks.setdefault(state.key, mask)
        return mask

    def __repr__(self) -> str:
        return f"CFGGrammar({self.parser.kind}, terminals={len(self.ir.terminals)}, {self.vocab!r})"


def compile_lark(grammar_text: str, vocab: Vocabulary, start: str = "start", *, indenter=None,
                 max_compile_seconds: float | None = MAX_COMPILE_SECONDS) -> CFGGrammar:
    """Compile a Lark grammar against `vocab`. Masks are computed lazily and cached.

    `indenter`: an IndenterSpec for Python-style grammars (`constrain.grammars.cfg.PYTHON_INDENTER`);
    `max_compile_seconds`: past it, CompileTimeLimitError (deadline.py; None: no limit)."""
    try:
        with gc_paused(), time_limit(max_compile_seconds):
            grammar = load_lark(grammar_text, start, indenter=indenter)
            return CFGGrammar(grammar, vocab)
    except GrammarError as e:
        terminal = getattr(e, "terminal", None)
        if terminal is None or e.line is not None:
            raise
        raise located_error(grammar_text, str(e), terminal) from None


_BUILTIN_CACHE: dict[tuple[str, str], CFGGrammar] = {}


def compile_builtin(name: str, vocab: Vocabulary) -> CFGGrammar:
    """Builtin grammar `name` (json, python, go, sql, arithmetic) compiled against `vocab` (cached)."""
    key = (name, vocab.fingerprint)
    grammar = _BUILTIN_CACHE.get(key)
    if grammar is None:
        grammar = _BUILTIN_CACHE.setdefault(key, CFGGrammar(load_builtin(name), vocab))
    return grammar

