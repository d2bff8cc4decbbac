"""compile_kg_paths: knowledge-graph paths between delimiters as a CompiledGrammar (GCR's KG-Trie).

The language, over the model's token ids:
- outside a span the text is free; EOS is allowed only there;
- a span opens where the output text first contains `open` (plain-string delimiter, found in
  the bytes whatever the tokenization) or at the `open` token (a special-token delimiter);
- inside, the tokens must follow the span tokens of one enumerated path (see encode.py: the
  tokenizer's encoding of `open + path + close`, from the token holding the open's last byte),
  so the close delimiter is forced once the path cannot continue, and the span ends with the
  token that ends `close`; then the text is free again, and more spans may follow. That last
  token may also be any token that writes its bytes and then more text (">\n" for ">" at the
  end of "</PATH>"), the text after it being outside the span.
The token holding the end of a plain `open` either ends exactly there (the span then follows a
path's clean encoding) or also writes the first bytes of the span: then those bytes must be the
ones the straddling first token of some path's encoding holds (">(" in "<PATH>(x)" gives "("),
whichever token writes them (" [(" and "[(" both work for open="["). Anything else, e.g. a
token that completes `open` and then writes bytes no path starts with, is masked: the matcher
never fails open.

With `end_after_close=True` the output ends right after the first span instead (only EOS may
follow `close`): one path per output, GCR's variant that appends EOS to each path, and what
beam search needs to return K distinct paths.

Matcher state (an int): a trie node >= 0 inside a span; -1 - k outside, where k is how many
bytes of `open` the text ends with (KMP state; always 0 with a special-token `open`); `_ENDED`
after the span when `end_after_close`.
"""
from __future__ import annotations

import numpy as np

from constrain._core import or_ids
from constrain.errors import ConstrainError, KnowledgeGraphError
from constrain.grammars.kg.encode import Delimiter, batch_encoder, span_tokens
from constrain.grammars.kg.graph import KGPath, KnowledgeGraph, PathSet
from constrain.grammars.kg.token_trie import PathTokenTrie
from constrain.grammars.kg.verbalize import PathFormat
from constrain.matcher import CompiledGrammar, Matcher
from constrain.vocab import Vocabulary

_CLEAN, _STRADDLE = -1, -2  # virtual first tokens: span starts after / inside the open's last token
_MASK_CACHE = 4096
_ENDED = np.iinfo(np.int32).min


class KGPathMatcher(Matcher):
    __slots__ = ()

    def _start(self):
        return self.grammar.start_state

    def _advance(self, state, token_id):
        return self.grammar.advance(state, token_id)

    def _can_end(self, state):
        return state < 0

    def _mask(self, state):
        return self.grammar.mask(state)


