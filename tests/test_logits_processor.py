"""LogitsProcessor inside transformers' generate(), and mask application.

Oracles: outputs are checked by `re.fullmatch` / a Lark parser / jsonschema (never by our own
matchers); masked scores are compared with a masking done bit by bit in plain Python.
"""
from __future__ import annotations

import json
import re

import jsonschema
import numpy as np
import pytest
import torch
from lark import Lark
from transformers import LogitsProcessorList

from constrain import ConstrainError, compile_lark, compile_regex
from constrain.samplers.apply_mask import MaskBuffer, _apply_torch_device, apply_token_bitmask_
from constrain.samplers.logits_processor import LogitsProcessor
from tests.hf_tiny import hf_tokenizer, tiny_llama

EXTRA_COLUMNS = 7  # the tiny models' logits are wider than the tokenizer
REGEX = r"(yes|no|maybe)|[0-9]{1,4}(\.[0-9]{1,2})?"
LARK = r"""
start: "[" item ("," item)? "]"
item: NUMBER | WORD
NUMBER: /[0-9]{1,3}/
WORD: /[a-z]{1,4}/
"""
SCHEMA = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}, "pick": {"enum": ["a", "b"]}},
    "required": ["ok", "pick"],
    "additionalProperties": False,
}
PROMPTS = ["hello there", "a", "the quick brown fox jumps"]
MODES = {
    "greedy": dict(do_sample=False),
    "sample": dict(do_sample=True, num_return_sequences=2),
    "beam": dict(do_sample=False, num_beams=3, num_return_sequences=2),
}


@pytest.fixture(scope="module", params=["gpt2", "llama3"])
def setup(request):
    from constrain import Vocabulary

    tok = hf_tokenizer(request.param)
    vocab = Vocabulary.from_hf(tok)
    return tok, vocab, tiny_llama(vocab.size + EXTRA_COLUMNS)


def _schema_grammar(vocab):
    from constrain.grammars.json_schema import compile_json_schema

    # compact: the random model would otherwise spend its budget on (bounded) whitespace
    return compile_json_schema(SCHEMA, vocab, whitespace="compact")


def _valid_regex(text):
    return re.fullmatch(REGEX, text) is not None


def _valid_lark(text, _parser=Lark(LARK, parser="lalr")):
    try:
        _parser.parse(text)
        return True
    except Exception:  # noqa: BLE001 - any parse error means invalid
        return False


def _valid_schema(text):
    try:
        jsonschema.validate(json.loads(text), SCHEMA)
        return True
    except (ValueError, jsonschema.ValidationError):
        return False


CONSTRAINTS = {
    "regex": (lambda vocab: compile_regex(REGEX, vocab), _valid_regex, 12),
    "lark": (lambda vocab: compile_lark(LARK, vocab), _valid_lark, 16),
    "schema": (_schema_grammar, _valid_schema, 24),
}


def _generate(model, tok, vocab, processor, prompts, max_new_tokens, **kwargs):
    enc = tok(prompts, return_tensors="pt", padding=True)
    out = model.generate(**enc, max_new_tokens=max_new_tokens, logits_processor=LogitsProcessorList([processor]),
                         pad_token_id=tok.pad_token_id, eos_token_id=list(vocab.eos_token_ids), **kwargs)
    return out[:, enc["input_ids"].shape[1]:].tolist()


def _text_until_eos(vocab, ids):
    """The text of a row up to its first EOS, and whether it had one."""
    for i, t in enumerate(ids):
        if t in vocab.eos_token_ids:
            return b"".join(vocab.token_bytes(x) for x in ids[:i]).decode("utf-8"), True
    return b"".join(vocab.token_bytes(x) for x in ids).decode("utf-8"), False


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("kind", sorted(CONSTRAINTS))
def test_batched_generate_outputs_are_valid(setup, kind, mode):
    tok, vocab, model = setup
    make, valid, budget = CONSTRAINTS[kind]
    processor = LogitsProcessor(make(vocab), pad_token_id=tok.pad_token_id)
    torch.manual_seed(1)
    rows = _generate(model, tok, vocab, processor, PROMPTS, budget, **MODES[mode])
    per_prompt = MODES[mode].get("num_return_sequences", 1)
    assert len(rows) == len(PROMPTS) * per_prompt
    for ids in rows:
        text, ended = _text_until_eos(vocab, ids)
        assert ended, f"row did not finish: {text!r}"
        assert valid(text), text


def _reference_masked(scores, allowed_ids, width):
    expected = torch.full_like(scores, float("-inf"))
    for t in allowed_ids:
        if t < width:
            expected[t] = scores[t]
    return expected


