"""CI ratchet: constrain on the fixed JSONSchemaBench sample vs. jsonschemabench/expected_sample.json.

Fails on any invalidation error, crash or timeout, on fewer (strict) passing schemas than
recorded, and on a recorded passing schema that no longer passes. Improvements are printed;
record them with `python -m jsonschemabench ratchet --update`.
"""
from __future__ import annotations

from jsonschemabench.check import CRASH, INVALIDATION, PASS, VALIDATION, SchemaResult
from jsonschemabench.data import bench_dir
from jsonschemabench.ratchet import compare, record, run_ratchet
from tests.conftest import require_path, require_tokenizer
from constrain.data import data_dir


def test_ratchet_holds():
    require_path(data_dir() / "jsonschemabench")
    require_tokenizer("llama3")
    messages = []
    code = run_ratchet(data=bench_dir(), say=messages.append)
    print("\n".join(messages))
    assert code == 0, "\n".join(messages)


def _results(*statuses):
    return [SchemaResult("constrain", f"s/{i}", "s", status, strict) for i, (status, strict) in enumerate(statuses)]


def test_compare_flags_regressions_and_hard_failures():
    expected = record(_results((PASS, PASS), (PASS, VALIDATION), (VALIDATION, VALIDATION)))
    same = compare(_results((PASS, PASS), (PASS, VALIDATION), (VALIDATION, VALIDATION)), expected)
    assert not same.failures and not same.notes
    better = compare(_results((PASS, PASS), (PASS, PASS), (VALIDATION, VALIDATION)), expected)
    assert not better.failures and any("strict_passing" in n for n in better.notes)
    swapped = compare(_results((VALIDATION, VALIDATION), (PASS, PASS), (PASS, PASS)), expected)
    assert any("s/0" in f for f in swapped.failures)
    broken = compare(_results((PASS, PASS), (PASS, VALIDATION), (INVALIDATION, INVALIDATION)), expected)
    assert broken.hard_failures and any("invalidation" in f for f in broken.failures)
    crashed = compare(_results((PASS, PASS), (CRASH, CRASH), (VALIDATION, VALIDATION)), expected)
    assert crashed.hard_failures and len(crashed.failures) >= 2  # the crash and the lost pass
    other = compare(_results((PASS, PASS)), expected)
    assert other.failures and "ids differ" in other.failures[0]
