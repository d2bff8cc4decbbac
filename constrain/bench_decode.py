"""`python -m constrain.bench_decode`: the cost of constraining inside `model.generate()`.

1. Processor overhead per decoding step on CPU, batch 1 / 8 / 64, for the llama3 (128k) and
   gemma3 (262k) vocabularies: `fill` (follow the rows, accept the new tokens, copy each row's
   mask into the buffer) and `apply` (unpack the bits and set disallowed logits to -inf), while
   every row teacher-forces a JSON document under a JSON Schema. Warm figures (masks already
   cached by the grammar) over repetitions; the first, cold pass is given as a mean.
2. Whether a thread pool helps the fill: cold masks of 8 rows in distinct states (each row its
   own document), serial vs a 2-thread pool.
3. End to end with the default model (SmolLM2-135M-Instruct, CPU, greedy): milliseconds per
   generated token and tokens/s without a constraint, with `constrain.LogitsProcessor`, and
   with xgrammar's HF processor (`xgrammar.contrib.hf`) on the same schema and prompt, runs
   interleaved. Per-step times are the gaps between consecutive processor calls.

Figures: mean / p50 / p99.
"""
from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from constrain.data import tokenizer_path
from constrain.vocab import Vocabulary

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 40},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "email": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
    },
    "required": ["name", "age", "email", "tags"],
    "additionalProperties": False,
}
DOCUMENTS = [
    {"name": f"Person {i} of the benchmark", "age": 20 + i, "email": f"person{i}@example.org",
     "tags": ["alpha", f"tag{i}", "constrained decoding"][: 1 + i % 3]}
    for i in range(8)
]
PROMPT = "Describe a fictional person: name, age, email and a few tags."


def stats(seconds) -> str:
    us = np.asarray(seconds, dtype=np.float64) * 1e6
    return f"mean {us.mean():9.1f}  p50 {np.percentile(us, 50):9.1f}  p99 {np.percentile(us, 99):9.1f} us"


def _document_ids(tokenizer, doc) -> list[int]:
    return tokenizer.encode(json.dumps(doc), add_special_tokens=False).ids


# --- 1. processor overhead ---------------------------------------------------------------------
def processor_overhead(name: str, batches, reps: int) -> None:
    from tokenizers import Tokenizer

    from constrain.grammars.json_schema import compile_json_schema
    from constrain.samplers.logits_processor import LogitsProcessor

    folder = tokenizer_path(name)
    vocab = Vocabulary.from_file(folder)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    grammar = compile_json_schema(SCHEMA, vocab)
    doc = _document_ids(tokenizer, DOCUMENTS[0])
    prompt = list(range(100, 108))
    print(f"\n[{name}] V={vocab.size}  document: {len(doc)} tokens")
    for batch in batches:
        steps = [torch.tensor([prompt + doc[:k]] * batch) for k in range(len(doc) + 1)]
        base = torch.randn(batch, vocab.size)
        scores = base.clone()
        processor = LogitsProcessor(grammar)
        fills, applies, cold = [], [], []
        for rep in range(reps + 1):
            processor.reset()
            for ids in steps:
                scores.copy_(base)
                t0 = time.perf_counter()
                n = processor.fill_masks(ids)
                t1 = time.perf_counter()
                processor.apply_masks(scores, n)
                t2 = time.perf_counter()
                if rep == 0:
                    cold.append(t2 - t0)
                else:
                    fills.append(t1 - t0)
                    applies.append(t2 - t1)
        total = np.asarray(fills) + np.asarray(applies)
        print(f"  batch {batch:3d}  fill  {stats(fills)}")
        print(f"  batch {batch:3d}  apply {stats(applies)}")
        print(f"  batch {batch:3d}  step  {stats(total)}   (cold first pass: mean {np.mean(cold) * 1e3:.2f} ms)")


