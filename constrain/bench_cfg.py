"""`python -m constrain.bench_cfg`: context-free grammar figures with the llama3 tokenizer.

Prints, per builtin grammar (json, python, go, sql): compile time = grammar load + lexer and
parser build + the first mask, from scratch (no cache); then the per-token mask time
(`next_token_mask`, first visits and cache hits as they come) while teacher-forcing real files:
standard-library Python files for `python`, JSON files found on the machine for `json`.
Figures are mean / p50 / p99 in microseconds.
"""
from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import random
import site
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np

from constrain.data import tokenizer_path
from constrain.grammars.builtin import load_builtin
from constrain.grammars.cfg_matcher import CFGGrammar
from constrain.vocab import Vocabulary


def python_files(n: int, max_chars: int) -> list[str]:
    root = Path(sysconfig.get_paths()["stdlib"])
    texts = []
    for path in sorted(root.glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if len(text) <= max_chars:
            texts.append(text)
    random.Random(0).shuffle(texts)
    return texts[:n]


def json_files(n: int, max_chars: int) -> list[str]:
    roots = {*site.getsitepackages(), sys.prefix}
    texts = []
    for path in sorted({f for r in roots for f in glob.glob(os.path.join(r, "**/*.json"), recursive=True)}):
        if os.path.getsize(path) > max_chars:
            continue
        try:
            text = open(path, encoding="utf-8").read()
            json.loads(text)
        except (ValueError, UnicodeDecodeError):
            continue
        texts.append(text)
    random.Random(0).shuffle(texts)
    return texts[:n]


def compile_seconds(name: str, vocab: Vocabulary) -> tuple[float, CFGGrammar]:
    t0 = time.perf_counter()
    grammar = CFGGrammar(load_builtin(name), vocab)
    grammar.matcher().next_token_mask()
    return time.perf_counter() - t0, grammar


def teacher_force(grammar: CFGGrammar, tok, texts: list[str]) -> list[int]:
    """Per-token `next_token_mask` times (ns) over all texts, one warm grammar."""
    times = []
    for text in texts:
        m = grammar.matcher()
        for t in tok.encode(text, add_special_tokens=False).ids:
            t0 = time.perf_counter_ns()
            m.next_token_mask()
            times.append(time.perf_counter_ns() - t0)
            if not m.accept_token(t):
                raise AssertionError(f"{grammar} refused a token of a valid file")
    return times


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=20, help="files to teacher-force per grammar")
    ap.add_argument("--max-chars", type=int, default=4000)
    args = ap.parse_args(argv)
    from tokenizers import Tokenizer

    path = tokenizer_path("llama3") / "tokenizer.json"
    vocab = Vocabulary.from_file(path)
    vocab.trie  # built once, outside the per-grammar figures
    tok = Tokenizer.from_file(str(path))
    corpora = {"json": json_files, "python": python_files}
    for name in ("json", "python", "go", "sql"):
        seconds, grammar = compile_seconds(name, vocab)
        line = f"{name:7s} compile+first mask {seconds * 1e3:8.1f} ms ({grammar.parser.kind})"
        if name in corpora:
            texts = corpora[name](args.files, args.max_chars)
            us = np.asarray(teacher_force(grammar, tok, texts), dtype=np.float64) / 1e3
            line += (f" | {len(texts)} files, {us.size} tokens: mask mean {us.mean():8.1f}"
                     f"  p50 {np.percentile(us, 50):6.1f}  p99 {np.percentile(us, 99):8.1f} us")
        print(line, flush=True)
    if importlib.util.find_spec("syncode") is None:
        print("syncode: not installed (its pinned dependencies would replace this torch); no same-run comparison")


if __name__ == "__main__":
    main()
