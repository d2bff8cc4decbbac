"""`python -m constrain.bench`: foundation figures for the llama3 (128k) and gemma3 (262k) vocabularies.

Prints, per tokenizer: Vocabulary build (tokenizer.json -> token bytes) and trie build time;
first-visit mask time in a wide state (inside a JSON string body: almost every token allowed)
and a narrow state (digits only); cached `next_token_mask` and `accept_token` per token while
teacher-forcing text. Where xgrammar is installed, the same regex through xgrammar in the same
run, and the ratio. Figures are mean / p50 / p99 over repetitions, in microseconds.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from constrain.automata.mask_store import DFAMaskStore
from constrain.automata.regex import regex_to_dfa
from constrain.data import tokenizer_path
from constrain.grammars.regex import compile_regex
from constrain.vocab import Vocabulary

JSON_STRING = r'"([^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'
DATE = r"\d{4}-\d{2}-\d{2}"
SAMPLE_TEXT = '"Constrained decoding keeps every token inside the language; \\"quotes\\" and ünïcödé 漢字 too."'


def stats(samples_ns: list[int]) -> str:
    us = np.asarray(samples_ns, dtype=np.float64) / 1e3
    return f"mean {us.mean():8.2f}  p50 {np.percentile(us, 50):8.2f}  p99 {np.percentile(us, 99):8.2f} us"


def timed(fn, reps: int) -> list[int]:
    out = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        fn()
        out.append(time.perf_counter_ns() - t0)
    return out


def first_visit(dfa, vocab: Vocabulary, state: int, reps: int) -> list[int]:
    def one():
        DFAMaskStore(dfa, vocab).alive(state)

    return timed(one, reps)


def teacher_force(grammar, ids: list[int], reps: int) -> tuple[list[int], list[int]]:
    mask_ns, accept_ns = [], []
    clock = time.perf_counter_ns
    for _ in range(reps):
        m = grammar.matcher()
        for t in ids:
            t0 = clock()
            m.next_token_mask()
            t1 = clock()
            ok = m.accept_token(t)
            t2 = clock()
            assert ok, "teacher-forced token refused"
            mask_ns.append(t1 - t0)
            accept_ns.append(t2 - t1)
    return mask_ns, accept_ns


def bench_tokenizer(name: str, reps: int) -> None:
    path = tokenizer_path(name) / "tokenizer.json"
    if not path.exists():
        print(f"[{name}] skipped: {path} not found (set CONSTRAIN_DATA_DIR)")
        return
    from tokenizers import Tokenizer

    import constrain.tokenizers as tk

    tk.clear_cache()
    t0 = time.perf_counter()
    vocab = Vocabulary.from_file(path)
    t1 = time.perf_counter()
    trie = vocab.trie
    t2 = time.perf_counter()
    print(f"[{name}] vocab size {vocab.size}, EOS {vocab.eos_token_ids}, trie nodes {trie.n_nodes}")
    print(f"  vocabulary build        {1e3 * (t1 - t0):8.1f} ms")
    print(f"  trie build              {1e3 * (t2 - t1):8.1f} ms")

    json_dfa = regex_to_dfa(JSON_STRING)
    body = json_dfa.walk(json_dfa.start, b'"')
    date_dfa = regex_to_dfa(DATE)
    print(f"  first-visit wide mask   {stats(first_visit(json_dfa, vocab, body, reps))}")
    print(f"  first-visit narrow mask {stats(first_visit(date_dfa, vocab, date_dfa.start, reps))}")

    grammar = compile_regex(JSON_STRING, vocab)
    ids = Tokenizer.from_file(str(path)).encode(SAMPLE_TEXT, add_special_tokens=False).ids
    teacher_force(grammar, ids, 1)  # fill the cache
    mask_ns, accept_ns = teacher_force(grammar, ids, reps)
    both = [a + b for a, b in zip(mask_ns, accept_ns)]
    print(f"  cached next_token_mask  {stats(mask_ns)}")
    print(f"  accept_token            {stats(accept_ns)}")
    print(f"  mask + accept           {stats(both)}   ({len(ids)} tokens x {reps})")
    fill = fill_and_accept(grammar, ids, reps)
    print(f"  fill buffer + accept    {stats(fill)}")
    bench_xgrammar(path, vocab, ids, reps, fill)


def fill_and_accept(grammar, ids: list[int], reps: int) -> list[int]:
    """Per token: write the mask into a preallocated [1, words] buffer, then accept."""
    buf = np.zeros((1, grammar.vocab.n_words), dtype=np.int32)
    out = []
    clock = time.perf_counter_ns
    for _ in range(reps):
        m = grammar.matcher()
        for t in ids:
            t0 = clock()
            m.fill_next_token_mask(buf, 0)
            m.accept_token(t)
            out.append(clock() - t0)
    return out


def bench_xgrammar(path, vocab: Vocabulary, ids: list[int], reps: int, ours_ns: list[int]) -> None:
    """The same regex and text through xgrammar (when installed): compile, fill + accept."""
    try:
        import torch
        import xgrammar as xgr
        from transformers import PreTrainedTokenizerFast
    except ImportError:
        return
    hf = PreTrainedTokenizerFast(tokenizer_file=str(path))
    info = xgr.TokenizerInfo.from_huggingface(hf, vocab_size=vocab.size, stop_token_ids=list(vocab.eos_token_ids))
    t0 = time.perf_counter()
    compiled = xgr.GrammarCompiler(info, max_threads=1, cache_enabled=False).compile_regex(JSON_STRING)
    t1 = time.perf_counter()
    bitmask = xgr.allocate_token_bitmask(1, vocab.size)
    per_token = []
    clock = time.perf_counter_ns
    for _ in range(reps + 1):
        m = xgr.GrammarMatcher(compiled)
        for t in ids:
            t0n = clock()
            m.fill_next_token_bitmask(bitmask)
            ok = m.accept_token(t)
            per_token.append(clock() - t0n)
            assert ok
    per_token = per_token[len(ids):]
    ratio = np.mean(ours_ns) / np.mean(per_token)
    print(f"  xgrammar compile        {1e3 * (t1 - t0):8.1f} ms (whole regex, 1 thread)")
    print(f"  xgrammar mask + accept  {stats(per_token)}")
    print(f"  ratio ours/xgrammar (fill buffer + accept, same run): {ratio:.3f}")
    del torch


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m constrain.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--tokenizers", nargs="+", default=["llama3", "gemma3"])
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args(argv)
    for name in args.tokenizers:
        bench_tokenizer(name, args.reps)


if __name__ == "__main__":
    main()
