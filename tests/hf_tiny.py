"""Test helpers: real tokenizers as transformers tokenizers, and a tiny random Llama over them.

The model is built from a config (no download) with logits `extra_columns` wider than the
tokenizer, as real checkpoints often are; its weights are seeded, so greedy outputs repeat.
"""
from __future__ import annotations

import torch
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from constrain import Vocabulary
from tests.conftest import require_tokenizer


def hf_tokenizer(name: str) -> PreTrainedTokenizerFast:
    """The shared tokenizer `name`, padding on the left with its (first) EOS token."""
    tok = PreTrainedTokenizerFast(tokenizer_file=str(require_tokenizer(name)))
    eos = Vocabulary.from_hf(tok).eos_token_ids[0]
    tok.pad_token = tok.convert_ids_to_tokens(eos)
    tok.padding_side = "left"
    return tok


def tiny_llama(width: int, seed: int = 0) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=width, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512)
    return LlamaForCausalLM(config).eval()
