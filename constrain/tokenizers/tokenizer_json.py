"""Token bytes from a `tokenizer.json`: flavour analysis, decoders, EOS detection, and the
Vocabulary caches shared by every source (policy: see constrain/tokenizers/__init__.py)."""
from __future__ import annotations

import collections
import json
import os
import re
from pathlib import Path
from typing import Any

from constrain.errors import VocabularyError


#: Spellings of end-of-generation tokens; a *special* token with one of them is an EOS id.
KNOWN_END_TOKENS = (
    "</s>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|end_of_text|>",
    "<|im_end|>",
    "<end_of_turn>",
    "<eos>",
    "<|end|>",
)

_CACHE_MAX = 16
_FILE_CACHE: "collections.OrderedDict[tuple, Any]" = collections.OrderedDict()
_HF_CACHE: "collections.OrderedDict[tuple, Any]" = collections.OrderedDict()
_TIKTOKEN_CACHE: "collections.OrderedDict[tuple, Any]" = collections.OrderedDict()


def clear_cache() -> None:
    """Forget every cached Vocabulary."""
    _FILE_CACHE.clear()
    _HF_CACHE.clear()
    _TIKTOKEN_CACHE.clear()


def _cache_get(cache, key):
    value = cache.get(key)
    if value is not None:
        cache.move_to_end(key)
    return value


def _cache_put(cache, key, value) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHE_MAX:
        cache.popitem(last=False)


# --- byte-level BPE ---------------------------------------------------------------------------
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table (byte-level BPE vocabularies are spelt in it)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def _byte_level_table() -> dict[int, str]:
    """str.translate table: a byte-level character -> the latin-1 character of its byte.

    Latin-1 characters that are *not* in the byte-level alphabet (space, controls, ...) map to a
    character outside latin-1, so that `.encode("latin-1")` fails for a string that is not pure
    byte-level text (tokenizers then falls back to the string's own UTF-8 for the whole token).
    """
    table: dict[int, str] = {ord(c): chr(b) for b, c in bytes_to_unicode().items()}
    for cp in range(256):
        table.setdefault(cp, "\uffff")
    return table


_BYTE_LEVEL_TABLE = _byte_level_table()


def _byte_level_bytes(s: str) -> bytes:
    try:
        return s.translate(_BYTE_LEVEL_TABLE).encode("latin-1")
    except UnicodeEncodeError:
        return s.encode("utf-8")


def _byte_fallback(s: str) -> int | None:
    """The byte of a `<0xNN>` byte-fallback token, else None (as tokenizers' ByteFallback)."""
    if len(s) == 6 and s.startswith("<0x") and s.endswith(">") and s[3] in _HEX and s[4] in _HEX:
        return int(s[3:5], 16)
    return None


_HEX = frozenset("0123456789abcdefABCDEF")


