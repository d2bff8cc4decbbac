"""Vocabulary from real tokenizers: exact bytes per id, special tokens, EOS ids, padding, caching.

Round-trip rule (see `encode_continuation`): a tokenizer whose normalizer prepends SentencePiece's
dummy prefix `▁` to a standalone string (Llama-2, Phi-3) is fed the text as a *continuation*:
we encode "\\n" + text, check that the ids start with the ids of "\\n" alone, and compare the
bytes of the remaining ids with the text. Every other tokenizer encodes the text directly. In both
cases the concatenated token bytes must equal the UTF-8 of the (normalized) text exactly.
"""
from __future__ import annotations

import base64
import json
import random
import time
import unicodedata

import pytest

tokenizers = pytest.importorskip("tokenizers")

from constrain import Vocabulary, VocabularyError  # noqa: E402
from constrain.tokenizers import analyze_tokenizer_json, clear_cache  # noqa: E402
from tests.conftest import encode_continuation, prepends_dummy_prefix, require_tokenizer  # noqa: E402

# name -> (flavour, EOS ids the tokenizer folder implies)
TOKENIZERS = {
    "gpt2": ("byte-level", {50256}),
    "llama3": ("byte-level", {128001, 128009}),  # <|end_of_text|> (config) + <|eot_id|>
    "qwen2": ("byte-level", {151643, 151645}),  # <|endoftext|> (config) + <|im_end|>
    "qwen2.5": ("byte-level", {151643, 151645}),
    "llama2": ("sentencepiece", {2}),  # </s>
    "phi3": ("sentencepiece", {32000, 32007}),  # <|endoftext|> (config) + <|end|>; its </s> is not special
    "cl100k": ("byte-level", {100257}),
    "o200k": ("byte-level", {199999}),
    "gemma3": ("sentencepiece", {1, 106}),  # <eos> + <end_of_turn>; its </s> is an HTML tag
}
NAMES = list(TOKENIZERS)


# --- a few hundred diverse strings ----------------------------------------------------------------
def _corpus() -> list[str]:
    base = [
        "Hello, world!", "hello world", " leading space", "  two leading spaces", "trailing space ",
        "a", " ", "  ", "\n", "\n\n", "\t", "\r\n", "x\ny\n\nz", "tabs\tand\tmore\t\t\ttabs",
        "    four spaces then text", "text        many spaces", "line one\n    indented\n\tTabbed",
        "The quick brown fox jumps over the lazy dog.", "I'm sure we'll see THEY'RE right; it's 5 o'clock.",
        'def f(x):\n    return {"a": [1, 2.5e-3, None]}  # comment\n',
        "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }",
        '{"name": "Alice", "age": 30, "tags": ["x", "y"], "nested": {"k": null, "t": true}}',
        '[{"id":1},{"id":2}]', '{"escaped": "quote \\" backslash \\\\ newline \\n unicode \\u00e9"}',
        "<html><body><table><tr><td>cell</td></tr></table></body></html>",
        "SELECT * FROM users WHERE name = 'bob' AND id >= 10;", "https://example.com/a/b?c=d&e=f#frag",
        "user@example.org", "C:\\Program Files\\x", "1234567890", "3.14159265358979", "-0.5e+10",
        "0x7FFF_FFFF", "1,000,000", "2024-01-31T12:34:56Z", "$100.00 (USD) 50% off!!!",
        "café naïve résumé façade", "Ångström Øre Æsir", "Straße groß", "ñandú pingüino",
        "Ελληνικά γράμματα", "Русский текст с пробелами", "עברית", "العربية", "हिन्दी", "ภาษาไทย",
        "中文字符测试", "日本語のテキスト、カタカナ", "한국어 텍스트", "繁體中文與简体中文",
        "emoji 🙂🚀🎉", "👨‍👩‍👧‍👦 family", "🏳️‍🌈", "flags 🇫🇷🇯🇵", "skin 👍🏽", "math ∑∫√∞≠≤≥",
        "arrows → ← ↑ ↓ ⇒", "box ┌─┐│└┘", "quotes “curly” ‘single’ «guillemets»", "dash – — ‐",
        "zero\u200bwidth", "nbsp\u00a0here", "ideographic\u3000space", "soft\u00adhyphen",
        "control\x01\x02chars\x7f", "bell\x07", "mixed 中 a é 🙂 \n\t end", "   ", "\n   \n",
        "<s> not special </s>", "<|endoftext|> in text", "<unk>", "[INST] hi [/INST]",
        "ends with newline\n", "ends with tab\t", "αβγ", "ǅ ǈ ǋ", "e\u0301 combining", "A\u030a",
    ]
    rng = random.Random(1234)
    pools = [
        "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " \t\n",
        "{}[]():;,.\"'`~!@#$%^&*-_=+|\\/<>?", "éèêëàâäôöûüçñßøå", "中文字符测试日本語한국어",
        "🙂🚀🎉👍🏽❤️", "αβγδεζηθ", "абвгдеж",
    ]
    out = list(base)
    for _ in range(220):
        n = rng.randint(1, 40)
        s = "".join(rng.choice(rng.choice(pools)) for _ in range(n))
        out.append(s)
    for a, b in zip(base[::3], base[1::3]):
        out.append(a + " " + b)
    return [s for s in out if "\u2581" not in s]


