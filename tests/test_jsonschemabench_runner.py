"""The jsonschemabench runner: classifier, timing aggregation, subprocess workers, reports.

The worker tests run fake engines (tests/jsonschemabench_fakes.py) through the real
subprocess machinery with a short timeout: a crash and a hang must be recorded as such, the
run must finish, and later schemas must still be checked (by a fresh worker).
"""
from __future__ import annotations

import argparse
import importlib.util
import json

import pytest

from jsonschemabench.check import (COMPILE, CRASH, INVALIDATION, PASS, TIMEOUT, VALIDATION, InstanceRun,
                                   SchemaResult, classify)
from jsonschemabench.data import DataError, load_rows, subsets
from jsonschemabench.engines import ConstrainEngine
from jsonschemabench.maskbench import run_maskbench
from jsonschemabench.report import write_report
from jsonschemabench.stats import common_ttfm_us, paired_ttfm_ratio, percentiles_us, ratios, summarize
from jsonschemabench.testsuite import category
from jsonschemabench.workers import EngineWorker
from tests.conftest import require_tokenizer
from tests.jsonschemabench_fakes import CRASH_MARK, HANG_MARK

FAKES = "tests.jsonschemabench_fakes"
TIMEOUT_S = 2.0


def _row(n: int, title: str | None = None) -> dict:
    schema = {"type": "integer", "minimum": 5}
    if title:
        schema["title"] = title
    return {"id": f"fake/{n}", "subset": "fake", "schema": schema, "valid": [5, 42], "invalid": [3, "x"]}


@pytest.fixture(scope="module")
def tokenizer_json():
    return require_tokenizer("llama3")


# --- classifier ------------------------------------------------------------------------------

def test_classify_pass_and_precedence():
    ok, refused, prefix = InstanceRun(True, True, "ok"), InstanceRun(False, False, "no"), InstanceRun(True, False, "pre")
    assert classify([ok], [refused]) == ((PASS, ""), (PASS, ""))
    # an invalid instance whose tokens are all allowed but that cannot end is refused
    assert classify([ok], [prefix]) == ((PASS, ""), (PASS, ""))
    # a valid instance refused at a token is a validation error, before any invalidation error
    assert classify([refused], [ok]) == ((VALIDATION, "no"), (VALIDATION, "no"))
    assert classify([ok], [refused, ok]) == ((INVALIDATION, "ok"), (INVALIDATION, "ok"))


def test_classify_strict_requires_eos_after_valid():
    prefix = InstanceRun(True, False, "pre")
    assert classify([prefix], []) == ((PASS, ""), (VALIDATION, "pre"))


# --- timing aggregation ----------------------------------------------------------------------

def _result(engine, n, status=PASS, ttfm=None, tbm=(), subset="a", strict=None):
    return SchemaResult(engine, f"{subset}/{n}", subset, status, strict or status, ttfm, list(tbm))


def test_percentiles_in_microseconds():
    stats = percentiles_us([i * 1e-6 for i in range(1, 101)], (50, 99))
    assert stats["mean"] == pytest.approx(50.5)
    assert stats["p50"] == pytest.approx(50.5)
    assert stats["p99"] == pytest.approx(99.01)
    assert percentiles_us([], (50,)) == {"mean": None, "p50": None}


def test_summary_counts_and_same_run_ratios():
    results = [_result("ref", 0, ttfm=1e-3, tbm=[1e-6, 3e-6]), _result("ref", 1, COMPILE),
               _result("x", 0, ttfm=4e-3, tbm=[2e-6, 6e-6]), _result("x", 1, ttfm=2e-3, strict=VALIDATION)]
    s = summarize(results)
    assert list(s) == ["ref", "x"]
    assert (s["ref"].counts[PASS], s["ref"].counts[COMPILE], s["ref"].schemas) == (1, 1, 2)
    assert (s["x"].counts[PASS], s["x"].strict_counts[PASS], s["x"].strict_counts[VALIDATION]) == (2, 1, 1)
    assert s["x"].share(PASS) == 100.0 and s["x"].share(PASS, strict=True) == 50.0
    assert s["x"].tokens == 2
    r = ratios(s["x"], s["ref"])
    assert r["tbm mean"] == pytest.approx(2.0)
    assert r["ttfm p50"] == pytest.approx(3.0)       # x: median of 4 ms and 2 ms over 1 ms
    # paired: only the schema both compiled counts
    assert paired_ttfm_ratio(results, "x", "ref") == pytest.approx(4.0)
    assert ratios(s["ref"], summarize([_result("ref", 0, COMPILE)])["ref"])["ttfm p50"] is None


