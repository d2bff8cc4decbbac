"""Aggregates of a run: status counts, TTFM / TBM percentiles, same-run ratios to a reference.

All times are seconds in and microseconds out (`us` in names). A statistic over no values is
None, so that an engine that compiled nothing shows `-`, never a made-up zero.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from jsonschemabench.check import STATUSES, SchemaResult

TTFM_PERCENTILES = (50, 90, 99)
TBM_PERCENTILES = (50, 99, 99.9)


def percentiles_us(seconds: list[float], ps) -> dict[str, float | None]:
    """{"mean": ..., "p50": ...} in microseconds (None over no values)."""
    a = np.asarray(seconds, dtype=np.float64) * 1e6
    out = {"mean": float(a.mean()) if a.size else None}
    out.update({f"p{p:g}": float(np.percentile(a, p)) if a.size else None for p in ps})
    return out


@dataclass
class EngineSummary:
    """One engine over a set of results."""

    engine: str
    schemas: int
    counts: Counter
    strict_counts: Counter
    ttfm_us: dict[str, float | None]
    tbm_us: dict[str, float | None]
    tokens: int

    def share(self, status: str, strict: bool = False) -> float:
        counts = self.strict_counts if strict else self.counts
        return 100.0 * counts[status] / self.schemas if self.schemas else 0.0


def summarize(results: list[SchemaResult]) -> dict[str, EngineSummary]:
    """Per engine (in first-seen order) summary of the results."""
    by_engine: dict[str, list[SchemaResult]] = {}
    for r in results:
        by_engine.setdefault(r.engine, []).append(r)
    return {name: _summary(name, rs) for name, rs in by_engine.items()}


def _summary(name: str, rs: list[SchemaResult]) -> EngineSummary:
    tbm = [t for r in rs for t in r.tbm]
    counts = Counter({s: 0 for s in STATUSES})
    strict = Counter({s: 0 for s in STATUSES})
    counts.update(r.status for r in rs)
    strict.update(r.strict_status for r in rs)
    return EngineSummary(name, len(rs), counts, strict,
                         percentiles_us([r.ttfm for r in rs if r.ttfm is not None], TTFM_PERCENTILES),
                         percentiles_us(tbm, TBM_PERCENTILES), len(tbm))


def ratios(summary: EngineSummary, reference: EngineSummary) -> dict[str, float | None]:
    """Each TTFM and TBM statistic of the engine divided by the reference's (same run)."""
    out = {}
    for kind, mine, theirs in (("ttfm", summary.ttfm_us, reference.ttfm_us), ("tbm", summary.tbm_us, reference.tbm_us)):
        for stat, value in mine.items():
            ref = theirs.get(stat)
            out[f"{kind} {stat}"] = value / ref if value is not None and ref else None
    return out


def common_ttfm_us(results: list[SchemaResult]) -> tuple[int, dict[str, dict[str, float | None]]]:
    """TTFM percentiles per engine over only the schemas that every engine compiled: (their
    count, {engine: {"mean": ..., "p50": ...}}). An engine that compiles more schemas than
    another also times harder ones, which its own percentiles include and these leave out."""
    engines = list(dict.fromkeys(r.engine for r in results))
    ttfm: dict[str, dict[str, float]] = {e: {} for e in engines}
    for r in results:
        if r.ttfm is not None:
            ttfm[r.engine][r.id] = r.ttfm
    common = set.intersection(*(set(t) for t in ttfm.values())) if engines else set()
    return len(common), {e: percentiles_us([ttfm[e][i] for i in common], TTFM_PERCENTILES) for e in engines}


def paired_ttfm_ratio(results: list[SchemaResult], engine: str, reference: str) -> float | None:
    """Geometric mean over schemas both engines compiled of engine TTFM / reference TTFM."""
    ref = {r.id: r.ttfm for r in results if r.engine == reference and r.ttfm}
    logs = [np.log(r.ttfm / ref[r.id]) for r in results if r.engine == engine and r.ttfm and r.id in ref]
    return float(np.exp(np.mean(logs))) if logs else None
