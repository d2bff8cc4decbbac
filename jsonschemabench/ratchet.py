"""`python -m jsonschemabench ratchet [--update]`: constrain on a fixed sample vs. a recorded file.

The sample is `SAMPLE_PER_SUBSET` rows of every benchmark subset (not the Test Suite) drawn
with `SAMPLE_SEED`, run through the maskbench workers with the llama3 tokenizer. The check
fails (non-zero exit) on: any invalidation error (either verdict), crash or timeout; fewer
passing or strict-passing schemas than recorded; a recorded passing schema that no longer
passes; a sample that is not the recorded one. Improvements are printed; `--update`
records the current results when there is no invalidation error, crash or timeout.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

from jsonschemabench.check import CRASH, INVALIDATION, PASS, TIMEOUT, SchemaResult
from jsonschemabench.data import bench_dir, load_rows, subsets
from jsonschemabench.maskbench import resolve_tokenizer, run_maskbench

EXPECTED = Path(__file__).with_name("expected_sample.json")
SAMPLE_PER_SUBSET = 2
SAMPLE_SEED = 2
TOKENIZER = "llama3"
ENGINE = "constrain"
TIMEOUT_S = 300.0
HARD_FAILURES = (INVALIDATION, CRASH, TIMEOUT)


@dataclass
class Verdict:
    """What the comparison found: failures make the ratchet fail, notes (improvements) are news."""

    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hard_failures: bool = False


def sample_rows(data=None) -> list[dict]:
    folder = bench_dir(data)
    return load_rows(subsets(folder), SAMPLE_PER_SUBSET, SAMPLE_SEED, folder)


def record(results: list[SchemaResult]) -> dict:
    return {"engine": ENGINE, "tokenizer": TOKENIZER, "per_subset": SAMPLE_PER_SUBSET, "seed": SAMPLE_SEED,
            "schemas": len(results),
            "passing": sum(r.status == PASS for r in results),
            "strict_passing": sum(r.strict_status == PASS for r in results),
            "status": {r.id: [r.status, r.strict_status] for r in results}}



def compare(results: list[SchemaResult], expected: dict) -> Verdict:
    """The ratchet's verdict on results against the recorded expectation."""
    verdict = Verdict()
    for r in results:
        for status in {r.status, r.strict_status} & set(HARD_FAILURES):
            verdict.failures.append(f"{r.id}: {status} ({r.detail})")
            verdict.hard_failures = True
    now = record(results)
    if set(now["status"]) != set(expected["status"]):
        verdict.failures.append("the sample's schema ids differ from the recorded ones (data changed?); "
                                "run with --update to record the new sample")
        return verdict
    for key in ("passing", "strict_passing"):
        if now[key] < expected[key]:
            verdict.failures.append(f"{key}: {now[key]} of {now['schemas']}, recorded {expected[key]} (regression)")
        elif now[key] > expected[key]:
            verdict.notes.append(f"improved {key}: {now[key]} of {now['schemas']}, recorded {expected[key]}")
    for schema_id, now_pair in now["status"].items():
        was_pair = expected["status"][schema_id]
        lost = any(was == PASS and is_ != PASS for was, is_ in zip(was_pair, now_pair))
        change = f"{schema_id}: was {'/'.join(was_pair)}, now {'/'.join(now_pair)}"
        if lost:
            verdict.failures.append(change)
        elif list(now_pair) != list(was_pair):
            verdict.notes.append(change)
    return verdict


def run_ratchet(update: bool = False, data=None, expected_path: Path = EXPECTED, progress: bool = False,
                say=print) -> int:
    """0 when the ratchet holds (or was updated), 1 when it fails; messages go to say()."""
    rows = sample_rows(data)
    results = run_maskbench(rows, [ENGINE], resolve_tokenizer(TOKENIZER), TIMEOUT_S, progress=progress)
    now = record(results)
    say(f"ratchet: {now['passing']} of {now['schemas']} passing, {now['strict_passing']} strict")
    expected = json.loads(expected_path.read_text()) if expected_path.exists() else None
    if expected is not None:
        verdict = compare(results, expected)
    else:
        verdict = Verdict(failures=[] if update else [f"no recorded results at {expected_path}; run with --update"],
                          hard_failures=any({r.status, r.strict_status} & set(HARD_FAILURES) for r in results))
    for line in verdict.notes:
        say(line)
    for line in verdict.failures:
        say(f"FAIL: {line}")
    if update:
        if verdict.hard_failures:
            say("not updating: invalidation errors, crashes or timeouts must be fixed, not recorded")
            return 1
        expected_path.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        say(f"recorded {expected_path}")
        return 0
    return 1 if verdict.failures else 0


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--update", action="store_true", help="record the current results")
    ap.add_argument("--data", default=None, help="data folder (default: $CONSTRAIN_DATA_DIR/jsonschemabench)")
    ap.add_argument("--no-progress", action="store_true")


def main(args) -> int:
    return run_ratchet(args.update, args.data, progress=not args.no_progress)