CORPUS = _corpus()


# --- loading (shared per test session) -----------------------------------------------------------
_LOADED: dict[str, tuple] = {}


def load(name: str):
    """(Vocabulary, tokenizers.Tokenizer, build seconds) for a shared tokenizer."""
    if name not in _LOADED:
        path = require_tokenizer(name)
        clear_cache()
        t0 = time.perf_counter()
        vocab = Vocabulary.from_file(path)
        dt = time.perf_counter() - t0
        _LOADED[name] = (vocab, tokenizers.Tokenizer.from_file(str(path)), dt)
    return _LOADED[name]


def expected_bytes(tok, text: str) -> bytes:
    """The text as the tokenizer sees it: after a Unicode normalizer such as Qwen's NFC."""
    norm = tok.normalizer
    if norm is not None and not prepends_dummy_prefix(tok):
        text = norm.normalize_str(text).replace("\u2581", " ")
    return text.encode("utf-8")


def special_ids(tok) -> set[int]:
    return {i for i, t in tok.get_added_tokens_decoder().items() if t.special}


# --- the shared tokenizers ----------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_flavour_detected(name):
    path = require_tokenizer(name)
    info = analyze_tokenizer_json(path.read_bytes())
    assert info.flavour == TOKENIZERS[name][0]


@pytest.mark.parametrize("name", NAMES)
def test_round_trip(name):
    vocab, tok, _ = load(name)
    # a special token's spelling in the input is that special token, not text: leave those out
    spellings = [t.content for t in tok.get_added_tokens_decoder().values() if t.special]
    texts = [t for t in CORPUS if not any(sp in t for sp in spellings)]
    assert len(texts) > 250
    ids_list = encode_continuation(tok, texts)
    bad = []
    for text, ids in zip(texts, ids_list):
        got = b"".join(vocab.token_bytes(i) or b"<NONE>" for i in ids)
        if got != expected_bytes(tok, text):
            bad.append((text, ids, got))
    assert not bad, f"{len(bad)} strings do not round-trip, first: {bad[0]!r}"


@pytest.mark.parametrize("name", NAMES)
def test_every_token_matches_decode(name):
    """Each text token's bytes decode (errors='replace') to what the tokenizer decodes it to.

    Byte-level BPE: `decode([i])`. SentencePiece: `decode([p, i])` minus `decode([p])` for a plain
    token p ("a"), so that the decoder's strip-the-first-space rule does not touch token i.
    """
    vocab, tok, _ = load(name)
    n = tok.get_vocab_size(with_added_tokens=True)
    specials = special_ids(tok)
    ids = [i for i in range(n) if i not in specials and i not in vocab.eos_token_ids]
    if TOKENIZERS[name][0] == "sentencepiece":
        p = tok.token_to_id("a")
        assert p is not None and vocab.token_bytes(p) == b"a"
        decoded = [d[1:] for d in tok.decode_batch([[p, i] for i in ids], skip_special_tokens=False)]
        assert all(d[:1] == "a" for d in tok.decode_batch([[p, p]]))
    else:
        decoded = tok.decode_batch([[i] for i in ids], skip_special_tokens=False)
    mismatches = []
    for i, d in zip(ids, decoded):
        b = vocab.token_bytes(i)
        if b is None or b.decode("utf-8", errors="replace") != d:
            mismatches.append((i, tok.id_to_token(i), b, d))
    assert not mismatches, f"{len(mismatches)} tokens differ from decode, e.g. {mismatches[:5]!r}"