# --- the decoder, applied to one token as a continuation ---------------------------------------
class _Decoder:
    """A tokenizer.json decoder reduced to `token string -> bytes` for a token mid-text."""

    def __init__(self, steps: list[tuple], flavour: str):
        self.steps = steps
        self.flavour = flavour
        kinds = [s[0] for s in steps]
        if kinds == ["bytelevel"]:
            self._fast = "bytelevel"
        elif set(kinds) <= {"space", "bytefallback"} and steps:
            self._fast = "sp" if "bytefallback" in kinds else "sp-nofallback"
            self._space_chars = tuple({s[1] for s in steps if s[0] == "space"})
        elif not steps:
            self._fast = "plain"
        else:
            self._fast = None

    def __call__(self, s: str) -> bytes:
        fast = self._fast
        if fast == "bytelevel":
            return _byte_level_bytes(s)
        if fast == "sp":
            b = _byte_fallback(s)
            if b is not None:
                return bytes((b,))
        if fast in ("sp", "sp-nofallback"):
            for c in self._space_chars:
                s = s.replace(c, " ")
            return s.encode("utf-8")
        if fast == "plain":
            return s.encode("utf-8")
        return self._slow(s)

    def many(self, strings: list[str]) -> list[bytes]:
        """`[self(s) for s in strings]`, fast for the common flavours."""
        fast = self._fast
        if fast == "bytelevel":
            joined = "".join(strings)
            try:
                # every byte-level character is one byte: cut the translated whole by lengths
                flat = joined.translate(_BYTE_LEVEL_TABLE).encode("latin-1")
            except UnicodeEncodeError:
                return [_byte_level_bytes(x) for x in strings]
            out = []
            pos = 0
            for x in strings:
                end = pos + len(x)
                out.append(flat[pos:end])
                pos = end
            return out
        if fast == "sp" and len(self._space_chars) == 1:
            c = self._space_chars[0]
            out = [x.replace(c, " ").encode("utf-8") for x in strings]
            for k, x in enumerate(strings):
                if len(x) == 6 and x[0] == "<" and x.startswith("<0x"):
                    b = _byte_fallback(x)
                    if b is not None:
                        out[k] = bytes((b,))
            return out
        if fast == "plain":
            return [x.encode("utf-8") for x in strings]
        return [self(x) for x in strings]

    def _slow(self, s: str) -> bytes:
        v: str | bytes = s
        for step in self.steps:
            kind = step[0]
            if kind == "bytelevel":
                if isinstance(v, str):
                    v = _byte_level_bytes(v)
            elif kind == "bytefallback":
                if isinstance(v, str):
                    b = _byte_fallback(v)
                    if b is not None:
                        v = bytes((b,))
            elif kind == "space":
                v = v.replace(step[1], " ") if isinstance(v, str) else v.replace(step[1].encode(), b" ")
            elif kind == "replace":
                _, pattern, content, literal = step
                if isinstance(v, str):
                    v = pattern.sub(lambda _m: content, v)
                elif literal is not None:  # a plain-string pattern applies to raw bytes too
                    v = v.replace(literal.encode("utf-8"), content.encode("utf-8"))
            elif kind == "strip":
                _, content, start, stop = step
                is_str = isinstance(v, str)
                c = content if is_str else content.encode("utf-8")
                n = 0
                while n < start and v[: len(c)] == c:
                    v = v[len(c):]
                    n += 1
                n = 0
                while n < stop and len(v) >= len(c) and v[len(v) - len(c):] == c:
                    v = v[: len(v) - len(c)]
                    n += 1
        return v.encode("utf-8") if isinstance(v, str) else bytes(v)


def _flatten_decoder(dec: dict | None) -> list[dict]:
    if dec is None:
        return []
    if dec.get("type") == "Sequence":
        out: list[dict] = []
        for d in dec.get("decoders", []):
            out.extend(_flatten_decoder(d))
        return out
    return [dec]


def _contains_type(node: Any, kind: str) -> dict | None:
    """The first component of type `kind` in a (possibly Sequence) normalizer/pre-tokenizer."""
    if isinstance(node, dict):
        if node.get("type") == kind:
            return node
        for key in ("normalizers", "pretokenizers", "decoders"):
            for sub in node.get(key) or []:
                found = _contains_type(sub, kind)
                if found is not None:
                    return found
    return None


