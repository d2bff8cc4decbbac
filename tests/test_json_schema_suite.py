"""Ratchet: pass counts of compile_json_schema on the JSON Schema Test Suite files and on a
fixed JSONSchemaBench sample, compared with tests/data/jsts_expected.json.

A group passes when it compiles, every valid instance (compact and `json.dumps` default
separators) is accepted token by token (llama3) and can end, and every invalid instance is
rejected. Fewer passes than recorded fails (regression); more passes prints the new figure
to record. An accepted invalid instance or a crash always fails.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from constrain.data import data_dir
from tests.conftest import require_path, require_tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from jsonschemabench.check import check_schema  # noqa: E402
from jsonschemabench.data import load_rows  # noqa: E402
from jsonschemabench.engines import ConstrainEngine  # noqa: E402

EXPECTED = Path(__file__).parent / "data" / "jsts_expected.json"
JSTS_FILES = ["jsts_draft2020-12.jsonl", "jsts_draft7.jsonl", "jsts_draft2020-12_optional.jsonl",
              "jsts_draft7_optional.jsonl"]
BENCH_FILES = ["Github_easy.jsonl", "Github_medium.jsonl", "Glaiveai2K.jsonl", "BFCL.jsonl",
               "Snowplow.jsonl", "JsonSchemaStore.jsonl"]
BENCH_PER_FILE = 5


@pytest.fixture(scope="module")
def llama3():
    path = require_tokenizer("llama3")
    return ConstrainEngine(path), Tokenizer.from_file(str(path))


def _outcomes(rows, llama3, separator_sets):
    engine, tok = llama3
    results = {}
    for row in rows:
        status = "pass"
        for seps in separator_sets:
            result = check_schema(row, engine, tok, seps)
            status, detail = result.strict_status, result.detail
            assert status not in ("invalidation", "crash"), (row["id"], status, detail)
            if status != "pass":
                break
        results[row["id"]] = status
    return results


def _ratchet(name: str, passed: int) -> None:
    expected = json.loads(EXPECTED.read_text())[name]
    assert passed >= expected, f"{name}: {passed} groups pass, {expected} recorded (regression)"
    if passed > expected:
        print(f"\n{name}: {passed} groups pass (recorded {expected}); update {EXPECTED.name}")


@pytest.mark.parametrize("name", JSTS_FILES)
def test_json_schema_test_suite(name, llama3):
    require_path(data_dir() / "jsonschemabench" / name)
    rows = load_rows([name], None, 0)
    results = _outcomes(rows, llama3, [(",", ":"), None])
    _ratchet(name, sum(s == "pass" for s in results.values()))


def test_jsonschemabench_sample(llama3):
    for name in BENCH_FILES:
        require_path(data_dir() / "jsonschemabench" / name)
    rows = load_rows(BENCH_FILES, BENCH_PER_FILE, 0)
    results = _outcomes(rows, llama3, [None])
    _ratchet("bench_sample", sum(s == "pass" for s in results.values()))