@pytest.mark.parametrize("name", NAMES)
def test_special_tokens_are_none_and_eos_detected(name):
    vocab, tok, _ = load(name)
    specials = special_ids(tok)
    assert specials
    for i in specials:
        assert vocab.token_bytes(i) is None, (i, tok.id_to_token(i))
    assert set(vocab.eos_token_ids) == TOKENIZERS[name][1]
    for i in vocab.eos_token_ids:
        assert vocab.token_bytes(i) is None
    # every id the tokenizer has is either text or special/EOS; nothing is empty
    n = tok.get_vocab_size(with_added_tokens=True)
    assert vocab.size == n
    for i in range(n):
        b = vocab.token_bytes(i)
        assert b is None or len(b) > 0


def test_byte_fallback_tokens_are_single_bytes():
    for name in ("llama2", "phi3", "gemma3"):
        vocab, tok, _ = load(name)
        for b in (0x00, 0x0A, 0x7B, 0x80, 0xFF):
            i = tok.token_to_id(f"<0x{b:02X}>")
            assert i is not None and vocab.token_bytes(i) == bytes([b])
        assert vocab.token_bytes(tok.token_to_id("\u2581the")) == b" the"


def test_non_special_added_tokens_are_text():
    vocab, tok, _ = load("qwen2.5")
    assert vocab.token_bytes(tok.token_to_id("<tool_call>")) == b"<tool_call>"
    vocab, tok, _ = load("gemma3")
    assert vocab.token_bytes(tok.token_to_id("</s>")) == b"</s>"  # HTML strike-through, not EOS
    assert vocab.token_bytes(tok.token_to_id("\n\n")) == b"\n\n"
    vocab, tok, _ = load("phi3")
    assert vocab.token_bytes(tok.token_to_id("</s>")) == b"</s>"


def test_padding_ids_and_out_of_range():
    path = require_tokenizer("qwen2.5")
    v = Vocabulary.from_file(path, size=151936)
    assert v.size == 151936 and len(v.tokens) == 151665
    assert v.token_bytes(151664) == b"<|file_sep|>"
    for i in (151665, 151800, 151935):
        assert v.token_bytes(i) is None
    with pytest.raises(VocabularyError):
        v.token_bytes(151936)
    with pytest.raises(VocabularyError):
        v.token_bytes(-1)
    with pytest.raises(VocabularyError):
        Vocabulary.from_file(path, size=1000)
    # Qwen2's own file already carries the padding rows, as special tokens
    vocab, tok, _ = load("qwen2")
    assert vocab.size == 151936 and vocab.token_bytes(151935) is None


def test_llama3_build_time_and_cache():
    path = require_tokenizer("llama3")
    clear_cache()
    t0 = time.perf_counter()
    v1 = Vocabulary.from_file(path)
    t1 = time.perf_counter()
    v2 = Vocabulary.from_file(path.parent)  # the folder is the same file
    t2 = time.perf_counter()
    print(f"\nllama3 Vocabulary.from_file: build {t1 - t0:.3f}s, cached {1e3 * (t2 - t1):.2f}ms")
    assert v1 is v2
    v3 = Vocabulary.from_file(path, size=128512)
    assert v3 is not v1 and v3.size == 128512
    v4 = Vocabulary.from_file(path, eos_token_ids=[128009])
    assert v4.eos_token_ids == (128009,)
    assert v4.token_bytes(128001) is None  # special, still never text
    assert Vocabulary.from_file(path, eos_token_ids=[128009]) is v4