def _build_decoder(data: dict) -> _Decoder:
    decoder = data.get("decoder")
    model = data.get("model") or {}
    steps: list[tuple] = []
    if decoder is None:
        # No decoder: infer from how the text was split (tokenizers would join tokens with spaces).
        pre = data.get("pre_tokenizer")
        norm = data.get("normalizer")
        meta = _contains_type(pre, "Metaspace")
        if _contains_type(pre, "ByteLevel") is not None:
            return _Decoder([("bytelevel",)], "byte-level")
        rep = _contains_type(norm, "Replace")
        if meta is not None or (rep is not None and rep.get("content") == "\u2581"):
            ch = meta.get("replacement", "\u2581") if meta is not None else "\u2581"
            steps = [("space", ch)]
            if model.get("byte_fallback"):
                steps.append(("bytefallback",))
            return _Decoder(steps, "sentencepiece")
        return _Decoder([], "plain")

    flat = _flatten_decoder(decoder)
    fused = False
    for d in flat:
        kind = d.get("type")
        if kind == "ByteLevel":
            steps.append(("bytelevel",))
        elif kind == "ByteFallback":
            steps.append(("bytefallback",))
        elif kind == "Fuse":
            fused = True
        elif kind == "Metaspace":
            steps.append(("space", d.get("replacement", "\u2581")))
        elif kind == "Replace":
            pat = d.get("pattern") or {}
            content = d.get("content", "")
            if "String" in pat:
                if content == " " and len(pat["String"]) == 1:
                    steps.append(("space", pat["String"]))
                else:
                    steps.append(("replace", re.compile(re.escape(pat["String"])), content, pat["String"]))
            elif "Regex" in pat:
                try:
                    rx = re.compile(pat["Regex"])
                except re.error as exc:
                    raise VocabularyError(f"decoder Replace pattern {pat['Regex']!r} is not supported: {exc}") from None
                steps.append(("replace", rx, content, None))
            else:
                raise VocabularyError(f"decoder Replace has an unknown pattern {pat!r}")
        elif kind == "Strip":
            if fused:
                # After Fuse the whole text is one string: Strip only trims the start/end of the
                # decoded text, never a token in the middle of it.
                continue
            steps.append(("strip", d.get("content", " "), int(d.get("start", 0)), int(d.get("stop", 0))))
        else:
            raise VocabularyError(
                f"tokenizer decoder {kind!r} is not supported (supported: ByteLevel, ByteFallback, "
                "Metaspace, Replace, Fuse, Strip); pass the token bytes to Vocabulary(...) directly"
            )
    kinds = {s[0] for s in steps}
    if "bytelevel" in kinds:
        flavour = "byte-level"
    elif "space" in kinds:
        flavour = "sentencepiece"
    else:
        flavour = "plain"
    return _Decoder(steps, flavour)


# --- reading tokenizer.json fast ----------------------------------------------------------------
_MERGES_KEY = re.compile(rb'"merges"\s*:\s*\[')
_NEEDED_TOP = ("added_tokens", "normalizer", "pre_tokenizer", "decoder", "model")


def _load_tokenizer_json(text: str | bytes) -> dict:
    """Parse tokenizer.json, skipping the BPE merges (most of the file and of the parse time).

    `tokenizers` writes the model last and the merges last in the model, so the document is cut
    right after `"merges": [` and closed as `]}}`. The result is used only if it still holds every
    member we need (else the whole file is parsed): a `"merges"` string followed by `:` can only be
    a key, and a key that is not the model's last member cannot close as `]}}` into that shape.
    """
    if isinstance(text, str):
        text = text.encode("utf-8")
    for m in _MERGES_KEY.finditer(text):
        q = m.start()
        nb = 0
        while q - 1 - nb >= 0 and text[q - 1 - nb] == 0x5C:  # backslash
            nb += 1
        if nb % 2:
            continue  # an escaped quote inside some string
        try:
            data = json.loads(text[: m.end()] + b"]}}")
        except ValueError:
            break
        model = data.get("model") if isinstance(data, dict) else None
        if (
            isinstance(model, dict)
            and model.get("merges") == []
            and next(reversed(model)) == "merges"
            and next(reversed(data)) == "model"
            and all(k in data for k in _NEEDED_TOP)
            and "vocab" in model
            and "type" in model
        ):
            return data
        break
    try:
        return json.loads(text)
    except ValueError as exc:
        raise VocabularyError(f"tokenizer.json is not valid JSON: {exc}") from None


