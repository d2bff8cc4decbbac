"""The next-token distribution every sampler targets, and the record of one sampled output.

`SamplingConfig` turns a model's log-probabilities into the distribution P that the samplers
use: temperature first, then top-k, then top-p (nucleus), then renormalisation. ASAp and SMC
correct *this* P: they converge to Q(w) ∝ P(w)·1[w ∈ L] where P is the product of the
transformed next-token distributions, so `temperature=1, top_k=0, top_p=1` (the defaults)
targets the model's own conditional distribution given the grammar.

Invariant: `SamplingConfig.apply` returns float64 log-probs over the same width that
log-sum-exp to 0 over the kept tokens (dropped tokens are -inf).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from constrain.errors import ConstrainError


@dataclass(frozen=True)
class SamplingConfig:
    temperature: float = 1.0
    top_k: int = 0  # 0: keep every token
    top_p: float = 1.0  # 1: keep every token

    def __post_init__(self):
        if not self.temperature > 0:
            raise ConstrainError(f"temperature must be > 0 (use sampler='greedy' for argmax), got {self.temperature}")
        if self.top_k < 0:
            raise ConstrainError(f"top_k must be >= 0, got {self.top_k}")
        if not 0 < self.top_p <= 1:
            raise ConstrainError(f"top_p must be in (0, 1], got {self.top_p}")

    @property
    def is_identity(self) -> bool:
        return self.temperature == 1.0 and self.top_k == 0 and self.top_p == 1.0

    def apply(self, logp: np.ndarray) -> np.ndarray:
        """Transformed, renormalised log-probs of each row of `logp` ([V] or [B, V])."""
        logp = np.asarray(logp, dtype=np.float64)
        if self.is_identity:
            return normalize(logp)
        out = logp / self.temperature
        if self.top_k and self.top_k < out.shape[-1]:
            kth = -np.partition(-out, self.top_k - 1, axis=-1)[..., self.top_k - 1 : self.top_k]
            out = np.where(out >= kth, out, -np.inf)
        out = normalize(out)
        if self.top_p < 1.0:
            out = normalize(_nucleus(out, self.top_p))
        return out


def _nucleus(logp: np.ndarray, top_p: float) -> np.ndarray:
    """Keep the smallest set of most likely tokens whose mass reaches top_p (ties kept)."""
    order = np.argsort(-logp, axis=-1, kind="stable")
    sorted_p = np.exp(np.take_along_axis(logp, order, axis=-1))
    before = np.cumsum(sorted_p, axis=-1) - sorted_p  # mass strictly above each token
    keep_sorted = before < top_p
    keep = np.empty_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    return np.where(keep, logp, -np.inf)


def normalize(logp: np.ndarray) -> np.ndarray:
    """Log-softmax along the last axis (rows that are all -inf stay all -inf)."""
    top = np.max(logp, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        lse = np.log(np.sum(np.exp(logp - top), axis=-1, keepdims=True)) + top
    return logp - lse


def logsumexp(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return -np.inf
    top = float(np.max(values))
    if not np.isfinite(top):
        return top
    return top + float(np.log(np.sum(np.exp(values - top))))


def allowed_array(mask: np.ndarray, size: int) -> np.ndarray:
    """A matcher bitmask (int32 words) as a bool array of `size` token ids."""
    return np.unpackbits(np.ascontiguousarray(mask).view(np.uint8), bitorder="little")[:size].astype(bool)


def sample_index(rng: np.random.Generator, logp: np.ndarray) -> int:
    """One index drawn from the (possibly unnormalised) log-weights `logp` (Gumbel-max)."""
    keys = logp + rng.gumbel(size=logp.shape)
    return int(np.argmax(keys))


@dataclass(frozen=True)
class Sample:
    """One output: generated token ids (EOS included when it ended), its bytes, its log P
    under the sampling distribution, and the log importance weight (0 for unweighted samplers)."""

    tokens: tuple[int, ...]
    text: bytes
    logp: float
    log_weight: float = 0.0

    def decode(self, errors: str = "replace") -> str:
        return self.text.decode("utf-8", errors=errors)


def output_bytes(vocab, tokens) -> bytes:
    """The bytes of `tokens` (EOS and other non-text ids contribute nothing)."""
    return b"".join(vocab.token_bytes(int(t)) or b"" for t in tokens)