# --- 2. thread pool for the fill ---------------------------------------------------------------
def thread_pool_fill(name: str) -> None:
    from tokenizers import Tokenizer

    from constrain.grammars.cfg_matcher import compile_lark
    from constrain.grammars.json_schema import json_schema_to_lark

    folder = tokenizer_path(name)
    vocab = Vocabulary.from_file(folder)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    text = json_schema_to_lark(SCHEMA)
    docs = [_document_ids(tokenizer, d) for d in DOCUMENTS]
    length = min(len(d) for d in docs)
    pool = ThreadPoolExecutor(2)
    results = {}
    for mode in ("serial", "pool", "serial", "pool"):
        grammar = compile_lark(text, vocab)  # a fresh grammar: every mask is computed (cold)
        matchers = [grammar.matcher() for _ in docs]
        times = []
        for k in range(length):
            t0 = time.perf_counter()
            if mode == "pool":
                list(pool.map(lambda m: m.next_token_mask(), matchers))
            else:
                for m in matchers:
                    m.next_token_mask()
            times.append(time.perf_counter() - t0)
            for m, d in zip(matchers, docs):
                assert m.accept_token(d[k])
        results.setdefault(mode, []).extend(times)
    pool.shutdown()
    print(f"\n[{name}] cold fill of 8 rows in distinct states, per step:")
    for mode, times in results.items():
        print(f"  {mode:6s} {stats(times)}")


# --- 3. end to end -----------------------------------------------------------------------------
class _StepClock:
    """A LogitsProcessor that only records when it is called (once per generated token)."""

    def __init__(self):
        self.times: list[float] = []

    def __call__(self, input_ids, scores):
        self.times.append(time.perf_counter())
        return scores


def end_to_end(reps: int, max_new_tokens: int) -> None:
    from transformers import LogitsProcessorList

    from constrain.generation import prompt_ids, schema_prompt, vocabulary_of
    from constrain.grammars.json_schema import compile_json_schema
    from constrain.models import load_model
    from constrain.samplers.logits_processor import LogitsProcessor

    model, tokenizer = load_model()
    vocab = vocabulary_of(tokenizer)
    grammar = compile_json_schema(SCHEMA, vocab)
    ids = torch.tensor([prompt_ids(tokenizer, schema_prompt(PROMPT, SCHEMA))])
    configs = {"unconstrained": lambda: []}
    configs["constrain"] = lambda: [LogitsProcessor(grammar, pad_token_id=tokenizer.pad_token_id)]
    try:
        import xgrammar as xgr
        import xgrammar.contrib.hf as xgr_hf

        info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=model.config.vocab_size)
        xgr_grammar = xgr.GrammarCompiler(info).compile_json_schema(json.dumps(SCHEMA))
        configs["xgrammar"] = lambda: [xgr_hf.LogitsProcessor(xgr_grammar)]
    except ImportError:
        print("(xgrammar not installed: its row is skipped)")
    steps = {k: [] for k in configs}
    tokens = {k: 0 for k in configs}
    walls = {k: 0.0 for k in configs}
    for rep in range(reps + 1):  # rep 0 warms up (mask caches, first-call costs)
        for label, make in configs.items():
            clock = _StepClock()
            t0 = time.perf_counter()
            with torch.no_grad():
                out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                     max_new_tokens=max_new_tokens, pad_token_id=tokenizer.pad_token_id,
                                     logits_processor=LogitsProcessorList([clock, *make()]))
            wall = time.perf_counter() - t0
            if rep == 0:
                continue
            steps[label].extend(np.diff(clock.times))
            tokens[label] += out.shape[1] - ids.shape[1]
            walls[label] += wall
    print(f"\nSmolLM2-135M-Instruct, CPU, greedy, prompt {ids.shape[1]} tokens, {reps} runs each:")
    base = None
    for label in configs:
        per_token = np.asarray(steps[label]) * 1e3
        rate = 1e3 / per_token.mean()
        base = base or rate
        print(f"  {label:13s} per token: mean {per_token.mean():6.2f}  p50 {np.percentile(per_token, 50):6.2f}  "
              f"p99 {np.percentile(per_token, 99):6.2f} ms   {rate:6.1f} tokens/s ({100 * rate / base:5.1f}%)   "
              f"[{tokens[label] / walls[label]:.1f} tokens/s incl. prefill]")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokenizers", nargs="*", default=["llama3", "gemma3"])
    parser.add_argument("--batches", nargs="*", type=int, default=[1, 8, 64])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--e2e-reps", type=int, default=5)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}")
    for name in args.tokenizers:
        processor_overhead(name, args.batches, args.reps)
    for name in args.tokenizers:
        thread_pool_fill(name)
    if not args.skip_e2e:
        end_to_end(args.e2e_reps, args.max_new_tokens)


if __name__ == "__main__":
    main()