def _python_allowed(mask_words, size):
    """Allowed ids of a bitmask, read bit by bit in plain Python."""
    words = [int(w) & 0xFFFFFFFF for w in mask_words]
    return [t for t in range(size) if (words[t // 32] >> (t % 32)) & 1]


def test_masked_scores_equal_a_python_reference_masking(setup):
    tok, vocab, _ = setup
    grammar = compile_regex(r"[0-9]+|ab?", vocab)
    width = vocab.size + EXTRA_COLUMNS
    processor = LogitsProcessor(grammar, pad_token_id=tok.pad_token_id)
    references = [grammar.matcher(), grammar.matcher()]
    finished = [False, False]
    ids = torch.tensor([[5, 6, 7], [8, 9, 10]])
    rng = np.random.default_rng(0)
    for _ in range(5):
        scores = torch.randn(2, width)
        got = processor(ids, scores.clone())
        new = []
        for r, ref in enumerate(references):
            if finished[r]:
                allowed = list(vocab.eos_token_ids) + [tok.pad_token_id]
            else:
                allowed = _python_allowed(ref.next_token_mask(), vocab.size)
            assert torch.equal(got[r], _reference_masked(scores[r], allowed, width))
            ends = [t for t in allowed if t in vocab.eos_token_ids]
            text = [t for t in allowed if t not in vocab.eos_token_ids]
            # row 1 ends as soon as it may, row 0 goes on while it can
            choice = int(ends[0] if (r == 1 and ends) or not text else rng.choice(text))
            if not finished[r]:
                assert ref.accept_token(choice)
                finished[r] = ref.is_finished()
            new.append(choice)
        ids = torch.cat([ids, torch.tensor(new)[:, None]], dim=1)
    assert processor.finished == finished == [False, True]


def test_rows_finish_independently_with_a_grammar_per_prompt(setup):
    tok, vocab, model = setup
    short, long = compile_regex("a", vocab), compile_regex("[0-9]{6}", vocab)
    processor = LogitsProcessor([short, long], pad_token_id=tok.pad_token_id)
    rows = _generate(model, tok, vocab, processor, PROMPTS[:2], 12, do_sample=True, num_return_sequences=2)
    texts = [_text_until_eos(vocab, ids) for ids in rows]
    assert [t for t, _ in texts[:2]] == ["a", "a"]
    assert all(ended for _, ended in texts)
    assert all(re.fullmatch("[0-9]{6}", t) for t, _ in texts[2:])
    # the short rows stopped after EOS: only EOS or padding follows
    for ids in rows[:2]:
        assert all(t in vocab.eos_token_ids or t == tok.pad_token_id for t in ids[1:])


def test_reuse_across_generate_calls_matches_a_fresh_processor(setup):
    tok, vocab, model = setup
    grammar = compile_regex(REGEX, vocab)
    reused = LogitsProcessor(grammar, pad_token_id=tok.pad_token_id)
    calls = [(PROMPTS, {}), (PROMPTS[:1], {}), (["the quick brown fox jumps"] * 3, {}),
             (PROMPTS, dict(num_beams=3, num_return_sequences=3))]
    for prompts, kwargs in calls:
        again = _generate(model, tok, vocab, reused, prompts, 12, **kwargs)
        fresh = _generate(model, tok, vocab, LogitsProcessor(grammar, pad_token_id=tok.pad_token_id), prompts, 12,
                          **kwargs)
        assert again == fresh
        assert all(_valid_regex(_text_until_eos(vocab, ids)[0]) for ids in again)


def test_reordered_rows_take_their_parents_matcher(setup):
    tok, vocab, _ = setup
    grammar = compile_regex("(ab|ba)c", vocab)
    a, b, c = (tok.convert_tokens_to_ids(s) for s in "abc")
    processor = LogitsProcessor(grammar)
    scores = torch.zeros(2, vocab.size)
    processor(torch.tensor([[1, 2], [1, 2]]), scores.clone())
    processor(torch.tensor([[1, 2, a], [1, 2, b]]), scores.clone())
    # beam search swapped the rows and duplicated one of them
    out = processor(torch.tensor([[1, 2, b, a], [1, 2, b, a]]), scores.clone())
    assert processor.prompt_length == 2
    expected = grammar.matcher()
    expected.accept_tokens([b, a])
    assert [m.state for m in processor.matchers] == [expected.state, expected.state]
    assert processor.matchers[0] is not processor.matchers[1]
    assert bool(torch.isfinite(out[:, c]).all()) and int(torch.isfinite(out).sum()) == 2
    processor.matchers[0].accept_token(c)
    assert not processor.matchers[1].is_finished() and processor.matchers[1].num_accepted == 2


def test_a_token_the_constraint_refuses_raises(setup):
    tok, vocab, _ = setup
    processor = LogitsProcessor(compile_regex("[0-9]+", vocab), pad_token_id=tok.pad_token_id)
    letter = tok.convert_tokens_to_ids("x")
    processor(torch.tensor([[1, 2]]), torch.zeros(1, vocab.size))
    with pytest.raises(ConstrainError, match="does not allow"):
        processor(torch.tensor([[1, 2, letter]]), torch.zeros(1, vocab.size))


def test_logits_narrower_than_the_vocabulary_are_refused(setup):
    _, vocab, _ = setup
    processor = LogitsProcessor(compile_regex("a", vocab))
    with pytest.raises(ConstrainError, match="columns"):
        processor(torch.tensor([[1]]), torch.zeros(1, vocab.size - 1))


def test_a_grammar_list_must_fit_the_rows(setup):
    _, vocab, _ = setup
    grammar = compile_regex("a", vocab)
    processor = LogitsProcessor([grammar, grammar])
    with pytest.raises(ConstrainError, match="cannot be spread"):
        processor(torch.tensor([[1], [1], [1]]), torch.zeros(3, vocab.size))


# --- mask application ------------------------------------------------------------------------------
def _reference_apply(logits, bitmask):
    out = logits.clone()
    for r in range(logits.shape[0]):
        allowed = set(_python_allowed(bitmask[r], bitmask.shape[1] * 32))
        for t in range(logits.shape[1]):
            if t not in allowed:
                out[r, t] = float("-inf")
    return out


def _random_bitmask(rng, rows, words, density):
    bits = rng.random((rows, words * 32)) < density
    return np.packbits(bits, axis=1, bitorder="little").view(np.int32)


@pytest.mark.parametrize("width", [64, 70, 95])  # equal to, wider than and narrower than 32 * words
def test_apply_matches_the_python_reference(width):
    rng = np.random.default_rng(width)
    bitmask = _random_bitmask(rng, 4, 3, 0.4)
    bitmask[2] = -1  # a row that allows everything
    bitmask[3] = 0
    logits = torch.randn(4, width)
    expected = _reference_apply(logits, bitmask)
    got = apply_token_bitmask_(logits.clone(), bitmask)
    assert torch.equal(got, expected)
    on_device = logits.clone()  # the CUDA fallback path is plain torch: check it on CPU too
    _apply_torch_device(on_device, torch.from_numpy(bitmask))
    assert torch.equal(on_device, expected)


def test_apply_keeps_the_dtype_and_skips_rows_that_allow_everything():
    bitmask = np.full((2, 2), -1, dtype=np.int32)
    logits = torch.randn(2, 64, dtype=torch.bfloat16)
    assert torch.equal(apply_token_bitmask_(logits.clone(), bitmask), logits)
    bitmask[1, 1] = 0
    got = apply_token_bitmask_(logits.clone(), bitmask)
    assert got.dtype == torch.bfloat16
    assert torch.equal(got[0], logits[0]) and bool(torch.isinf(got[1, 32:]).all())
    assert torch.equal(got[1, :32], logits[1, :32])


def test_mask_buffer_grows_and_applies():
    buffer = MaskBuffer(2)
    rows = buffer.rows(3)
    rows[:] = 0
    rows[1, 0] = 1 << 5
    logits = torch.zeros(3, 40)
    buffer.apply_(logits, 3)
    assert int(torch.isfinite(logits).sum()) == 1 and float(logits[1, 5]) == 0.0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (run on the GPU device)")
@pytest.mark.parametrize("width", [128256, 128256 + 100, 4096 + 7])
def test_cuda_apply_matches_the_cpu_path(width):
    rng = np.random.default_rng(0)
    words = (min(width, 128256) + 31) // 32
    for rows in (1, 64):
        bitmask = _random_bitmask(rng, rows, words, 0.3)
        bitmask[0] = -1
        logits = torch.randn(rows, width)
        expected = apply_token_bitmask_(logits.clone(), bitmask)
        for use_triton in (True, False):
            got = apply_token_bitmask_(logits.cuda(), torch.from_numpy(bitmask).cuda(), use_triton=use_triton)
            assert torch.equal(got.cpu(), expected)
        buffer = MaskBuffer(words)
        buffer.rows(rows)[:] = bitmask
        assert torch.equal(buffer.apply_(logits.cuda(), rows).cpu(), expected)