# --- the analysis of a tokenizer.json ---------------------------------------------------------
class TokenizerInfo:
    """What a tokenizer.json says about its tokens: bytes per id, special ids, name -> id."""

    def __init__(self, tokens: list[bytes | None], special_ids: set[int], name_to_id: dict[str, int],
                 special_names: set[str], flavour: str, model_type: str):
        self.tokens = tokens
        self.special_ids = special_ids
        self.name_to_id = name_to_id
        self.special_names = special_names
        self.flavour = flavour
        self.model_type = model_type

    def token_to_id(self, name: str) -> int | None:
        return self.name_to_id.get(name)

    def known_end_ids(self) -> list[int]:
        """Ids of the special tokens spelt like an end-of-generation marker."""
        out = []
        for name in KNOWN_END_TOKENS:
            i = self.name_to_id.get(name)
            if i is not None and i in self.special_ids:
                out.append(i)
        return out


def analyze_tokenizer_json(data: dict | str | bytes) -> TokenizerInfo:
    """Bytes per id of a parsed tokenizer.json (or its text), following `tokenizers`' own rules."""
    if isinstance(data, (str, bytes)):
        data = _load_tokenizer_json(data)
    model = data.get("model")
    if not isinstance(model, dict):
        raise VocabularyError("tokenizer.json has no model")
    mtype = model.get("type")
    vocab = model.get("vocab")
    if mtype in ("BPE", "WordLevel", "WordPiece") or (mtype is None and isinstance(vocab, dict)):
        if not isinstance(vocab, dict):
            raise VocabularyError(f"tokenizer.json {mtype} model has no vocab object")
        model_vocab: dict[str, int] = vocab
        model_size = len(vocab)
    elif mtype == "Unigram":
        if not isinstance(vocab, list):
            raise VocabularyError("tokenizer.json Unigram model has no vocab list")
        model_vocab = {}
        for i, entry in enumerate(vocab):
            model_vocab.setdefault(entry[0], i)
        model_size = len(vocab)
    else:
        raise VocabularyError(f"tokenizer.json model type {mtype!r} is not supported")

    if mtype == "WordPiece":
        raise VocabularyError("WordPiece tokenizers (BERT-style) are not supported: their decoding is not byte-exact")
    decode = _build_decoder(data)

    # Added tokens, with the ids `tokenizers` gives them when it loads the file (it renumbers
    # those that are not in the model vocabulary; see AddedVocabulary::add_tokens).
    added_map: dict[str, int] = {}
    added_r: dict[int, dict] = {}
    present: collections.Counter = collections.Counter()  # AddedToken identities in added_r
    special_names: set[str] = set()
    max_added: int | None = None
    for tok in data.get("added_tokens") or []:
        content = tok.get("content", "")
        special = bool(tok.get("special"))
        if special and content:
            special_names.add(content)
        ident = (content, special, bool(tok.get("single_word")), bool(tok.get("lstrip")),
                 bool(tok.get("rstrip")), bool(tok.get("normalized", not special)))
        if not content or present[ident]:
            continue
        new_id = added_map.get(content)
        if new_id is None:
            new_id = model_vocab.get(content)
        if new_id is None:
            if max_added is None:
                new_id = model_size
            else:
                new_id = max_added + 1 if (max_added >= model_size or model_size == 0) else model_size
        added_map[content] = new_id  # (an id, once given to a content, never changes)
        max_added = new_id if max_added is None else max(max_added, new_id)
        old = added_r.get(new_id)
        if old is not None:
            present[old["_ident"]] -= 1
        added_r[new_id] = dict(tok, _ident=ident)
        present[ident] += 1

    n = 0
    if model_vocab:
        n = max(model_vocab.values()) + 1
    if added_r:
        n = max(n, max(added_r) + 1)
    tokens: list[bytes | None] = [None] * n
    for i, b in zip(model_vocab.values(), decode.many(list(model_vocab))):
        tokens[i] = b
    special_ids: set[int] = set()
    for i, tok in added_r.items():
        content = tok.get("content", "")
        if content in special_names:
            special_ids.add(i)
            tokens[i] = None
        else:
            tokens[i] = decode(content)
    name_to_id = dict(model_vocab)
    name_to_id.update(added_map)
    return TokenizerInfo(tokens, special_ids, name_to_id, special_names, decode.flavour, str(mtype))


