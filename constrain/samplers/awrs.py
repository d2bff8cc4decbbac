"""One constrained token draw with an importance weight: adaptive weighted rejection (AWRS)
or the exact mask.

Local target at a context: g(t) = P(t)·c(t), c(t) ∈ {0, 1} the constraint's verdict on
token t, Z = Σ_t g(t). Both draws return a token distributed exactly as g/Z and a weight ŵ
that is *properly weighted*: E[ŵ·1{token = y}] = g(y) for every y (so E[ŵ] = Z), which is
what SMC multiplies into a particle's weight.

`awrs_draw` visits tokens in a random order sampled without replacement from P (the
Gumbel-top-k order), evaluates c on each in turn and returns the first accepted token x, so it
needs no full mask: the expected number of evaluations before the accept is ≤ 1/Z.
Weight (the recursive estimator of ALGORITHMS.md §3.3(b)): with R the mass not rejected
before x, Z = P(x) + Z_rest where Z_rest is estimated by checking the *next* token y in the
same order (drawn ∝ P over the rest): ŵ = R if c(y) = 1, else P(x) — one extra evaluation.
If every positive-probability token is rejected, ŵ = 0 (log-weight -inf, token -1).

`max_rejects` caps the rejections. With a `fallback` (a function giving the full allowed
array, e.g. the matcher's mask) the draw then finishes exactly over the tokens not yet
rejected, which keeps the weight unbiased; without one it gives up with ŵ = 0, which biases
the weights low (documented trade-off for check-only constraints).

`exact_draw` is the path for constraints with a cheap full mask: token ~ g/Z and
ŵ = Z = Σ_{allowed} P, exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from constrain.samplers.distribution import logsumexp, sample_index

@dataclass(frozen=True)
class TokenDraw:
    token: int  # -1 when no token is valid
    log_weight: float
    checks: int  # constraint evaluations spent, the weight's extra one included
    rejections: int = 0  # tokens checked and refused before the draw ended


NOTHING_VALID = -1


def exact_draw(logp: np.ndarray, allowed: np.ndarray, rng: np.random.Generator) -> TokenDraw:
    """token ~ g/Z from the full allowed array; log-weight = log Z exactly."""
    ids = np.flatnonzero(allowed & np.isfinite(logp))
    if ids.size == 0:
        return TokenDraw(NOTHING_VALID, -np.inf, 0)
    return TokenDraw(int(ids[sample_index(rng, logp[ids])]), logsumexp(logp[ids]), 0)


def awrs_draw(
    logp: np.ndarray,
    check: Callable[[int], bool],
    rng: np.random.Generator,
    *,
    max_rejects: int | None = None,
    fallback: Callable[[], np.ndarray] | None = None,
    proper_weights: bool = True,
) -> TokenDraw:
    """Adaptive rejection draw over log-probs `logp` (need not be normalised) with `check`.

    `proper_weights=False` skips the extra evaluation and returns log-weight 0: plain
    locally-constrained sampling, still exactly distributed as g/Z.
    """
    order = _WithoutReplacement(np.asarray(logp, dtype=np.float64), rng)
    rejected: list[int] = []
    checks = 0
    for token in order:
        if max_rejects is not None and len(rejected) >= max_rejects:
            return _finish_exactly(order.logp, rejected, fallback, rng, checks)
        checks += 1
        if not check(token):
            rejected.append(token)
            continue
        if not proper_weights:
            return TokenDraw(token, 0.0, checks, len(rejected))
        remaining = order.log_mass_without(rejected)
        nxt = next(order, None)
        if nxt is None:
            return TokenDraw(token, remaining, checks, len(rejected))
        checks += 1
        return TokenDraw(token, remaining if check(nxt) else float(order.logp[token]), checks, len(rejected))
    return TokenDraw(NOTHING_VALID, -np.inf, checks, len(rejected))


def _finish_exactly(logp, rejected, fallback, rng, checks) -> TokenDraw:
    if fallback is None:
        return TokenDraw(NOTHING_VALID, -np.inf, checks, len(rejected))
    allowed = np.array(fallback(), dtype=bool)
    allowed[rejected] = False
    draw = exact_draw(logp, allowed, rng)
    return TokenDraw(draw.token, draw.log_weight, checks, len(rejected))


class _WithoutReplacement:
    """The tokens of positive probability in a random order drawn without replacement
    (each next token ∝ P over the tokens not yet yielded), so the order is the Gumbel-top-k
    order. While little mass has been yielded, tokens are drawn from P by inverse CDF and
    repeats are skipped (O(log V) each after one O(V) cumulative sum); past half the mass
    the rest is ordered by Gumbel keys."""

    def __init__(self, logp: np.ndarray, rng: np.random.Generator):
        self.logp, self.rng = logp, rng
        self.top = float(np.max(logp)) if logp.size else -np.inf
        with np.errstate(invalid="ignore"):
            self.p = np.exp(logp - self.top) if np.isfinite(self.top) else np.zeros_like(logp)
        self.cdf = np.cumsum(self.p)
        self.total = float(self.cdf[-1]) if logp.size else 0.0
        self.seen: set[int] = set()
        self.seen_mass = 0.0
        self._rest = None

    def __iter__(self):
        return self

    def __next__(self) -> int:
        while self._rest is None and self.seen_mass < HALF * self.total:
            x = self.rng.random() * self.total
            token = min(int(np.searchsorted(self.cdf, x, side="right")), self.p.size - 1)
            if token in self.seen or self.p[token] <= 0.0:
                continue
            self.seen.add(token)
            self.seen_mass += float(self.p[token])
            return token
        if self._rest is None:
            self._rest = self._gumbel_rest()
        return next(self._rest)

    def _gumbel_rest(self):
        keys = self.logp + self.rng.gumbel(size=self.logp.shape)
        if self.seen:
            keys[list(self.seen)] = -np.inf
        finite = np.flatnonzero(np.isfinite(keys))
        yield from (int(i) for i in finite[np.argsort(-keys[finite])])

    def log_mass_without(self, rejected: list[int]) -> float:
        """log Σ P over the tokens not in `rejected` (no cancellation: recomputed directly
        once the rejected mass is large)."""
        if self.total <= 0.0:
            return -np.inf
        gone = float(self.p[rejected].sum()) if rejected else 0.0
        if gone <= HALF * self.total:
            return self.top + float(np.log(self.total - gone))
        kept = np.ones(self.logp.shape, dtype=bool)
        kept[rejected] = False
        return logsumexp(self.logp[kept])


#: share of the mass after which the draw order switches from inverse-CDF draws to Gumbel keys
HALF = 0.5