def test_print_build_times():
    rows = []
    for name in NAMES:
        try:
            vocab, _, dt = load(name)
        except pytest.skip.Exception:
            continue
        rows.append(f"{name}: {dt:.3f}s size={vocab.size} eos={vocab.eos_token_ids}")
    print("\n" + "\n".join(rows))


# --- synthetic tokenizers (no shared data needed) -------------------------------------------------
def _gpt2_table() -> dict[int, str]:
    """GPT-2's bytes_to_unicode, written out independently of constrain.tokenizers."""
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def _byte_level_tokenizer(extra_vocab=("Ġhello", "Ġw", "or", "ld", "Ġworld")):
    from tokenizers import decoders, models, pre_tokenizers

    table = _gpt2_table()
    vocab = {table[b]: b for b in range(256)}
    merges = []
    for piece in extra_vocab:
        vocab[piece] = len(vocab)
    merges = [("Ġ", "h"), ("e", "l"), ("Ġh", "el"), ("l", "o"), ("Ġhel", "lo"), ("Ġ", "w"), ("o", "r"),
              ("l", "d"), ("Ġw", "or"), ("Ġwor", "ld")]
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    tok = tokenizers.Tokenizer(models.BPE(vocab, merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return tok


def test_synthetic_added_tokens_renumbered_and_decoded(tmp_path):
    """Added-token ids are the ones `tokenizers` gives when loading, not the JSON's; contents go
    through the decoder (a ByteLevel decoder leaves a non-byte-level string as its UTF-8)."""
    tok = _byte_level_tokenizer()
    tok.add_special_tokens(["<|endoftext|>"])
    tok.add_tokens(["<tool>", " spaced token", "Ġraw"])
    data = json.loads(tok.to_str())
    # corrupt the ids in the JSON: tokenizers renumbers them contiguously on load
    for k, t in enumerate(data["added_tokens"]):
        t["id"] = 5000 + 7 * k
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = tokenizers.Tokenizer.from_file(str(path))
    v = Vocabulary.from_file(path)
    eot = loaded.token_to_id("<|endoftext|>")
    assert v.eos_token_ids == (eot,) and v.token_bytes(eot) is None
    assert v.size == loaded.get_vocab_size(with_added_tokens=True)
    for content, want in (("<tool>", b"<tool>"), (" spaced token", b" spaced token"), ("Ġraw", b" raw")):
        i = loaded.token_to_id(content)
        assert v.token_bytes(i) == want
        assert loaded.decode([i]) == want.decode()
    ids = loaded.encode("hello world", add_special_tokens=False).ids
    assert b"".join(v.token_bytes(i) for i in ids) == b"hello world"


def test_synthetic_fast_and_full_parse_agree(tmp_path):
    """The merges-skipping parse gives what a full parse gives, also on reordered JSON."""
    tok = _byte_level_tokenizer()
    tok.add_special_tokens(["<|endoftext|>"])
    text = tok.to_str()
    fast = analyze_tokenizer_json(text)
    data = json.loads(text)
    reordered = {"model": data["model"], **{k: v for k, v in data.items() if k != "model"}}
    reordered["model"] = {"merges": data["model"]["merges"],
                          **{k: v for k, v in data["model"].items() if k != "merges"}}
    full = analyze_tokenizer_json(json.dumps(reordered))
    assert fast.tokens == full.tokens and fast.special_ids == full.special_ids
    # a vocabulary entry named "merges" does not confuse the fast parse
    tok2 = _byte_level_tokenizer(extra_vocab=("merges", "Ġmerges"))
    info = analyze_tokenizer_json(tok2.to_str())
    assert info.tokens[info.token_to_id("merges")] == b"merges"


def test_synthetic_eos_from_configs(tmp_path):
    tok = _byte_level_tokenizer()
    tok.add_special_tokens(["<stop>", "<also_stop>"])
    tok.save(str(tmp_path / "tokenizer.json"))
    with pytest.raises(VocabularyError, match="eos_token_ids"):
        Vocabulary.from_file(tmp_path)
    stop, also = tok.token_to_id("<stop>"), tok.token_to_id("<also_stop>")
    assert Vocabulary.from_file(tmp_path, eos_token_ids=[stop]).eos_token_ids == (stop,)
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"eos_token": {"content": "<stop>"}}))
    assert Vocabulary.from_file(tmp_path).eos_token_ids == (stop,)
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"eos_token": "<stop>"}))
    (tmp_path / "generation_config.json").write_text(json.dumps({"eos_token_id": [also]}))
    assert Vocabulary.from_file(tmp_path).eos_token_ids == tuple(sorted((stop, also)))
    (tmp_path / "generation_config.json").write_text(json.dumps({"eos_token_id": also}))
    (tmp_path / "tokenizer_config.json").unlink()
    assert Vocabulary.from_file(tmp_path).eos_token_ids == (also,)
    with pytest.raises(VocabularyError):
        Vocabulary.from_file(tmp_path / "missing")