class KGPathGrammar(CompiledGrammar):
    """Verbalized KG paths compiled against one vocabulary: a PathTokenTrie plus the masks
    of the outside states (computed here) and of trie nodes (on first use, bounded cache)."""

    matcher_class = KGPathMatcher

    def __init__(self, paths: PathSet, texts: list[str], sequences, vocab: Vocabulary,
                 open_: Delimiter, close: Delimiter, start_inside: bool = False, end_after_close: bool = False):
        super().__init__(vocab)
        self.paths = paths
        self.texts = texts
        self.open, self.close = open_, close
        self.end_after_close = end_after_close
        # a straddling first token is keyed by the path bytes it holds (a virtual id < -2), so any
        # token that completes `open` and then writes exactly those bytes starts the path
        held: dict[bytes, int] = {}
        rows = []
        for s in sequences:
            if s.rest:
                data = vocab.token_bytes(s.ids[0])[-s.rest:]
                rows.append([_STRADDLE, held.setdefault(data, _STRADDLE - 1 - len(held))] + s.ids[1:])
            else:
                rows.append([_CLEAN] + s.ids)
        self.trie = PathTokenTrie(rows)
        self._clean_root = self.trie.child(0, _CLEAN)
        straddle_root = self.trie.child(0, _STRADDLE)
        self._straddle = {data: self.trie.child(straddle_root, v) for data, v in held.items()}
        self._kmp = _kmp_table(open_.data) if open_.token_id is None else None
        self._outside = self._outside_masks()
        if start_inside and self._clean_root < 0:
            raise ConstrainError("start_inside=True but every path's encoding starts inside the open delimiter's "
                                 "last token; no path can follow a prompt that ends with it")
        #: the state of a fresh matcher: outside, or inside a span the prompt opened
        self.start_state = self._clean_root if start_inside else -1
        self._inside: dict[int, np.ndarray] = {}
        self._exits = self._exit_table(s.ids[-1] for s in sequences)
        self._path_list: list[KGPath] | None = None

    # --- states ------------------------------------------------------------------------
    def advance(self, state: int, token_id: int) -> int | None:
        """The state after `token_id` (never an EOS id), or None when it is not allowed."""
        if state == _ENDED:
            return None
        if state >= 0:
            node = self.trie.child(state, token_id)
            if node >= 0:
                return self._enter(node)
            return self._exit_tokens(state).get(token_id)
        if token_id == self.open.token_id:
            return self._enter(self._clean_root)
        data = self.vocab.token_bytes(token_id)
        return None if data is None else self._after_text(-1 - state, data)

    def _after_text(self, k: int, data: bytes) -> int | None:
        """The state after text `data` written outside a span in KMP state k (0 with a
        special-token `open`), or None when no output continues that way."""
        if self._kmp is None:
            return -1
        k, end = _scan(self._kmp, k, data)
        if end is None:
            return -1 - k
        if end == len(data):
            return self._enter(self._clean_root) if self._clean_root >= 0 else None
        node = self._straddle.get(data[end:], -1)
        return self._enter(node) if node >= 0 else None

    def _exit_tokens(self, node: int) -> dict[int, int]:
        """At a node whose only continuation is the span's last token (text bytes L): the
        tokens that write L and then more text, mapped to the state after them."""
        lo, hi = int(self.trie.child_ptr[node]), int(self.trie.child_ptr[node + 1])
        if self.end_after_close or hi - lo != 1 or not self.trie.is_leaf(int(self.trie.child_node[lo])):
            return {}
        last = self.vocab.token_bytes(int(self.trie.child_token[lo]))
        if not last:
            return {}
        return self._exits.get(last, {})

    def _exit_table(self, last_ids) -> dict[bytes, dict[int, int]]:
        """For each distinct last token L of a span: {token writing L and then more text: the
        state after that text} (empty with end_after_close: no text may follow)."""
        table: dict[bytes, dict[int, int]] = {}
        if self.end_after_close:
            return table
        tokens = self.vocab.tokens
        for last in {tokens[i] for i in set(last_ids)} - {None}:
            exits = {}
            for i, data in enumerate(tokens):
                if data is not None and len(data) > len(last) and data.startswith(last):
                    state = self._after_text(0, data[len(last):])
                    if state is not None:
                        exits[i] = state
            table[last] = exits
        return table

    def _enter(self, node: int) -> int:
        if not self.trie.is_leaf(node):
            return node
        return _ENDED if self.end_after_close else -1

    def mask(self, state: int) -> np.ndarray:
        """Allowed tokens in `state` (read-only; EOS bits iff outside a span)."""
        if state == _ENDED:
            return self.vocab.eos_mask
        if state < 0:
            return self._outside[-1 - state]
        mask = self._inside.get(state)
        if mask is None:
            mask = np.zeros(self.vocab.n_words, np.int32)
            or_ids(mask, self.trie.children(state))
            exits = self._exit_tokens(state)
            if exits:
                or_ids(mask, np.fromiter(exits, np.int32, len(exits)))
            mask.setflags(write=False)
            if len(self._inside) >= _MASK_CACHE:
                self._inside.pop(next(iter(self._inside)))
            mask = self._inside.setdefault(state, mask)
        return mask

    def _outside_masks(self) -> list[np.ndarray]:
        base = self.vocab.eos_mask.copy()
        text_ids, candidates = _text_ids_and_openers(self.vocab, self.open.data)
        or_ids(base, text_ids)
        if self._kmp is None:
            or_ids(base, np.array([self.open.token_id], np.int32))
            base.setflags(write=False)
            return [base]
        masks = []
        for k in range(len(self.open.data)):
            mask = base.copy()
            words = mask.view(np.uint32)
            for i in candidates:
                if self.advance(-1 - k, i) is None:
                    words[i >> 5] &= ~np.uint32(1 << (i & 31))
            mask.setflags(write=False)
            masks.append(mask)
        return masks

    # --- reading paths back --------------------------------------------------------------
    def path(self, index: int) -> KGPath:
        """Path `index` (in PathSet order) as (head, relation, tail) triples."""
        if self._path_list is None:
            self._path_list = list(self.paths)
        return self._path_list[index]

    def paths_in(self, token_ids) -> list[KGPath]:
        """The paths of the completed spans in a token sequence this grammar allows, up to the
        first EOS (raises ConstrainError at the first token it does not allow)."""
        state, found = self.start_state, []
        for n, t in enumerate(map(int, token_ids)):
            if t in self.vocab.eos_token_ids and state < 0:
                break
            nxt = None if t in self.vocab.eos_token_ids else self.advance(state, t)
            if nxt is None:
                raise ConstrainError(f"token {t} at position {n} is not allowed by the KG path grammar")
            node = self.trie.child(state, t) if state >= 0 else self._entry_node(state, t)
            if state >= 0 and node < 0:  # the span's last token, merged with the text after it
                node = int(self.trie.child_node[self.trie.child_ptr[state]])
            if node >= 0 and self.trie.is_leaf(node):
                found.append(self.path(int(self.trie.leaf_sequence[node])))
            state = nxt
        return found

    def _entry_node(self, state: int, token_id: int) -> int:
        """The trie node an outside token enters (before leaving at a leaf), or -1."""
        if self.open.token_id is not None:
            return self._clean_root if token_id == self.open.token_id else -1
        data = self.vocab.token_bytes(token_id)
        k, end = _scan(self._kmp, -1 - state, data)
        if end is None:
            return -1
        return self._clean_root if end == len(data) else self._straddle.get(data[end:], -1)

    def __repr__(self) -> str:
        return (f"KGPathGrammar(paths={len(self.texts)}, trie_nodes={self.trie.n_nodes}, "
                f"open={self.open.text!r}, close={self.close.text!r}, {self.vocab!r})")


