"""The walk audit (jsonschemabench/walk.py): random token walks on a fixed sample of the dev
split end in valid outputs and never in a dead end; and the audit does find a grammar that
allows too much, and a state with nothing allowed."""
from __future__ import annotations

import numpy as np
import pytest

from constrain import Vocabulary, compile_json_schema
from constrain.data import data_dir
from jsonschemabench.__main__ import main as jsonschemabench_main
from jsonschemabench.data import bench_dir, load_rows, subsets
from jsonschemabench.walk import audit
from tests.conftest import require_path, require_tokenizer

SAMPLE_PER_SUBSET = 2
SAMPLE_SEED = 5


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary.from_file(require_tokenizer("llama3")).prepare()


def test_walks_on_a_dev_split_sample_end_valid(vocab):
    folder = bench_dir(require_path(data_dir() / "jsonschemabench"))
    rows = load_rows(subsets(folder), SAMPLE_PER_SUBSET, SAMPLE_SEED, folder)
    findings = audit(rows, vocab, walks=2, max_tokens=400, seed=SAMPLE_SEED)
    assert findings.schemas >= len(rows) * 3 // 4
    assert findings.finished >= findings.walks // 2, findings.summary()
    assert not findings.invalid and not findings.dead_ends, findings


def test_a_grammar_that_allows_too_much_is_found(vocab):
    rows = [{"id": "at least 5", "schema": {"type": "integer", "minimum": 5}}]
    findings = audit(rows, vocab, walks=30, max_tokens=40,
                     compile_schema=lambda schema, v: compile_json_schema({"type": "integer"}, v))
    assert findings.invalid and all("less than the minimum" in f.problem for f in findings.invalid)
    assert not audit(rows, vocab, walks=30, max_tokens=40).invalid


class _NothingAllowed:
    """A matcher at a state where no token is allowed and the output cannot end."""

    def __init__(self, vocab):
        self.words = vocab.n_words

    def matcher(self):
        return self

    def can_end(self):
        return False

    def next_token_mask(self):
        return np.zeros(self.words, dtype=np.int32)


def test_a_dead_end_is_found(vocab):
    findings = audit([{"id": "stuck", "schema": {"type": "string"}}], vocab, walks=1, max_tokens=5,
                     compile_schema=lambda schema, v: _NothingAllowed(v))
    assert [(f.id, f.text) for f in findings.dead_ends] == [("stuck", "")]


def test_the_walk_command_exits_zero_on_a_clean_sample(capsys):
    require_tokenizer("llama3")
    require_path(data_dir() / "jsonschemabench")
    assert jsonschemabench_main(["walk", "--subset", "Github_trivial", "--per-subset", "2", "--walks", "1"]) == 0
    assert "0 invalid outputs, 0 dead ends" in capsys.readouterr().out


@pytest.mark.parametrize("flag", ["--walks", "--max-tokens"])
def test_the_walk_command_refuses_a_count_below_one(flag, capsys):
    with pytest.raises(SystemExit) as exit_:
        jsonschemabench_main(["walk", flag, "0"])
    assert exit_.value.code == 2 and "must be at least 1" in capsys.readouterr().err