def test_common_ttfm_leaves_out_schemas_one_engine_did_not_compile():
    results = [_result("ref", 0, ttfm=1e-3), _result("ref", 1, COMPILE), _result("ref", 2, ttfm=3e-3),
               _result("x", 0, ttfm=2e-3), _result("x", 1, ttfm=9.0), _result("x", 2, ttfm=4e-3)]
    n, stats = common_ttfm_us(results)
    assert n == 2
    assert stats["ref"]["mean"] == pytest.approx(2000.0) and stats["x"]["mean"] == pytest.approx(3000.0)
    assert stats["x"]["p50"] == pytest.approx(3000.0)     # x's 9 s on schema 1 is not counted


# --- workers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("block", [1, 3])
def test_crash_and_hang_are_recorded_and_the_run_goes_on(tokenizer_json, block):
    rows = [_row(0), _row(1, CRASH_MARK), _row(2, HANG_MARK), _row(3)]
    results = run_maskbench(rows, [f"{FAKES}:CrashOnMark", f"{FAKES}:HangOnMark"], tokenizer_json, TIMEOUT_S,
                            progress=False, block=block)
    # row-major whatever the block size: each row's results in the order the engines were given
    assert [(r.id, r.engine) for r in results] == [(f"fake/{i}", e) for i in range(4) for e in ("crasher", "hanger")]
    got = {(r.engine, r.id): (r.status, r.strict_status) for r in results}
    assert [got["crasher", f"fake/{i}"][0] for i in range(4)] == [PASS, CRASH, PASS, PASS]
    assert [got["hanger", f"fake/{i}"][0] for i in range(4)] == [PASS, PASS, TIMEOUT, PASS]
    assert got["hanger", "fake/2"] == (TIMEOUT, TIMEOUT)
    assert "exit code 139" in next(r.detail for r in results if r.status == CRASH)


def test_constrain_engine_builds_its_token_trie_before_any_schema(tokenizer_json):
    engine = ConstrainEngine(tokenizer_json)
    assert engine.vocab._trie is not None and engine.vocab._fingerprint is not None


def test_worker_is_replaced_after_a_crash(tokenizer_json):
    worker = EngineWorker(f"{FAKES}:CrashOnMark", tokenizer_json, TIMEOUT_S)
    try:
        statuses = [worker.check(row).status for row in (_row(0), _row(1, CRASH_MARK), _row(2))]
        assert statuses == [PASS, CRASH, PASS]
        assert worker.starts == 2
    finally:
        worker.close()


def test_fake_engine_verdicts(tokenizer_json):
    specs = ["constrain"] + [f"{FAKES}:{name}" for name in ("AcceptAll", "RejectAll", "RefuseToCompile", "RaiseInAccept")]
    results = run_maskbench([_row(0)], specs, tokenizer_json, 30.0, progress=False)
    got = {r.engine: r for r in results}
    assert (got["constrain"].status, got["constrain"].strict_status) == (PASS, PASS)
    assert got["constrain"].ttfm > 0 and len(got["constrain"].tbm) > 0
    assert got["accept_all"].status == INVALIDATION and got["accept_all"].detail == "3"
    assert got["reject_all"].status == VALIDATION and got["reject_all"].detail == "5"
    assert got["refuser"].status == COMPILE and "SchemaError" in got["refuser"].detail
    assert got["refuser"].ttfm is None
    assert got["raiser"].status == CRASH and "accept exploded" in got["raiser"].detail
    assert got["raiser"].ttfm is not None


# --- data and reports ------------------------------------------------------------------------

