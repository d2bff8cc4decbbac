"""Token masks of a context-free grammar: where a CFG mask is computed.

A matcher state is (parser state P, lexer L for P's candidates, lexer state q, pending
lexeme text). A token is allowed iff its bytes, lexed from q by the maximal-munch rule of
constrain/grammars/lexer.py, end inside a live lexeme and every lexeme they complete is
accepted by the parser in turn. The mask is assembled from lexer-only walks, cached and
shared across parser states:

- `LexemeWalk` (C++ `lexeme_walk`): from lexer state q over a set of trie subtrees, the
  tokens that stay inside the current lexeme (`alive`) and the *boundaries*: trie nodes
  whose byte would kill the lexer right after an accepting state r, grouped by r and kept
  with r's reading. A walk from the trie root takes the plain-text token slices whole where
  they cannot leave the lexeme (constrain/automata/token_slices.py). It depends only on what
  (L, q) does (`L.behaviour(q)`, shared by all lexers whose candidates are in the same
  states) and the subtree set, so it is cached by a key naming those.
- Per boundary group, the lexeme ends read as `L.reading[r]`; the parser advances on it
  (the one parser-dependent step); the next lexer walks the group's subtrees from its start
  state: another cached LexemeWalk, keyed by that lexer's behaviour and the subtrees
  themselves (their node ids as bytes: the positions of a length-bounded string are as many
  lexer states, and their walks end at the same boundaries), whose own boundaries recurse
  (tokens spanning 3+ terminals). The parser is asked once per group, not once per token.

Grammars with distinct items (JSON Schema uniqueItems, distinct_items.py) then drop the
tokens that would complete a repeated item, re-checked one by one with `advance`. A lexer
with a counted candidate (a string length checked as it is lexed, lexer_counts.py) walks
with the pending lexeme's count where a token could reach its bound (`LexerDFA.count_key`):
such walks are cached by count too, and take a trie slice whole only where the count leaves
room for its longest token (`CountedDFA.room`).

Exactness: a boundary group is kept only if the parser accepts the terminal, and every
parser state's candidates are exactly its allowed terminals, so the mask is the set of
tokens with a valid lexing under the rule above; a live lexer state means the lexeme can
still be completed into some candidate terminal.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from constrain._core import or_ids
from constrain.grammars.lexer import LexerDFA

ROOT = np.zeros(1, dtype=np.uint32)


@dataclass(frozen=True, eq=False)
class LexemeWalk:
    """`alive`: read-only mask words (walks from the trie root) or token ids (walks of
    boundary subtrees, usually few tokens); `groups`: (reading of the lexeme ending there,
    boundary nodes, those nodes' bytes as a key), one per accepting lexer state."""

    alive: np.ndarray
    groups: tuple[tuple[tuple[str, ...], np.ndarray, bytes], ...]


class LexemeWalks:
    """The cache of lexer-only walks of one grammar over one vocabulary."""

    def __init__(self, vocab):
        self.vocab = vocab
        self.trie = vocab.trie
        self._cache: dict[tuple, LexemeWalk] = {}
        self._lines: dict[tuple, list[tuple[bytes, np.ndarray]]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, lexer: LexerDFA, state: int, roots: np.ndarray, count: int = -1) -> LexemeWalk:
        """The walk from `state` (`count`: the pending lexeme's count, for a counted lexer, else -1)."""
        walk = self._cache.get(key)
        if walk is None:
            walk = self._walk(lexer, state, roots, count)
            with self._lock:
                walk = self._cache.setdefault(key, walk)
        return walk

    def _walk(self, lexer: LexerDFA, state: int, roots: np.ndarray, count: int) -> LexemeWalk:
        if roots is ROOT:
            alive = np.zeros(self.vocab.n_words, dtype=np.int32)
            _, groups = lexer.core.lexeme_walk(self.trie, state, roots, alive, count)
        else:
            alive, groups = lexer.core.lexeme_walk(self.trie, state, roots, None, count)
        alive.setflags(write=False)
        reading = lexer.reading
        return LexemeWalk(alive, tuple((reading[r], nodes, nodes.tobytes()) for r, nodes in groups))

    def by_last_line(self, key: tuple, g: int, nodes: np.ndarray, pending: bytes) -> list[tuple[bytes, np.ndarray]]:
        """Boundary nodes of a text-sensitive lexeme (the indenter's newline) grouped by the
        lexeme's last line, from its last line break on (all the indenter reads): each node's
        lexeme text is `pending` + the node's bytes before its own byte."""
        pending_tail = _last_line(pending)
        cache_key = ("lines", key, g, pending_tail)
        groups = self._lines.get(cache_key)
        if groups is None:
            by_text: dict[bytes, list[int]] = {}
            for node in nodes.tolist():
                text = self.trie.node_bytes(node)[:-1]
                tail = _last_line(text) if b"\n" in text else pending_tail + text
                by_text.setdefault(tail, []).append(node)
            groups = [(text, np.array(ns, dtype=np.uint32)) for text, ns in by_text.items()]
            self._lines[cache_key] = groups
        return groups

    def __len__(self) -> int:
        return len(self._cache)


def _last_line(text: bytes) -> bytes:
    """`text` from its last line break on (all of it when it has none)."""
    i = text.rfind(b"\n")
    return text if i < 0 else text[i:]


def cfg_mask(grammar, state) -> np.ndarray:
    """The allowed tokens in matcher state `state` of CFGGrammar `grammar` (a new array)."""
    walks = grammar.walks
    lexer = state.lexer
    # a counted lexer's walk depends on the pending lexeme's count too, near its bound
    count = state.mask_count if lexer.counted else -1
    key = ("top", lexer.behaviour(state.q)) if count < 0 else ("top", lexer.behaviour(state.q), count)
    walk = walks.get(key, lexer, state.q, ROOT, count)
    crossing: list[np.ndarray] = []
    _add_boundaries(grammar, crossing, state.parser, state.text, walk, key)
    out = walk.alive | grammar.vocab.eos_mask if grammar.can_end(state) else walk.alive.copy()
    if crossing:
        or_ids(out, np.concatenate(crossing))
    if grammar.distinct is not None:
        grammar.distinct.refuse_duplicates(grammar, state, out)
    return out


def _add_boundaries(grammar, out: list, parser_state, pending: bytes, walk: LexemeWalk, key) -> None:
    """Append to `out` the ids of the tokens that cross the boundaries of `walk` into later lexemes."""
    text_sensitive = grammar.text_sensitive
    for g, (reading, nodes, nodes_key) in enumerate(walk.groups):
        if reading[0] in text_sensitive:
            # a group's nodes depend on the pending line too (one line text can come from
            # different pending/node splits), so the pending line is part of the walk key
            pending_line = _last_line(pending)
            for text, group in grammar.walks.by_last_line(key, g, nodes, pending):
                nxt = grammar.end_lexeme(parser_state, reading, text)
                if nxt is not None:
                    _follow(grammar, out, nxt, (key, g, pending_line, text), group)
        else:
            nxt = grammar.end_lexeme(parser_state, reading, b"")
            if nxt is not None:
                _follow(grammar, out, nxt, nodes_key, nodes)


def _follow(grammar, out: list, parser_state, key, roots: np.ndarray) -> None:
    """Walk `roots` with the lexer of `parser_state` from its start (`key` names the roots)."""
    lexer = grammar.lexer_for(parser_state)
    sub_key = (lexer.behaviour(lexer.start), key)
    walk = grammar.walks.get(sub_key, lexer, lexer.start, roots, 0 if lexer.counted else -1)
    if walk.alive.size:
        out.append(walk.alive)
    if walk.groups:
        _add_boundaries(grammar, out, parser_state, b"", walk, sub_key)
