"""`python -m jsonschemabench maskbench`: every engine on every selected schema, interleaved.

Rows are taken in blocks of `--block` rows (default 1) and each block is given to each
engine's worker in turn: engines interleaved block by block, so machine noise hits them
alike. With one row per block an engine's compile starts right after the other engines'
processes ran, with the CPU caches theirs; larger blocks let each engine run as it would
alone, between switches. Each worker is a subprocess with a per-schema timeout (see
workers.py). The results go to stdout as a table and, with --out, to results.jsonl, report.md
and PNG plots.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from constrain.data import tokenizer_path
from jsonschemabench.check import PASS, SchemaResult
from jsonschemabench.data import bench_dir, load_rows, subsets
from jsonschemabench.engines import installed_engines
from jsonschemabench.report import engine_table, ratio_table, write_report
from jsonschemabench.stats import summarize
from jsonschemabench.workers import EngineWorker, WorkerStartError

DEFAULT_TIMEOUT = 60.0


def resolve_tokenizer(name: str) -> Path:
    """A tokenizer.json path from a path (file or folder) or a shared tokenizer name."""
    path = Path(name)
    if path.is_file():
        return path
    if (path / "tokenizer.json").is_file():
        return path / "tokenizer.json"
    return tokenizer_path(name) / "tokenizer.json"


def add_selection_args(ap: argparse.ArgumentParser, sample_flags=("--per-subset",), tokenizer: bool = True) -> None:
    """Options choosing the data, the rows and the tokenizer (shared by the subcommands)."""
    ap.add_argument("--data", default=None, help="data folder (default: $CONSTRAIN_DATA_DIR/jsonschemabench)")
    ap.add_argument("--subset", "--files", dest="subsets", nargs="+", default=None,
                    help="subset names or .jsonl file names (default: every subset)")
    ap.add_argument("--split", default="test", help="split of a Hugging Face parquet snapshot")
    ap.add_argument(*sample_flags, dest="per_subset", type=int, default=None,
                    help="a fixed random sample of N rows per subset")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=None, help="at most N rows in all")
    if tokenizer:
        ap.add_argument("--tokenizer", default="llama3", help="shared tokenizer name or path to tokenizer.json")


def select_rows(args, test_suite: bool = False) -> list[dict]:
    folder = bench_dir(args.data)
    names = args.subsets or subsets(folder, test_suite=test_suite)
    rows = load_rows(names, args.per_subset, args.seed, folder, args.split)
    return rows[: args.limit] if args.limit is not None else rows


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def add_engine_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--engines", nargs="+", default=None,
                    help="engine names or module:Class (default: every installed one of "
                         "constrain, llguidance, xgrammar, outlines_core)")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per schema per engine")
    ap.add_argument("--out", type=Path, default=None, help="folder for results.jsonl, report.md and plots")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--block", type=positive_int, default=1,
                    help="rows each engine takes in a row before the next engine takes them (default 1: "
                         "engines interleaved schema by schema)")


def add_arguments(ap: argparse.ArgumentParser) -> None:
    add_selection_args(ap)
    add_engine_args(ap)
    ap.add_argument("--reference", default=None, help="engine for same-run ratios (default: llguidance if run, "
                                                      "else constrain)")


def run_maskbench(rows: list[dict], specs: list[str], tokenizer_json: Path, timeout: float = DEFAULT_TIMEOUT,
                  separators=None, progress: bool = True, block: int = 1) -> list[SchemaResult]:
    """Results of every engine on every row, in row-major order (each row's results in the
    order of `specs`), whatever the `block` size the engines took the rows in."""
    from tqdm import tqdm
    if block < 1:
        raise ValueError(f"block must be at least 1, not {block}")
    workers = [EngineWorker(spec, tokenizer_json, timeout, separators) for spec in specs]
    results: list[SchemaResult] = []
    passing = {spec: 0 for spec in specs}
    try:
        with tqdm(total=len(rows), desc="maskbench", unit="schema", disable=not progress, file=sys.stderr) as bar:
            for start in range(0, len(rows), block):
                chunk = rows[start:start + block]
                by_engine = []
                for spec, worker in zip(specs, workers):
                    by_engine.append([worker.check(row) for row in chunk])
                    passing[spec] += sum(result.status == PASS for result in by_engine[-1])
                results += [result for row_results in zip(*by_engine) for result in row_results]
                bar.update(len(chunk))
                bar.set_postfix({w.name: passing[s] for s, w in zip(specs, workers)}, refresh=False)
    finally:
        for worker in workers:
            worker.close()
    return results


def default_reference(engines: list[str]) -> str:
    return "llguidance" if "llguidance" in engines else "constrain" if "constrain" in engines else engines[0]


def main(args) -> int:
    specs = args.engines or installed_engines()
    rows = select_rows(args)
    tokenizer_json = resolve_tokenizer(args.tokenizer)
    print(f"maskbench: {len(rows)} schemas, engines {' '.join(specs)}, tokenizer {tokenizer_json}", file=sys.stderr)
    try:
        results = run_maskbench(rows, specs, tokenizer_json, args.timeout, progress=not args.no_progress,
                                block=args.block)
    except WorkerStartError as e:
        print(f"error: engine could not start: {e}", file=sys.stderr)
        return 2
    summaries = summarize(results)
    reference = args.reference or default_reference(list(summaries))
    print(engine_table(summaries))
    if reference in summaries:
        print(f"\nSame-run ratios to {reference}:\n" + ratio_table(results, summaries, reference))
    if args.out is not None:
        command = "python -m jsonschemabench " + shlex.join(sys.argv[1:])
        for path in write_report(results, args.out, reference, command):
            print(f"wrote {path}", file=sys.stderr)
    return 0
