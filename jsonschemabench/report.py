"""Reports of a MaskBench run: results.jsonl, report.md and PNG plots in an output folder.

results.jsonl has one line per engine x schema (status, strict status, TTFM and TBM
statistics in microseconds, detail); the markdown tables are built from the same results,
so the files never disagree. Plots use matplotlib's Agg backend (imported only to plot).
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from jsonschemabench.check import LABELS, PASS, STATUSES, SchemaResult
from jsonschemabench.stats import (TBM_PERCENTILES, TTFM_PERCENTILES, EngineSummary, common_ttfm_us,
                                   paired_ttfm_ratio, percentiles_us, ratios, summarize)


def result_record(r: SchemaResult) -> dict:
    """The JSONL record of one result (TBM as statistics, not every sample)."""
    return {"engine": r.engine, "id": r.id, "subset": r.subset, "status": r.status,
            "strict_status": r.strict_status, "ttfm_us": None if r.ttfm is None else r.ttfm * 1e6,
            "masks": len(r.tbm), "tbm_us": percentiles_us(r.tbm, (50, 99, 100)), "detail": r.detail}


def write_jsonl(results: list[SchemaResult], path: Path) -> None:
    path.write_text("".join(json.dumps(result_record(r), ensure_ascii=False) + "\n" for r in results),
                    encoding="utf-8")


def _us(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def engine_table(summaries: dict[str, EngineSummary]) -> str:
    """Per engine: status counts (and %), strict passing, TTFM and TBM percentiles (µs)."""
    header = (["engine", "schemas"] + [LABELS[s] for s in STATUSES] + ["strict passing"]
              + [f"TTFM p{p:g}" for p in TTFM_PERCENTILES] + ["TBM mean"] + [f"TBM p{p:g}" for p in TBM_PERCENTILES]
              + ["masks"])
    rows = []
    for s in summaries.values():
        rows.append([s.engine, str(s.schemas)]
                    + [f"{s.counts[st]} ({s.share(st):.1f}%)" for st in STATUSES]
                    + [f"{s.strict_counts[PASS]} ({s.share(PASS, strict=True):.1f}%)"]
                    + [_us(s.ttfm_us[f"p{p:g}"]) for p in TTFM_PERCENTILES] + [_us(s.tbm_us["mean"])]
                    + [_us(s.tbm_us[f"p{p:g}"]) for p in TBM_PERCENTILES] + [str(s.tokens)])
    return _table(header, rows)


def ratio_table(results: list[SchemaResult], summaries: dict[str, EngineSummary], reference: str) -> str:
    """Each engine's TTFM / TBM statistics over the reference engine's, from the same run."""
    ref = summaries[reference]
    keys = list(ratios(ref, ref))
    rows = []
    for s in summaries.values():
        r = ratios(s, ref)
        paired = paired_ttfm_ratio(results, s.engine, reference)
        rows.append([s.engine] + ["-" if r[k] is None else f"{r[k]:.2f}x" for k in keys]
                    + ["-" if paired is None else f"{paired:.2f}x"])
    return _table(["engine"] + [k.replace("ttfm", "TTFM").replace("tbm", "TBM") for k in keys]
                  + ["TTFM paired geomean"], rows)


def common_ttfm_table(results: list[SchemaResult], reference: str) -> tuple[int, str]:
    """(n, table): TTFM percentiles over the n schemas every engine compiled, and each one's
    ratio to the reference engine's (when it ran)."""
    n, stats = common_ttfm_us(results)
    keys = ["mean"] + [f"p{p:g}" for p in TTFM_PERCENTILES]
    ref = stats.get(reference)
    rows = []
    for engine, st in stats.items():
        row = [engine] + [_us(st[k]) for k in keys]
        if ref is not None:
            row += ["-" if st[k] is None or not ref[k] else f"{st[k] / ref[k]:.2f}x" for k in keys]
        rows.append(row)
    header = ["engine"] + [f"TTFM {k}" for k in keys] + ([f"{k} ratio" for k in keys] if ref is not None else [])
    return n, _table(header, rows)


