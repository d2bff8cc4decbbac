"""Token bytes from tiktoken: a `tiktoken.Encoding` or a `.tiktoken` ranks file
(policy: see constrain/tokenizers/__init__.py)."""
from __future__ import annotations

import base64
import os
from pathlib import Path

from constrain.errors import VocabularyError
from constrain.tokenizers.tokenizer_json import (
    _TIKTOKEN_CACHE,
    KNOWN_END_TOKENS,
    _cache_get,
    _cache_put,
    _norm_eos,
    _stat_key,
)


# --- from tiktoken -----------------------------------------------------------------------------
def _read_tiktoken_ranks(path: Path) -> dict[bytes, int]:
    ranks: dict[bytes, int] = {}
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise VocabularyError(f"cannot read {path}: {exc}") from None
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise VocabularyError(f"{path}:{lineno}: expected '<base64 token> <rank>', got {line[:60]!r}")
        try:
            ranks[base64.b64decode(parts[0], validate=True)] = int(parts[1])
        except ValueError as exc:
            raise VocabularyError(f"{path}:{lineno}: {exc}") from None
    return ranks


def vocabulary_from_tiktoken(cls, encoding, *, eos_token_ids=None, size=None):
    """A Vocabulary from a `tiktoken.Encoding`, or from a `.tiktoken` ranks file.

    Encoding: every mergeable token's bytes (`decode_single_token_bytes`); special tokens are
    None; EOS defaults to `<|endoftext|>` plus special tokens spelt like a known end marker.
    Ranks file (`<base64 token> <rank>` per line): it has no special tokens, so `eos_token_ids` is
    required; the Vocabulary is widened to hold them (or to `size`).
    """
    eos = _norm_eos(eos_token_ids)
    if isinstance(encoding, (str, os.PathLike)):
        p = Path(os.fspath(encoding)).expanduser().resolve()
        if not p.is_file():
            raise VocabularyError(f"no .tiktoken ranks file at {p}")
        if eos is None:
            raise VocabularyError(
                f"a .tiktoken ranks file ({p.name}) names no special tokens: pass eos_token_ids=[...] explicitly"
            )
        key = (cls, "file", _stat_key(p), eos, None if size is None else int(size))
        hit = _cache_get(_TIKTOKEN_CACHE, key)
        if hit is not None:
            return hit
        ranks = _read_tiktoken_ranks(p)
        n = max(ranks.values()) + 1 if ranks else 0
        tokens: list[bytes | None] = [None] * n
        for b, r in ranks.items():
            tokens[r] = b
        width = max([n, max(eos) + 1] + ([int(size)] if size is not None else []))
        if size is not None and int(size) < width:
            raise VocabularyError(f"size={size} is smaller than the ranks file and its EOS ids need ({width})")
        vocab = cls(tokens, eos, size=width)
        _cache_put(_TIKTOKEN_CACHE, key, vocab)
        return vocab

    if not hasattr(encoding, "decode_single_token_bytes"):
        raise VocabularyError(f"expected a tiktoken.Encoding or a .tiktoken path, got {type(encoding).__name__}")
    specials = {}
    for s in sorted(getattr(encoding, "special_tokens_set", set())):
        specials[s] = encoding.encode_single_token(s)
    n = int(encoding.n_vocab)
    key = (cls, "encoding", getattr(encoding, "name", None), n, tuple(sorted(specials.items())),
           id(encoding), eos, None if size is None else int(size))
    hit = _cache_get(_TIKTOKEN_CACHE, key)
    if hit is not None and hit[0] is encoding:
        return hit[1]
    special_ids = set(specials.values())
    tokens = [None] * n
    dec = encoding.decode_single_token_bytes
    for i in range(n):
        if i in special_ids:
            continue
        try:
            tokens[i] = dec(i)
        except KeyError:
            pass
    if eos is None:
        found = []
        for name in ("<|endoftext|>",) + KNOWN_END_TOKENS:
            if name in specials:
                found.append(specials[name])
        if not found:
            raise VocabularyError(
                f"tiktoken encoding {getattr(encoding, 'name', '?')!r} has no <|endoftext|> or other known end "
                "token among its special tokens: pass eos_token_ids=[...] explicitly"
            )
        eos = tuple(sorted(set(found)))
    vocab = cls(tokens, eos, size=size)
    _cache_put(_TIKTOKEN_CACHE, key, (encoding, vocab))
    return vocab
