"""`python -m jsonschemabench testsuite`: pass rate per JSON Schema Test Suite category, per engine.

Rows are the `jsts_*` subsets; a row id is `<draft>/<category>#<n>` (e.g.
`draft7/optional/bignum#1`), and the category is the part between the draft and `#` (the
test file's name, `optional/` kept). A row passes under the strict verdict (valid instances
must be complete). Output: a markdown table per category and per file, and with --out
testsuite.md and testsuite.png (the paper's Figure 6 view).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from jsonschemabench.check import PASS, SchemaResult
from jsonschemabench.engines import installed_engines
from jsonschemabench.report import figure
from jsonschemabench.maskbench import add_engine_args, add_selection_args, resolve_tokenizer, run_maskbench, select_rows


def category(row_id: str) -> str:
    """`draft7/optional/bignum#1` -> `optional/bignum`."""
    return row_id.split("#")[0].split("/", 1)[-1]


def pass_rates(results: list[SchemaResult], key) -> dict[str, dict[str, tuple[int, int]]]:
    """{group: {engine: (passing, total)}} with groups given by key(result), sorted."""
    table: dict[str, dict[str, list[int]]] = {}
    for r in results:
        cell = table.setdefault(key(r), {}).setdefault(r.engine, [0, 0])
        cell[0] += r.strict_status == PASS
        cell[1] += 1
    return {g: {e: (c[0], c[1]) for e, c in table[g].items()} for g in sorted(table)}


def rate_table(rates: dict[str, dict[str, tuple[int, int]]], engines: list[str], first: str) -> str:
    lines = [f"| {first} | " + " | ".join(engines) + " |", "|---|" + "---:|" * len(engines)]
    for group, cells in rates.items():
        lines.append(f"| {group} | " + " | ".join(
            f"{cells[e][0]}/{cells[e][1]} ({100.0 * cells[e][0] / cells[e][1]:.0f}%)" if e in cells else "-"
            for e in engines) + " |")
    return "\n".join(lines)


def write_plot(rates: dict[str, dict[str, tuple[int, int]]], engines: list[str], path: Path) -> None:
    """Horizontal bars: pass rate per category, one bar per engine."""
    groups = list(rates)
    height = 0.8 / max(1, len(engines))
    with figure(path, (8, max(4.0, 0.22 * len(groups) * max(1, len(engines)) ** 0.5 + 1))) as ax:
        for i, engine in enumerate(engines):
            shares = [100.0 * rates[g][engine][0] / rates[g][engine][1] if engine in rates[g] else 0.0 for g in groups]
            ax.barh(np.arange(len(groups)) + i * height, shares, height, label=engine)
        ax.set_yticks(np.arange(len(groups)) + 0.4 - height / 2, groups, fontsize=7)
        ax.invert_yaxis()
        ax.set(xlim=(0, 100), xlabel="strict passing (%)", title="JSON Schema Test Suite: pass rate per category")


def report(results: list[SchemaResult]) -> str:
    engines = list(dict.fromkeys(r.engine for r in results))
    return "\n".join(["# JSON Schema Test Suite", "", "Strict passing (valid instances complete, invalid refused).", "",
                      "## Per file", "", rate_table(pass_rates(results, lambda r: r.subset), engines, "file"), "",
                      "## Per category", "", rate_table(pass_rates(results, lambda r: category(r.id)), engines,
                                                        "category"), ""])


def add_arguments(ap: argparse.ArgumentParser) -> None:
    add_selection_args(ap)
    add_engine_args(ap)


def main(args) -> int:
    specs = args.engines or installed_engines()
    rows = select_rows(args, test_suite=True)
    results = run_maskbench(rows, specs, resolve_tokenizer(args.tokenizer), args.timeout,
                            progress=not args.no_progress, block=args.block)
    text = report(results)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "testsuite.md").write_text(text, encoding="utf-8")
        engines = list(dict.fromkeys(r.engine for r in results))
        write_plot(pass_rates(results, lambda r: category(r.id)), engines, args.out / "testsuite.png")
        print(f"wrote {args.out / 'testsuite.md'} and {args.out / 'testsuite.png'}", file=sys.stderr)
    return 0