def subset_table(results: list[SchemaResult], strict: bool = False) -> str:
    """Passing per subset (rows) and engine (columns)."""
    engines = list(dict.fromkeys(r.engine for r in results))
    subsets = sorted({r.subset for r in results})
    rows = []
    for subset in subsets:
        row = [subset]
        for engine in engines:
            rs = [r for r in results if r.engine == engine and r.subset == subset]
            ok = sum((r.strict_status if strict else r.status) == PASS for r in rs)
            row.append(f"{ok}/{len(rs)} ({100.0 * ok / len(rs):.0f}%)" if rs else "-")
        rows.append(row)
    return _table(["subset"] + engines, rows)


def markdown(results: list[SchemaResult], reference: str, command: str = "") -> str:
    summaries = summarize(results)
    parts = ["# MaskBench results", ""]
    if command:
        parts += [f"Command: `{command}`", ""]
    parts += ["Times in microseconds. TTFM = compile + first mask; TBM = one mask while teacher-forcing. "
              "Strict passing also requires EOS after each valid instance.", "",
              "## Per engine", "", engine_table(summaries), ""]
    if reference in summaries:
        parts += [f"## Same-run ratios to {reference}", "", ratio_table(results, summaries, reference), ""]
    if len(summaries) > 1:
        n, table = common_ttfm_table(results, reference)
        parts += ["## TTFM on the schemas every engine compiled", "",
                  f"{n} schemas; each engine's own TTFM percentiles above also time the schemas only it compiles.",
                  "", table, ""]
    parts += ["## Passing per subset", "", subset_table(results), "",
              "## Strict passing per subset", "", subset_table(results, strict=True), ""]
    failures = [r for r in results if r.status not in (PASS,)]
    if failures:
        parts += ["## Failures", "", _table(["engine", "schema", "status", "detail"],
                                            [[r.engine, r.id, LABELS[r.status], _cell(r.detail)] for r in failures]), ""]
    return "\n".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@contextmanager
def figure(path: Path, size: tuple[float, float]):
    """An Agg figure's axes; on exit the legend is drawn and the PNG written to path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=size)
    try:
        yield ax
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
        fig.tight_layout()
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)


def _cdf_plot(series: dict[str, list[float]], title: str, path: Path) -> None:
    with figure(path, (7, 4.5)) as ax:
        for engine, seconds in series.items():
            if seconds:
                xs = np.sort(np.asarray(seconds) * 1e6)
                ax.plot(xs, np.arange(1, xs.size + 1) / xs.size, label=f"{engine} (n={xs.size})")
        ax.set(xscale="log", xlabel="µs", ylabel="fraction ≤ x", title=title)
        ax.grid(True, which="both", alpha=0.3)


def _passing_plot(results: list[SchemaResult], path: Path) -> None:
    engines = list(dict.fromkeys(r.engine for r in results))
    subsets = sorted({r.subset for r in results})
    width = 0.8 / max(1, len(engines))
    with figure(path, (min(14.0, max(6.0, 0.8 * len(subsets))), 4.5)) as ax:
        for i, engine in enumerate(engines):
            shares = []
            for subset in subsets:
                rs = [r for r in results if r.engine == engine and r.subset == subset]
                shares.append(100.0 * sum(r.status == PASS for r in rs) / len(rs) if rs else 0.0)
            ax.bar(np.arange(len(subsets)) + i * width, shares, width, label=engine)
        ax.set_xticks(np.arange(len(subsets)) + 0.4 - width / 2, subsets, rotation=45, ha="right")
        ax.set(ylabel="passing (%)", ylim=(0, 100), title="Passing per subset")


def write_plots(results: list[SchemaResult], out: Path) -> list[Path]:
    """tbm_cdf.png, ttfm_cdf.png and passing_by_subset.png in out."""
    engines = list(dict.fromkeys(r.engine for r in results))
    paths = [out / "tbm_cdf.png", out / "ttfm_cdf.png", out / "passing_by_subset.png"]
    _cdf_plot({e: [t for r in results if r.engine == e for t in r.tbm] for e in engines}, "TBM (time per mask) CDF", paths[0])
    _cdf_plot({e: [r.ttfm for r in results if r.engine == e and r.ttfm is not None] for e in engines},
              "TTFM (compile + first mask) CDF", paths[1])
    _passing_plot(results, paths[2])
    return paths


def write_report(results: list[SchemaResult], out: Path, reference: str, command: str = "") -> list[Path]:
    """results.jsonl, report.md and the plots in out (created); the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(results, out / "results.jsonl")
    (out / "report.md").write_text(markdown(results, reference, command), encoding="utf-8")
    return [out / "results.jsonl", out / "report.md"] + write_plots(results, out)
