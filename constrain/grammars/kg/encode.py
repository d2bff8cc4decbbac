"""Tokenizing verbalized paths the way they appear after the open delimiter in context.

Rule (documented in `compile_kg_paths`): the tokens of a span are the tokenizer's encoding of
`open + path + close` (no special tokens added), from the token that holds the last byte of
`open` on:
- when that token ends exactly at the end of `open`, the span's tokens are the ones after it
  (a *clean* start);
- when it also holds the first bytes of the path (byte-level BPE merges ">(" in "<PATH>(x)"),
  the span's tokens start with that *straddling* token, and `rest` is the number of path
  bytes it holds.
With a delimiter that is a special token (one atomic id), that id is the open / close token;
a SentencePiece tokenizer's dummy-prefix space before the text is accepted.
The joined bytes of the tokens are checked against the text, so a tokenizer that would change
the text (normalizers, unknown characters) raises instead of building a wrong trie.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from constrain.errors import ConstrainError
from constrain.vocab import Vocabulary

BatchEncoder = Callable[[list[str]], list[list[int]]]


@dataclass(frozen=True)
class Delimiter:
    """`text` is the delimiter string; `token_id` is set when it is one special token."""

    text: str
    token_id: int | None = None

    @property
    def data(self) -> bytes:
        """The bytes it adds to the output text (none for a special token)."""
        return b"" if self.token_id is not None else self.text.encode("utf-8")


@dataclass(frozen=True)
class SpanTokens:
    """The span tokens of one path; `rest` > 0 marks a straddling first token holding `rest`
    path bytes after the tail of a plain open delimiter."""

    ids: list[int]
    rest: int


def batch_encoder(tokenizer) -> tuple[BatchEncoder, Callable[[str], int | None]]:
    """(encode many texts without special tokens, token id of a token string or None) for a
    `tokenizers.Tokenizer`, a transformers tokenizer, a tokenizer.json path (or its folder),
    or a callable list[str] -> list[list[int]]."""
    if isinstance(tokenizer, (str, Path)):
        from tokenizers import Tokenizer

        path = Path(tokenizer)
        path = path / "tokenizer.json" if path.is_dir() else path
        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as e:  # the tokenizers library raises plain Exceptions
            raise ConstrainError(f"cannot load the tokenizer {path}: {e}") from None
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None and getattr(tokenizer, "is_fast", False):
        added = {t.content for t in backend.get_added_tokens_decoder().values()}
        return _rust_encoder(backend), lambda s: backend.token_to_id(s) if s in added else None
    if hasattr(tokenizer, "encode_batch") and hasattr(tokenizer, "token_to_id"):
        added = {t.content for t in tokenizer.get_added_tokens_decoder().values()}
        return _rust_encoder(tokenizer), lambda s: tokenizer.token_to_id(s) if s in added else None
    if hasattr(tokenizer, "convert_tokens_to_ids"):  # a slow transformers tokenizer
        special = set(getattr(tokenizer, "all_special_tokens", ())) | set(tokenizer.get_added_vocab())

        def encode(texts):
            return [list(x) for x in tokenizer(texts, add_special_tokens=False)["input_ids"]]
        return encode, lambda s: tokenizer.convert_tokens_to_ids(s) if s in special else None
    if callable(tokenizer):
        return tokenizer, lambda s: None
    raise ConstrainError(f"cannot tokenize paths with a {type(tokenizer).__name__}: pass a tokenizers.Tokenizer, "
                         "a transformers tokenizer, a tokenizer.json path or a callable list[str] -> list[list[int]]")


def _rust_encoder(tok) -> BatchEncoder:
    def encode(texts):
        return [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)]
    return encode


def span_tokens(texts: list[str], encode: BatchEncoder, vocab: Vocabulary,
                open_: Delimiter, close: Delimiter) -> list[SpanTokens]:
    """The span tokens of each path text (see the module docstring); raises ConstrainError when
    the tokenizer's ids do not spell the text."""
    token_bytes = vocab.tokens
    out = []
    for text, ids in zip(texts, encode([open_.text + t + close.text for t in texts])):
        ids = list(ids)
        if close.token_id is not None:
            if not ids or ids[-1] != close.token_id:
                raise _spelling_error(text, "does not end with the close token")
            ids, close_ids = ids[:-1], ids[-1:]
        else:
            close_ids = []
        first = 0
        if open_.token_id is not None:
            if not ids or ids[0] != open_.token_id:
                raise _spelling_error(text, "does not start with the open token")
            first = 1
        pieces = [token_bytes[i] if 0 <= i < len(token_bytes) else None for i in ids[first:]]
        if any(p is None for p in pieces):
            raise _spelling_error(text, "contains a token without text bytes")
        spelled = b"".join(pieces)
        expected = open_.data + text.encode("utf-8") + close.data
        if spelled not in (expected, b" " + expected):
            raise _spelling_error(text, f"spells {spelled!r}")
        if open_.token_id is not None:
            out.append(SpanTokens(ids[1:] + close_ids, 0))
            continue
        # the token holding the open's last byte (after a dummy-prefix space, if any)
        boundary = len(open_.data) + len(spelled) - len(expected)
        end = 0
        for k, piece in enumerate(pieces):
            end += len(piece)
            if end >= boundary:
                break
        rest = end - boundary
        out.append(SpanTokens(ids[k + (rest == 0):] + close_ids, rest))
    return out


def _spelling_error(text: str, what: str) -> ConstrainError:
    return ConstrainError(f"the tokenizer's encoding of the path {text!r} {what}; cannot build its span tokens")
