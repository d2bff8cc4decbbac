"""Shared test helpers: data that may be absent, and the policy for it.

A test that needs shared data skips when it is missing, except under
`CONSTRAIN_REQUIRE_DATA=1` (set by `.ci/run`), where a missing file is a failure.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from constrain.data import data_dir, tokenizer_path


def require_path(path: Path) -> Path:
    if path.exists():
        return path
    if os.environ.get("CONSTRAIN_REQUIRE_DATA") == "1":
        pytest.fail(f"required data file is missing: {path} (set CONSTRAIN_DATA_DIR)")
    pytest.skip(f"data not present: {path}")


@pytest.fixture
def shared_data() -> Path:
    return require_path(data_dir())


def require_tokenizer(name: str) -> Path:
    return require_path(tokenizer_path(name) / "tokenizer.json")


def prepends_dummy_prefix(tok) -> bool:
    return tok.normalizer is not None and tok.normalizer.normalize_str("a").startswith("\u2581")


def encode_continuation(tok, texts: list[str]) -> list[list[int]]:
    """Ids of each text as a continuation of earlier text: SentencePiece tokenizers that
    prepend a dummy `▁` are given a "\n" prefix whose tokens are checked and dropped."""
    if not prepends_dummy_prefix(tok):
        return [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)]
    prefix = tok.encode("\n", add_special_tokens=False).ids
    out = []
    for e in tok.encode_batch(["\n" + t for t in texts], add_special_tokens=False):
        assert e.ids[: len(prefix)] == prefix, (prefix, e.ids[:5])
        out.append(e.ids[len(prefix):])
    return out
