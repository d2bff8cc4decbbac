"""Quick MaskBench-style run of compile_json_schema over a sample of the JSONSchemaBench files.

For each schema: compile (time to first mask = compile + first mask), then every valid
instance (json.dumps default separators) must be accepted token by token and end, every
invalid one must be rejected at some token or fail to end. Prints passing / compile errors
/ validation errors (valid rejected) / invalidation errors (invalid accepted) / crashes and
TTFM / TBM percentiles. The full benchmark runner is separate (issue 8).

    python jsonschemabench/maskbench_quick.py [--files jsts_draft7.jsonl ...] [--per-file N] [--seed S] [--llguidance]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter

from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from constrain import ConstrainError, Vocabulary
from constrain.data import data_dir, tokenizer_path
from constrain.grammars.json_schema import compile_json_schema


def load_rows(files: list[str], per_file: int | None, seed: int) -> list[dict]:
    rows = []
    for name in files:
        lines = [ln for ln in (data_dir() / "jsonschemabench" / name).read_text(encoding="utf-8").split("\n") if ln.strip()]
        if per_file is not None and len(lines) > per_file:
            lines = random.Random(seed).sample(lines, per_file)
        rows += [_with_draft(json.loads(line)) for line in lines]
    return rows


def _with_draft(row: dict) -> dict:
    """Test Suite rows of draft 7 without `$schema` are draft-7 schemas: say so."""
    schema = row["schema"]
    if "draft7" in row.get("subset", "") and isinstance(schema, dict) and "$schema" not in schema:
        row["schema"] = {"$schema": "http://json-schema.org/draft-07/schema#", **schema}
    return row


class Ours:
    """compile_json_schema through the same three calls as the peer adapters."""

    name = "constrain"

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab

    def compile(self, schema):
        return compile_json_schema(schema, self.vocab)

    def start(self, grammar):
        return grammar.matcher()

    def mask(self, m):
        m.next_token_mask()

    def accept(self, m, token: int) -> bool:
        return m.accept_token(token)

    def can_end(self, m) -> bool:
        return m.can_end()


class LLGuidance:
    """llguidance (strict JSON Schema, flexible whitespace) when installed."""

    name = "llguidance"

    def __init__(self, tokenizer_json: Path):
        import llguidance.hf
        import llguidance.numpy
        from transformers import PreTrainedTokenizerFast
        self.llg = llguidance
        self.tokenizer = llguidance.hf.from_tokenizer(PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_json)))
        self.bitmask = llguidance.numpy.allocate_token_bitmask(1, self.tokenizer.vocab_size)

    def compile(self, schema):
        grammar = self.llg.LLMatcher.grammar_from_json_schema(schema, defaults={"whitespace_flexible": True})
        probe = self.llg.LLMatcher(self.tokenizer, grammar)
        if probe.is_error():
            raise ConstrainError(probe.get_error())
        return grammar

    def start(self, grammar):
        return self.llg.LLMatcher(self.tokenizer, grammar, log_level=0)

    def mask(self, m):
        self.llg.numpy.fill_next_token_bitmask(m, self.bitmask, 0)

    def accept(self, m, token: int) -> bool:
        return m.consume_token(token) and not m.is_error()

    def can_end(self, m) -> bool:
        return m.is_accepting()


def run_instance(engine, grammar, ids: list[int], tbm: list[float] | None) -> bool:
    """Whether the token ids are accepted and may end (timing each mask when tbm is given)."""
    m = engine.start(grammar)
    for t in ids:
        if tbm is not None:
            t0 = time.perf_counter()
            engine.mask(m)
            tbm.append(time.perf_counter() - t0)
        if not engine.accept(m, t):
            return False
    return engine.can_end(m)


def check_schema(row: dict, engine, tok: Tokenizer, tbm: list[float] | None, separators=None):
    """('pass' | 'compile' | 'validation' | 'invalidation' | 'crash', ttfm seconds or None, detail)."""
    t0 = time.perf_counter()
    try:
        grammar = engine.compile(row["schema"])
        engine.mask(engine.start(grammar))
    except ConstrainError as e:
        return "compile", None, str(e)[:200]
    except Exception as e:  # noqa: BLE001 - a crash is a result here
        return "crash", None, f"{type(e).__name__}: {e}"[:200]
    ttfm = time.perf_counter() - t0
    try:
        for inst in row["valid"]:
            text = json.dumps(inst, ensure_ascii=False, separators=separators)
            if not run_instance(engine, grammar, tok.encode(text, add_special_tokens=False).ids, tbm):
                return "validation", ttfm, text[:200]
        for inst in row["invalid"]:
            text = json.dumps(inst, ensure_ascii=False, separators=separators)
            if run_instance(engine, grammar, tok.encode(text, add_special_tokens=False).ids, None):
                return "invalidation", ttfm, text[:200]
    except Exception as e:  # noqa: BLE001
        return "crash", ttfm, f"{type(e).__name__}: {e}"[:200]
    return "pass", ttfm, ""


def percentiles(xs: list[float], ps=(50, 90, 99, 99.9)) -> str:
    if not xs:
        return "-"
    a = np.array(xs) * 1e6
    return f"mean {a.mean():.0f} µs, " + ", ".join(f"p{p} {np.percentile(a, p):.0f}" for p in ps)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", nargs="*", default=None)
    ap.add_argument("--per-file", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tokenizer", default="llama3")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--llguidance", action="store_true", help="also run llguidance on the same rows")
    args = ap.parse_args(argv)
    files = args.files or sorted(p.name for p in (data_dir() / "jsonschemabench").glob("*.jsonl")
                                 if not p.name.startswith("jsts"))
    path = tokenizer_path(args.tokenizer) / "tokenizer.json"
    vocab, tok = Vocabulary.from_file(path), Tokenizer.from_file(str(path))
    rows = load_rows(files, args.per_file, args.seed)
    engines = [Ours(vocab)] + ([LLGuidance(path)] if args.llguidance else [])
    for engine in engines:
        report(engine, rows, tok, args.verbose)
    return 0


def report(engine, rows: list[dict], tok: Tokenizer, verbose: bool) -> None:
    counts, ttfm, tbm = Counter(), [], []
    reasons = Counter()
    for row in rows:
        status, t, detail = check_schema(row, engine, tok, tbm)
        counts[status] += 1
        if t is not None:
            ttfm.append(t)
        if status != "pass":
            reasons[(status, detail.split(":")[0][:60] if status == "compile" else "")] += 1
            if verbose or status in ("invalidation", "crash"):
                print(f"{engine.name} {status:12s} {row['id']}: {detail}", file=sys.stderr)
    n = len(rows)
    print(f"[{engine.name}] schemas {n}: passing {counts['pass']} ({100 * counts['pass'] / max(n, 1):.1f}%), "
          f"compile errors {counts['compile']}, validation errors {counts['validation']}, invalidation errors "
          f"{counts['invalidation']}, crashes {counts['crash']}")
    print(f"  TTFM: {percentiles(ttfm, (50, 90, 99))}")
    print(f"  TBM:  {percentiles(tbm)}")
    for (status, why), c in reasons.most_common(12):
        print(f"  {c:5d} {status} {why}")


if __name__ == "__main__":
    raise SystemExit(main())