def test_jsonl_rows_sampled_with_a_fixed_seed(tmp_path):
    rows = [{"id": f"A/{i}", "subset": "A", "schema": {}, "valid": [], "invalid": []} for i in range(10)]
    (tmp_path / "A.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "jsts_draft7.jsonl").write_text(json.dumps({**rows[0], "id": "draft7/x#0", "subset": "jsts_draft7"}))
    assert subsets(tmp_path) == ["A"] and subsets(tmp_path, test_suite=True) == ["jsts_draft7"]
    first = load_rows(["A"], 3, 7, tmp_path)
    assert len(first) == 3 and first == load_rows(["A.jsonl"], 3, 7, tmp_path)
    assert load_rows(["jsts_draft7"], None, 0, tmp_path)[0]["schema"]["$schema"].endswith("draft-07/schema#")
    with pytest.raises(DataError, match="not found"):
        load_rows(["B"], None, 0, tmp_path)


def test_hugging_face_layout_needs_a_parquet_reader(tmp_path):
    (tmp_path / "Github_easy").mkdir()
    path = tmp_path / "Github_easy" / "test-00000-of-00001.parquet"
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        if importlib.util.find_spec("pandas") is not None:
            pytest.skip("pandas without pyarrow: no writer for the test file")
        path.write_bytes(b"PAR1")
        with pytest.raises(DataError, match="pyarrow or pandas"):
            load_rows(["Github_easy"], None, 0, tmp_path)
        return
    pq.write_table(pa.table({"unique_id": ["o1"], "json_schema": ['{"type": "string"}']}), path)
    rows = load_rows(["Github_easy"], None, 0, tmp_path)
    assert rows == [{"id": "Github_easy/o1", "subset": "Github_easy", "schema": {"type": "string"},
                     "valid": [], "invalid": []}]


def test_test_suite_category():
    assert category("draft7/additionalItems#0") == "additionalItems"
    assert category("draft2020-12/optional/bignum#3") == "optional/bignum"


def test_report_files(tmp_path):
    results = [_result("ref", 0, ttfm=1e-3, tbm=[1e-6, 3e-6]), _result("ref", 1, TIMEOUT, subset="b"),
               _result("eng", 0, ttfm=2e-3, tbm=[2e-6]), _result("eng", 1, INVALIDATION, ttfm=1e-3, tbm=[1e-6],
                                                                  subset="b")]
    paths = write_report(results, tmp_path / "out", "ref")
    assert all(p.exists() for p in paths)
    lines = (tmp_path / "out" / "results.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["engine"], r["status"]) for r in records] == [("ref", PASS), ("ref", TIMEOUT), ("eng", PASS),
                                                             ("eng", INVALIDATION)]
    assert records[0]["ttfm_us"] == pytest.approx(1000.0) and records[1]["ttfm_us"] is None
    md = (tmp_path / "out" / "report.md").read_text()
    assert "| ref | 2 | 1 (50.0%)" in md and "| eng | 2 | 1 (50.0%)" in md
    assert "| b | 0/1 (0%) | 0/1 (0%) |" in md
    assert "| eng | 1.50x | 1.50x |" in md  # TTFM mean and p50 over ref's
    # on the one schema both compiled (a/0), eng took 2 ms against ref's 1 ms
    assert "1 schemas;" in md and "| eng | 2,000 | 2,000 | 2,000 | 2,000 | 2.00x |" in md
    for name in ("tbm_cdf.png", "ttfm_cdf.png", "passing_by_subset.png"):
        assert (tmp_path / "out" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- generate --------------------------------------------------------------------------------

def test_generate_protocol_on_a_tiny_model():
    from constrain import Vocabulary
    from jsonschemabench.generate import run_generate, table
    from tests.hf_tiny import hf_tokenizer, tiny_llama

    tok = hf_tokenizer("llama3")
    model = tiny_llama(Vocabulary.from_hf(tok).size)
    rows = [{"id": "t/0", "subset": "t", "schema": {"type": "boolean"}},
            {"id": "t/1", "subset": "t", "schema": {"type": "string", "pattern": "(?<=a)b"}}]  # lookbehind: unsupported
    modes = run_generate(rows, model, tok, argparse.Namespace(sampler="greedy", max_new_tokens=12), progress=False)
    con, free = modes["constrained"], modes["unconstrained"]
    assert (con.schemas, con.compiled, con.valid, len(con.gct)) == (2, 1, 1, 1)
    assert len(con.ttft) == 1 and len(con.tpot) == 1 and con.tpot[0] > 0
    assert (free.schemas, free.compiled, len(free.ttft)) == (2, 2, 2) and free.valid <= 2
    assert "| constrained | 2 | 50.0% | 50.0% | 100.0% |" in table(modes)
