"""JSONSchemaBench rows: `{"id", "subset", "schema", "valid", "invalid"}` dicts.

Two layouts are read:
- the JSONL layout of `<data>/jsonschemabench/<Subset>.jsonl` (one row per line; `jsts_*`
  files hold the JSON Schema Test Suite), the default under `constrain.data.data_dir()`;
- the Hugging Face `epfl-dlab/JSONSchemaBench` snapshot: `<root>/<Subset>/<split>-*.parquet`
  with columns `unique_id` and `json_schema` (no instances: `valid`/`invalid` are empty).
  Reading parquet needs pyarrow or pandas.

A sample (`per_subset`, `seed`) is a fixed random choice: the same arguments give the same rows.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from constrain import ConstrainError
from constrain.data import data_dir

TEST_SUITE_PREFIX = "jsts_"


class DataError(ConstrainError):
    """The benchmark data is missing or in a layout that cannot be read here."""


def bench_dir(data: Path | str | None = None) -> Path:
    """The folder holding the subsets: `data` itself, `data/jsonschemabench`, or the default."""
    root = Path(data) if data is not None else data_dir()
    for candidate in (root / "jsonschemabench", root):
        if any(candidate.glob("*.jsonl")) or _parquet_subsets(candidate):
            return candidate
    raise DataError(f"no JSONSchemaBench data under {root} (set CONSTRAIN_DATA_DIR or pass --data)")


def subsets(folder: Path, *, test_suite: bool = False) -> list[str]:
    """The subset names in a folder: benchmark subsets, or the Test Suite files when test_suite."""
    names = sorted({p.stem for p in folder.glob("*.jsonl")} | set(_parquet_subsets(folder)))
    return [n for n in names if n.startswith(TEST_SUITE_PREFIX) == test_suite]


def load_rows(files: list[str], per_file: int | None, seed: int, folder: Path | None = None,
              split: str = "test") -> list[dict]:
    """Rows of the named subsets (`Name` or `Name.jsonl`), `per_file` of each sampled with `seed`."""
    folder = folder if folder is not None else bench_dir()
    rows = []
    for name in files:
        subset_rows = _read_subset(folder, name.removesuffix(".jsonl"), split)
        if per_file is not None and len(subset_rows) > per_file:
            subset_rows = random.Random(seed).sample(subset_rows, per_file)
        rows += [_with_draft(row) for row in subset_rows]
    return rows


def _read_subset(folder: Path, name: str, split: str) -> list[dict]:
    path = folder / f"{name}.jsonl"
    if path.exists():
        return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    parquet = sorted((folder / name).glob(f"{split}-*.parquet"))
    if not parquet:
        raise DataError(f"subset {name!r} not found in {folder} (no {name}.jsonl, no {name}/{split}-*.parquet)")
    return [{"id": f"{name}/{uid}", "subset": name, "schema": json.loads(text), "valid": [], "invalid": []}
            for p in parquet for uid, text in _parquet_columns(p, ["unique_id", "json_schema"])]


def _parquet_subsets(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.parquet"))] if folder.is_dir() else []


def _parquet_columns(path: Path, columns: list[str]) -> list[tuple]:
    try:
        import pyarrow.parquet as pq
        table = pq.read_table(path, columns=columns).to_pydict()
        return list(zip(*(table[c] for c in columns)))
    except ImportError:
        pass
    try:
        import pandas as pd
    except ImportError:
        raise DataError(f"reading {path} needs pyarrow or pandas (pip install pyarrow)") from None
    frame = pd.read_parquet(path, columns=columns)
    return list(zip(*(frame[c].tolist() for c in columns)))


def _with_draft(row: dict) -> dict:
    """Test Suite rows of draft 7 without `$schema` are draft-7 schemas: say so."""
    schema = row["schema"]
    if "draft7" in row.get("subset", "") and isinstance(schema, dict) and "$schema" not in schema:
        row["schema"] = {"$schema": "http://json-schema.org/draft-07/schema#", **schema}
    return row