def test_synthetic_metaspace_unigram(tmp_path):
    """A Unigram model with a Metaspace pre-tokenizer/decoder: `▁` is a space, even first."""
    from tokenizers import decoders, models, pre_tokenizers

    pieces = [("<unk>", 0.0), ("</s>", 0.0), ("\u2581", -2.0), ("\u2581hi", -1.0), ("a", -3.0), ("b", -3.0),
              ("h", -3.0), ("i", -3.0), ("\u2581a", -2.5)]
    tok = tokenizers.Tokenizer(models.Unigram(pieces, unk_id=0))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tok.add_special_tokens(["<unk>", "</s>"])
    tok.save(str(tmp_path / "tokenizer.json"))
    v = Vocabulary.from_file(tmp_path)
    assert v.eos_token_ids == (1,)
    assert v.token_bytes(0) is None
    assert v.token_bytes(3) == b" hi" and v.token_bytes(4) == b"a"
    ids = tok.encode("hi ab", add_special_tokens=False).ids
    assert b"".join(v.token_bytes(i) for i in ids) == b" hi ab"


def test_unsupported_decoder(tmp_path):
    from tokenizers import decoders, models

    tok = tokenizers.Tokenizer(models.WordLevel({"a": 0, "[SEP]": 1}, unk_token="a"))
    tok.decoder = decoders.CTC()
    tok.save(str(tmp_path / "tokenizer.json"))
    with pytest.raises(VocabularyError, match="CTC"):
        Vocabulary.from_file(tmp_path, eos_token_ids=[1])


# --- transformers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["gpt2", "llama2", "qwen2.5"])
def test_from_hf_fast_matches_file(name):
    transformers = pytest.importorskip("transformers")
    path = require_tokenizer(name)
    hf = transformers.AutoTokenizer.from_pretrained(str(path.parent))
    v = Vocabulary.from_hf(hf)
    ref, _, _ = load(name)
    assert v.tokens == ref.tokens
    assert set(v.eos_token_ids) == TOKENIZERS[name][1]
    assert Vocabulary.from_hf(hf) is v
    padded = Vocabulary.from_hf(hf, size=ref.size + 64)
    assert padded.size == ref.size + 64 and padded.token_bytes(ref.size + 63) is None


def test_from_hf_bare_tokenizers_object():
    vocab, tok, _ = load("gpt2")
    assert Vocabulary.from_hf(tok).tokens == vocab.tokens


def test_from_hf_slow_byt5():
    """A pure-Python ("slow") tokenizer: ByT5, one token per byte, spelt as latin-1 characters."""
    transformers = pytest.importorskip("transformers")
    try:
        hf = transformers.ByT5Tokenizer()
    except Exception as exc:  # pragma: no cover - depends on the installed transformers
        pytest.skip(f"cannot build a slow tokenizer offline: {exc}")
    v = Vocabulary.from_hf(hf)
    assert v.eos_token_ids == (hf.eos_token_id,)
    for b in (0, 0x41, 0x80, 0xC3, 0xFF):
        assert v.token_bytes(b + 3) == bytes([b])
    for i in (0, 1, 2, 259, len(hf) - 1):
        assert v.token_bytes(i) is None
    text = "slow é 中 🙂"
    ids = hf.encode(text, add_special_tokens=False)
    assert b"".join(v.token_bytes(i) for i in ids) == text.encode()