# --- EOS ---------------------------------------------------------------------------------------
def _norm_eos(eos_token_ids) -> tuple[int, ...] | None:
    if eos_token_ids is None:
        return None
    if isinstance(eos_token_ids, int):
        return (int(eos_token_ids),)
    return tuple(sorted({int(i) for i in eos_token_ids}))


def _read_config(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VocabularyError(f"cannot read {path}: {exc}") from None


def _config_eos(folder: Path, info: TokenizerInfo) -> list[int]:
    """EOS ids named by tokenizer_config.json / generation_config.json beside the tokenizer."""
    out: list[int] = []
    cfg = folder / "tokenizer_config.json"
    if cfg.is_file():
        conf = _read_config(cfg)
        eos = conf.get("eos_token") if isinstance(conf, dict) else None
        if isinstance(eos, dict):
            eos = eos.get("content")
        if isinstance(eos, str) and eos:
            i = info.token_to_id(eos)
            if i is None:
                raise VocabularyError(f"{cfg} names eos_token {eos!r}, which the tokenizer does not have")
            out.append(i)
    gen = folder / "generation_config.json"
    if gen.is_file():
        conf = _read_config(gen)
        ids = conf.get("eos_token_id") if isinstance(conf, dict) else None
        if isinstance(ids, int):
            out.append(ids)
        elif isinstance(ids, list):
            out.extend(int(i) for i in ids if isinstance(i, int))
    return out


def _no_eos_error(where: str) -> VocabularyError:
    return VocabularyError(
        f"could not find the EOS token of {where}: no eos_token in a tokenizer_config.json, no "
        f"eos_token_id in a generation_config.json, and no special token among {list(KNOWN_END_TOKENS)}; "
        "pass eos_token_ids=[...] explicitly"
    )


# --- from a tokenizer.json ---------------------------------------------------------------------
def _resolve_tokenizer_json(path) -> Path:
    p = Path(os.fspath(path)).expanduser()
    if p.is_dir():
        p = p / "tokenizer.json"
    if not p.is_file():
        raise VocabularyError(f"no tokenizer.json at {p}")
    return p.resolve()


def _stat_key(p: Path) -> tuple:
    try:
        st = p.stat()
    except OSError:
        return (str(p), None)
    return (str(p), st.st_mtime_ns, st.st_size)


def vocabulary_from_file(cls, path, *, eos_token_ids=None, size=None):
    """A Vocabulary from a `tokenizer.json` (or a folder holding one); cached per file state."""
    p = _resolve_tokenizer_json(path)
    eos = _norm_eos(eos_token_ids)
    folder = p.parent
    key = (
        cls,
        _stat_key(p),
        _stat_key(folder / "tokenizer_config.json"),
        _stat_key(folder / "generation_config.json"),
        eos,
        None if size is None else int(size),
    )
    hit = _cache_get(_FILE_CACHE, key)
    if hit is not None:
        return hit
    try:
        text = p.read_bytes()
    except OSError as exc:
        raise VocabularyError(f"cannot read {p}: {exc}") from None
    info = analyze_tokenizer_json(text)
    if eos is None:
        found = _config_eos(folder, info) + info.known_end_ids()
        if not found:
            raise _no_eos_error(str(p))
        eos = tuple(sorted(set(found)))
    vocab = cls(info.tokens, eos, size=size)
    _cache_put(_FILE_CACHE, key, vocab)
    return vocab
