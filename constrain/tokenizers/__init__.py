"""Exact bytes per token id from real tokenizers (`tokenizer.json`, transformers, tiktoken).

Entry points (called by `Vocabulary.from_file`, `.from_hf` and `.from_tiktoken`); the work is
split by source: `tokenizer_json.py` (tokenizer.json analysis, decoders, EOS, the caches),
`hf.py` (transformers tokenizers) and `tiktoken_source.py` (tiktoken encodings and files):

- `vocabulary_from_file(cls, path, *, eos_token_ids=None, size=None)`
- `vocabulary_from_hf(cls, tokenizer, *, eos_token_ids=None, size=None)`
- `vocabulary_from_tiktoken(cls, encoding, *, eos_token_ids=None, size=None)`

Policy — what "the bytes of a token" means:

- A token's bytes are what it adds to the output *in the middle of a text* (a continuation),
  i.e. what the tokenizer's decoder produces for it, with the decoder's start-of-text-only
  rules left out: SentencePiece's `▁` is a space even in the first token (the `Strip` decoder
  after `Fuse`, and Metaspace's "drop the first space", only touch the very start of a decoded
  text). So Llama-2's `▁Hello` is `b" Hello"`; a model continuing a prompt emits exactly that.
- Byte-level BPE (GPT-2, Llama-3, Qwen, tiktoken): each character of a vocabulary string maps back
  to one byte through the inverse of GPT-2's `bytes_to_unicode` table. Tokens that hold part of a
  UTF-8 character get exactly that partial byte sequence.
- SentencePiece byte fallback: `<0xNN>` is the single byte 0xNN (a legal way to spell that byte).
- Added tokens: `special: true` ones are never text (None); the others are their content run
  through the decoder, as `tokenizers`' own `decode` does (e.g. Qwen's `<tool_call>`).
- Ids inside the tokenizer's range that it does not use are None, and so are ids past its end up
  to `size` (the logits width). EOS ids are never text either (the Vocabulary enforces that).

The flavour is detected from the tokenizer.json decoder (falling back to its pre-tokenizer and
normalizer when it has no decoder), never from a file name.

EOS detection (when `eos_token_ids` is None): the `eos_token` of a `tokenizer_config.json` next to
the file (string or `{"content": ...}` form), the `eos_token_id` of a `generation_config.json`
there (int or list), and every *special* added token whose content is a known end-of-generation
marker (`KNOWN_END_TOKENS`). Non-special tokens with such a spelling are text: Gemma-3's `</s>` is
the HTML strike-through tag, Phi-3's `</s>` is not special either.
"""
from constrain.tokenizers.hf import vocabulary_from_hf
from constrain.tokenizers.tiktoken_source import vocabulary_from_tiktoken
from constrain.tokenizers.tokenizer_json import (
    KNOWN_END_TOKENS,
    analyze_tokenizer_json,
    bytes_to_unicode,
    clear_cache,
    vocabulary_from_file,
)

__all__ = [
    "KNOWN_END_TOKENS",
    "bytes_to_unicode",
    "analyze_tokenizer_json",
    "vocabulary_from_file",
    "vocabulary_from_hf",
    "vocabulary_from_tiktoken",
    "clear_cache",
]
