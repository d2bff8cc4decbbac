"""Token bytes from a transformers tokenizer: fast ones through their tokenizer.json, slow
ones by probing how they spell bytes (policy: see constrain/tokenizers/__init__.py)."""
from __future__ import annotations

import hashlib

from constrain.errors import VocabularyError
from constrain.tokenizers.tokenizer_json import (
    _HF_CACHE,
    KNOWN_END_TOKENS,
    _byte_fallback,
    _byte_level_bytes,
    _cache_get,
    _cache_put,
    _no_eos_error,
    _norm_eos,
    analyze_tokenizer_json,
)


# --- from transformers --------------------------------------------------------------------------
def vocabulary_from_hf(cls, tokenizer, *, eos_token_ids=None, size=None):
    """A Vocabulary from a transformers tokenizer (or a bare `tokenizers.Tokenizer`).

    Tokenizers with a `tokenizers` backend are read from their serialized JSON, exactly as
    `vocabulary_from_file`; others (pure-Python "slow" tokenizers) best effort, see `_slow_tokens`.
    """
    eos = _norm_eos(eos_token_ids)
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None and type(tokenizer).__module__.startswith("tokenizers"):
        if hasattr(tokenizer, "to_str"):
            backend = tokenizer
    hf_eos = _hf_eos_ids(tokenizer) if backend is not tokenizer else []
    hf_special = _hf_special_ids(tokenizer) if backend is not tokenizer else set()
    if backend is None:
        return _vocabulary_from_slow(cls, tokenizer, eos, size, hf_eos, hf_special)

    text = backend.to_str()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    key = (cls, digest, eos, None if size is None else int(size), tuple(hf_eos), tuple(sorted(hf_special)))
    hit = _cache_get(_HF_CACHE, key)
    if hit is not None:
        return hit
    info = analyze_tokenizer_json(text)
    tokens = list(info.tokens)
    for i in hf_special:
        if 0 <= i < len(tokens):
            tokens[i] = None
    if eos is None:
        found = list(hf_eos) + info.known_end_ids()
        if not found:
            raise _no_eos_error(f"tokenizer {type(tokenizer).__name__}")
        eos = tuple(sorted(set(found)))
    vocab = cls(tokens, eos, size=size)
    _cache_put(_HF_CACHE, key, vocab)
    return vocab


def _hf_eos_ids(tokenizer) -> list[int]:
    eid = getattr(tokenizer, "eos_token_id", None)
    if isinstance(eid, int):
        return [eid]
    if isinstance(eid, (list, tuple)):
        return [int(i) for i in eid if isinstance(i, int)]
    return []


def _hf_special_ids(tokenizer) -> set[int]:
    ids: set[int] = set()
    try:
        ids.update(int(i) for i in (getattr(tokenizer, "all_special_ids", None) or []) if i is not None)
    except (TypeError, ValueError):
        pass
    try:
        dec = getattr(tokenizer, "added_tokens_decoder", None) or {}
        for i, tok in dec.items():
            if getattr(tok, "special", False):
                ids.add(int(i))
    except (TypeError, AttributeError):
        pass
    return ids


_PROBE = "Ab é\n€ 中\t"


def _slow_spellers(tokenizer) -> list:
    """Candidate `token string -> bytes` rules for a pure-Python tokenizer, most specific first."""
    out = []
    byte_decoder = getattr(tokenizer, "byte_decoder", None)
    if isinstance(byte_decoder, dict) and byte_decoder:
        def by_table(s, _t=byte_decoder):
            try:
                return bytes(_t[c] for c in s)
            except KeyError:
                return s.encode("utf-8")
        out.append(by_table)
    out.append(_byte_level_bytes)

    def latin1(s):  # one character per byte (ByT5 and friends)
        try:
            return s.encode("latin-1")
        except UnicodeEncodeError:
            return s.encode("utf-8")
    out.append(latin1)

    def sentencepiece(s):
        b = _byte_fallback(s)
        if b is not None:
            return bytes((b,))
        return s.replace("\u2581", " ").encode("utf-8")
    out.append(sentencepiece)
    out.append(lambda s: s.encode("utf-8"))
    return out


def _slow_tokens(tokenizer, hf_special: set[int]) -> list[bytes | None]:
    """Best-effort bytes per id of a tokenizer without a `tokenizers` backend.

    The spelling rule is chosen by probing: the tokens of a probe text must spell the probe's UTF-8
    (or " " + it, for a SentencePiece dummy prefix) under the rule.
    """
    try:
        vocab = tokenizer.get_vocab()
    except Exception as exc:  # noqa: BLE001 - any failure of a third-party tokenizer
        raise VocabularyError(f"cannot read the vocabulary of {type(tokenizer).__name__}: {exc}") from None
    probe_tokens = tokenizer.tokenize(_PROBE)
    target = _PROBE.encode("utf-8")
    speller = None
    for rule in _slow_spellers(tokenizer):
        got = b"".join(rule(t) for t in probe_tokens)
        if got == target or got == b" " + target:
            speller = rule
            break
    if speller is None:
        raise VocabularyError(
            f"cannot work out how the tokens of {type(tokenizer).__name__} spell bytes; "
            "use a fast (tokenizers-backed) tokenizer or pass token bytes to Vocabulary(...)"
        )
    added = {}
    try:
        added = {int(i): t for i, t in (getattr(tokenizer, "added_tokens_decoder", None) or {}).items()}
    except (TypeError, AttributeError, ValueError):
        added = {}
    ids = set(vocab.values()) | set(added)
    n = max(ids) + 1 if ids else 0
    tokens: list[bytes | None] = [None] * n
    for s, i in vocab.items():
        if i in added:
            continue
        tokens[i] = speller(s)
    for i, t in added.items():
        if getattr(t, "special", False) or i in hf_special:
            continue
        tokens[i] = str(t).encode("utf-8")
    for i in hf_special:
        if 0 <= i < n:
            tokens[i] = None
    return tokens


def _vocabulary_from_slow(cls, tokenizer, eos, size, hf_eos, hf_special):
    tokens = _slow_tokens(tokenizer, hf_special)
    if eos is None:
        found = list(hf_eos)
        try:
            vocab = tokenizer.get_vocab()
        except Exception:  # noqa: BLE001
            vocab = {}
        for name in KNOWN_END_TOKENS:
            i = vocab.get(name)
            if i is not None and i in hf_special:
                found.append(i)
        if not found:
            raise _no_eos_error(f"tokenizer {type(tokenizer).__name__}")
        eos = tuple(sorted(set(found)))
    return cls(tokens, eos, size=size)