def compile_kg_paths(kg: KnowledgeGraph, start_entities, vocab: Vocabulary, *, max_hops: int = 2,
                     format: str = "{e0} -> {r1} -> {e1}", open: str = "<PATH>", close: str = "</PATH>",
                     tokenizer=None, max_paths: int | None = 1_000_000, max_fanout: int | None = None,
                     on_limit: str = "error", start_inside: bool = False,
                     end_after_close: bool = False) -> KGPathGrammar:
    """Constrain the text between `open` and `close` to the paths of `kg` of 1..max_hops hops
    from `start_entities`, written with `format` (see verbalize.py); text outside is free.

    `tokenizer` (a tokenizers.Tokenizer, a transformers tokenizer, a tokenizer.json path, or a
    callable list[str] -> list[list[int]]) must be the one `vocab` was made from: paths are
    tokenized as the model would write them after `open` (see the module docstring).
    A delimiter that is a special token of the tokenizer is used as that one atomic token.
    `max_paths`, `max_fanout` and `on_limit` are passed to `KnowledgeGraph.paths`.
    `start_inside=True` is for prompts that end with `open`: the output starts inside a span.
    `end_after_close=True` ends the output after the first span (one path per output).
    """
    if not isinstance(kg, KnowledgeGraph):
        raise KnowledgeGraphError(f"kg must be a KnowledgeGraph, got {type(kg).__name__}")
    if tokenizer is None:
        raise ConstrainError("compile_kg_paths needs tokenizer=... (the tokenizer of `vocab`) to tokenize "
                             "the paths the way the model writes them")
    fmt = PathFormat(format)
    encode, special_id = batch_encoder(tokenizer)
    open_, close = (_delimiter(name, text, special_id, vocab) for name, text in (("open", open), ("close", close)))
    paths = kg.paths(start_entities, max_hops=max_hops, max_paths=max_paths, max_fanout=max_fanout,
                     on_limit=on_limit)
    if not len(paths):
        raise KnowledgeGraphError(f"no paths of 1..{max_hops} hops start at {start_entities!r}: "
                                  "the constraint would allow no span")
    texts = [fmt.write(e, r) for e, r in paths.name_rows()]
    for text in texts:
        for d in (open_, close):
            if d.text in text:
                raise KnowledgeGraphError(f"the path {text!r} contains the {d.text!r} delimiter")
    return KGPathGrammar(paths, texts, span_tokens(texts, encode, vocab, open_, close), vocab, open_, close,
                         start_inside, end_after_close)


def _delimiter(name: str, text, special_id, vocab: Vocabulary) -> Delimiter:
    if not isinstance(text, str) or not text:
        raise ConstrainError(f"the {name} delimiter must be a non-empty str, got {text!r}")
    token_id = special_id(text)
    if token_id is None or vocab.token_bytes(token_id) is not None:
        return Delimiter(text)  # plain text (an added non-special token is text too)
    if token_id in vocab.eos_token_ids:
        raise ConstrainError(f"the {name} delimiter {text!r} is an EOS token")
    return Delimiter(text, token_id)


_OPENERS: dict[tuple[str, bytes], tuple[np.ndarray, list[int]]] = {}


def _text_ids_and_openers(vocab: Vocabulary, opener: bytes) -> tuple[np.ndarray, list[int]]:
    """(ids of the text tokens, those that can complete `opener` from some KMP state: they
    contain it or start with a proper suffix of it); cached per vocabulary and opener."""
    key = (vocab.fingerprint, opener)
    hit = _OPENERS.get(key)
    if hit is None:
        tokens = vocab.tokens
        text_ids = np.array([i for i, b in enumerate(tokens) if b is not None], np.int32)
        suffixes = tuple(opener[j:] for j in range(1, len(opener)))
        openers = [i for i in text_ids.tolist() if opener and (opener in tokens[i] or tokens[i].startswith(suffixes))]
        if len(_OPENERS) >= 16:
            _OPENERS.pop(next(iter(_OPENERS)))
        hit = _OPENERS.setdefault(key, (text_ids, openers))
    return hit


def _kmp_table(pattern: bytes) -> list[list[int]]:
    """table[k][b]: how many bytes of `pattern` the text ends with after byte b in state k
    (len(pattern) means a full match)."""
    table = [[0] * 256 for _ in range(len(pattern))]
    fallback = 0
    for k, byte in enumerate(pattern):
        if k:
            table[k] = list(table[fallback])
            fallback = table[fallback][byte]
        table[k][byte] = k + 1
    return table


def _scan(table: list[list[int]], k: int, data: bytes) -> tuple[int, int | None]:
    """(KMP state after `data`, None) or (_, offset just past the first complete match)."""
    n = len(table)
    for i, byte in enumerate(data):
        k = table[k][byte]
        if k == n:
            return k, i + 1
    return k, None
