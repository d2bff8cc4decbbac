"""Samplers on real tokenizers and transformers models: the KV-cache adapter is exact, and
every ASAp / AWRS / SMC output is in the language (tiny random Llama; SmolLM2 when present)."""
from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest

import constrain
from constrain.samplers.lm import HFCausalLM
from constrain.samplers.sampling import SAMPLERS, sample_constrained, tokens_for_request
from tests.hf_tiny import hf_tokenizer, tiny_llama

NUMBER_OR_WORD = r"(yes|no|[0-9]{1,3})"
PAIR_GRAMMAR = 'start: "[" DIGIT ("," DIGIT)? "]"\nDIGIT: /[0-9]/\n'
PAIR_REGEX = r"\[[0-9](,[0-9])?\]"


@pytest.fixture(autouse=True)
def one_torch_thread():
    """On a shared 2-core machine two torch threads spin against each other (10x slower)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def gpt2():
    tok = hf_tokenizer("gpt2")
    vocab = constrain.Vocabulary.from_hf(tok)
    return tok, vocab, tiny_llama(vocab.size + 7)  # logits wider than the tokenizer


def test_kv_cache_reuse_gives_the_full_forward_answer(gpt2):
    _, vocab, model = gpt2
    cached, fresh = HFCausalLM(model), HFCausalLM(model)
    rng = np.random.default_rng(0)
    rows = [[int(t) for t in rng.integers(0, vocab.size, 4)]] * 3
    for _ in range(5):  # SMC-like: resampled parents, one new token each
        fresh._cache = None
        assert np.allclose(cached.next_logprobs(rows), fresh.next_logprobs(rows), atol=1e-4)
        rows = [rows[i] + [int(rng.integers(vocab.size))] for i in rng.integers(0, len(rows), 4)]
    for batch in ([rows[0][:6]], [rows[1][:7], rows[2][:5]]):  # ASAp-like restart; ragged batch
        fresh._cache = None
        assert np.allclose(cached.next_logprobs(batch), fresh.next_logprobs(batch), atol=1e-4)
    full_cost = 3 * 4 + sum(4 * n for n in range(5, 9))
    assert cached.tokens_fed < full_cost  # the cache was actually reused


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("kind", ["regex", "lark"])
def test_tiny_llama_outputs_are_in_the_language(gpt2, sampler, kind):
    tok, vocab, model = gpt2
    if kind == "regex":
        grammar, pattern = constrain.compile_regex(NUMBER_OR_WORD, vocab), NUMBER_OR_WORD
    else:
        grammar, pattern = constrain.compile_lark(PAIR_GRAMMAR, vocab), PAIR_REGEX
    prompt = tok("Answer:")["input_ids"]
    out = sample_constrained(model, grammar, prompt, sampler=sampler, n=3, max_new_tokens=8, seed=0, max_rejects=64)
    assert len(out) == 3
    for s in out:
        assert re.fullmatch(pattern.encode(), s.text), s.text
        assert s.tokens[-1] in vocab.eos_token_ids


@pytest.mark.parametrize("sampler", ["asap", "awrs", "smc"])
def test_generate_json_through_the_request_adapter(gpt2, sampler, monkeypatch):
    from constrain import generation

    tok, _, model = gpt2
    monkeypatch.setitem(generation.SAMPLERS, sampler, lambda request: tokens_for_request(request, sampler))
    schema = {"enum": ["red", "green", "blue"]}
    value = generation.generate_json(schema, "A colour:", model=model, tokenizer=tok, sampler=sampler,
                                   max_new_tokens=8, seed=1, max_rejects=64)
    assert value in schema["enum"]


def default_model():
    """SmolLM2 via constrain.models; skip when absent, fail under CONSTRAIN_REQUIRE_DATA=1."""
    try:
        from constrain.models import load_model

        return load_model()
    except (ImportError, constrain.ConstrainError) as exc:
        if os.environ.get("CONSTRAIN_REQUIRE_DATA") == "1":
            pytest.fail(f"the default model is required but cannot be loaded: {exc}")
        pytest.skip(f"default model not available: {exc}")


@pytest.mark.parametrize("sampler", ["asap", "awrs", "smc"])
def test_default_model_outputs_are_in_the_language(sampler):
    model, tok = default_model()
    vocab = constrain.Vocabulary.from_hf(tok)
    pattern = r'\{"answer": (true|false|[0-9]{1,2})\}'
    grammar = constrain.compile_regex(pattern, vocab)
    text = tok.apply_chat_template([{"role": "user", "content": "Is 7 prime? Reply in JSON."}],
                                   tokenize=False, add_generation_prompt=True)
    prompt = tok(text, add_special_tokens=False)["input_ids"]
    out = sample_constrained(model, grammar, prompt, sampler=sampler, n=3, max_new_tokens=24, seed=0,
                             n_particles=4)
    for s in out:
        assert re.fullmatch(pattern.encode(), s.text), s.text
        assert json.loads(s.decode())["answer"] is not None
