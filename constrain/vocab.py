"""Vocabulary: the exact bytes of every token id of a tokenizer, and its token trie.

Invariants:
- `size` is the width of the model's logits (>= the number of token ids the tokenizer has);
  ids without bytes (special tokens, padding ids past the tokenizer) are never allowed by a
  mask; EOS ids are allowed only where a constraint says the output may end;
- an EOS id is never treated as text, even when the tokenizer gives it a spelling;
- a token with empty bytes is never allowed (it would let a model stall forever).
"""
from __future__ import annotations

import hashlib
from typing import Iterable, Sequence

import numpy as np

from constrain.errors import VocabularyError


def mask_words(size: int) -> int:
    """Number of int32 words of a token bitmask over `size` ids."""
    return (size + 31) // 32


class Vocabulary:
    def __init__(
        self,
        tokens: Sequence[bytes | None],
        eos_token_ids: Iterable[int],
        size: int | None = None,
    ):
        tokens = list(tokens)
        size = len(tokens) if size is None else int(size)
        if size < len(tokens):
            raise VocabularyError(f"size={size} is smaller than the {len(tokens)} tokens given")
        eos = tuple(sorted({int(i) for i in eos_token_ids}))
        if not eos:
            raise VocabularyError("a Vocabulary needs at least one EOS token id")
        for i in eos:
            if not 0 <= i < size:
                raise VocabularyError(f"EOS token id {i} is outside the vocabulary (size {size})")
        for i, t in enumerate(tokens):
            if t is not None and not isinstance(t, (bytes, bytearray)):
                raise VocabularyError(f"token {i} must be bytes or None, got {type(t).__name__}")
        text: list[bytes | None] = [bytes(t) if t else None for t in tokens]
        for i in eos:
            if i < len(text):
                text[i] = None
        # a tuple of bytes and None: the cyclic collector stops tracking it at its first pass,
        # where a list of 128k tokens would be traversed by every full collection
        self._tokens = tuple(text)
        self._size = size
        self._eos = eos
        self._trie = None
        self._fingerprint = None
        self.eos_mask = np.zeros(mask_words(size), dtype=np.int32)
        for i in eos:
            self.eos_mask.view(np.uint32)[i // 32] |= np.uint32(1 << (i % 32))
        self.eos_mask.setflags(write=False)

    # --- the basic facts ---------------------------------------------------------------
    @property
    def size(self) -> int:
        """Width of the logits (and of every mask), in token ids."""
        return self._size

    @property
    def n_words(self) -> int:
        return mask_words(self._size)

    @property
    def eos_token_ids(self) -> tuple[int, ...]:
        return self._eos

    def token_bytes(self, token_id: int) -> bytes | None:
        """The bytes token `token_id` adds to the output; None for ids that are never text."""
        if 0 <= token_id < len(self._tokens):
            return self._tokens[token_id]
        if 0 <= token_id < self._size:
            return None
        raise VocabularyError(f"token id {token_id} is outside the vocabulary (size {self._size})")

    @property
    def tokens(self) -> list[bytes | None]:
        """Bytes per id (a copy), None for ids that are never text."""
        return list(self._tokens)

    @property
    def fingerprint(self) -> str:
        """A hash of the token bytes, EOS ids and size: the key of every per-vocabulary cache."""
        if self._fingerprint is None:
            h = hashlib.sha256(f"{self._size}|{self._eos}|".encode())
            for t in self._tokens:
                h.update(b"\x00" if t is None else len(t).to_bytes(4, "little") + t)
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    @property
    def trie(self):
        """The C++ token trie over every text token, split into slices (token_slices.py;
        built on first use)."""
        if self._trie is None:
            from constrain._core import TokenTrie
            from constrain.automata.token_slices import slice_languages, slice_of_tokens

            self._trie = TokenTrie(self._tokens, self._size, slice_of_tokens(self._tokens), slice_languages())
        return self._trie

    def prepare(self) -> "Vocabulary":
        """Build the token trie and the fingerprint now rather than on first use (the first
        compile against this vocabulary would wait for them otherwise); returns self."""
        self.trie, self.fingerprint    # noqa: B018 - the properties build and keep them
        return self

    def __repr__(self) -> str:
        return f"Vocabulary(size={self._size}, eos_token_ids={self._eos})"

    # --- constructors from real tokenizers (constrain/tokenizers/ does the work) -------
    @classmethod
    def from_hf(cls, tokenizer, *, eos_token_ids: Iterable[int] | None = None, size: int | None = None):
        """From a transformers tokenizer (fast or slow)."""
        from constrain.tokenizers import vocabulary_from_hf

        return vocabulary_from_hf(cls, tokenizer, eos_token_ids=eos_token_ids, size=size)

    @classmethod
    def from_file(cls, path, *, eos_token_ids: Iterable[int] | None = None, size: int | None = None):
        """From a `tokenizer.json` file (or a folder holding one)."""
        from constrain.tokenizers import vocabulary_from_file

        return vocabulary_from_file(cls, path, eos_token_ids=eos_token_ids, size=size)

    @classmethod
    def from_tiktoken(cls, encoding, *, eos_token_ids: Iterable[int] | None = None, size: int | None = None):
        """From a `tiktoken.Encoding` or a `.tiktoken` ranks file."""
        from constrain.tokenizers import vocabulary_from_tiktoken

        return vocabulary_from_tiktoken(cls, encoding, eos_token_ids=eos_token_ids, size=size)