# --- tiktoken ----------------------------------------------------------------------------------
def _tiktoken_encoding(name: str):
    """A tiktoken.Encoding rebuilt from the shared tokenizer.json (tiktoken's own files need network)."""
    tiktoken = pytest.importorskip("tiktoken")
    path = require_tokenizer(name)
    data = json.loads(path.read_text(encoding="utf-8"))
    inv = {c: b for b, c in _gpt2_table().items()}
    ranks = {bytes(inv[c] for c in s): i for s, i in data["model"]["vocab"].items()}
    pat = data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
    specials = {t["content"]: t["id"] for t in data["added_tokens"] if not t["content"].startswith("<|reserved")}
    return tiktoken.Encoding(f"{name}-rebuilt", pat_str=pat, mergeable_ranks=ranks, special_tokens=specials), ranks


@pytest.mark.parametrize("name", ["cl100k", "o200k"])
def test_from_tiktoken_encoding(name):
    enc, _ = _tiktoken_encoding(name)
    vocab, tok, _ = load(name)
    # the rebuilt encoding is the tokenizer
    sample = [t for t in CORPUS[::5] if "<|" not in t]
    assert [enc.encode_ordinary(s) for s in sample] == [e.ids for e in tok.encode_batch(sample, add_special_tokens=False)]
    v = Vocabulary.from_tiktoken(enc)
    assert v.tokens == vocab.tokens  # reserved/placeholder ids and specials are None in both
    assert v.eos_token_ids == (enc.eot_token,) == tuple(TOKENIZERS[name][1])
    assert Vocabulary.from_tiktoken(enc) is v
    for s in sample:
        assert b"".join(v.token_bytes(i) for i in enc.encode_ordinary(s)) == s.encode()


def test_from_tiktoken_ranks_file(tmp_path):
    _, ranks = _tiktoken_encoding("cl100k")
    path = tmp_path / "cl100k.tiktoken"
    path.write_text("".join(f"{base64.b64encode(b).decode()} {r}\n" for b, r in ranks.items()))
    with pytest.raises(VocabularyError, match="eos_token_ids"):
        Vocabulary.from_tiktoken(path)
    v = Vocabulary.from_tiktoken(str(path), eos_token_ids=[100257])
    assert v.size == 100258 and v.eos_token_ids == (100257,)
    assert v.token_bytes(100256) is None
    inv = {r: b for b, r in ranks.items()}
    assert all(v.token_bytes(r) == inv[r] for r in range(0, 100256, 97))
    assert Vocabulary.from_tiktoken(path, eos_token_ids=[100257]) is v
    assert Vocabulary.from_tiktoken(path, eos_token_ids=[100257], size=100352).size == 100352
    bad = tmp_path / "bad.tiktoken"
    bad.write_text("not-base64!! 1\n")
    with pytest.raises(VocabularyError):
        Vocabulary.from_tiktoken(bad, eos_token_ids=[0])


def test_unicode_normalization_note():
    """Qwen normalizes to NFC: an NFD string's tokens spell its NFC form (documented gotcha)."""
    vocab, tok, _ = load("qwen2.5")
    nfd = unicodedata.normalize("NFD", "café")
    ids = tok.encode(nfd, add_special_tokens=False).ids
    assert b"".join(vocab.token_bytes(i) for i in ids) == "café".encode()


def test_prepare_builds_the_trie_and_fingerprint_now():
    v = Vocabulary([b"a", b"b", b"ab", None], eos_token_ids=[3])
    assert v._trie is None and v._fingerprint is None        # built on first use otherwise
    assert v.prepare() is v
    trie, fingerprint = v._trie, v._fingerprint
    assert trie is not None and fingerprint is not None
    assert v.trie is trie and v.fingerprint == fingerprint   # kept, not rebuilt
