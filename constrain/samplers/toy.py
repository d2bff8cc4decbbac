"""An enumerable toy language model and the exact answers samplers must converge to.

`ToyLM` gives next-token probabilities from an explicit table (a function of the prefix),
so every string's probability is known. `exact_outputs` enumerates every output of at most
`max_new_tokens` tokens (the EOS included, the samplers' length convention) whose text a
plain-Python `accepts` predicate takes: the oracle is independent of the matchers under
test. From it come the exact target Q(w) = P(w)·1[w ∈ L] / Z, Z, and the exact expected
future grammaticality EFG(u) of every prefix.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from constrain.samplers.lm import LanguageModel
from constrain.vocab import Vocabulary

#: the binary toy vocabulary: "0", "1", EOS
BINARY_TOKENS = (b"0", b"1", None)
BINARY_EOS = 2


def binary_vocab(extra: Sequence[bytes] = ()) -> Vocabulary:
    """Tokens "0", "1", EOS (id 2), then `extra` multi-character tokens (e.g. b"00")."""
    return Vocabulary(list(BINARY_TOKENS) + list(extra), eos_token_ids=[BINARY_EOS])


class ToyLM(LanguageModel):
    """next-token probabilities = `table(prefix)` (a length-`vocab_size` vector summing to 1)."""

    def __init__(self, vocab_size: int, table: Callable[[tuple[int, ...]], Sequence[float]]):
        self.vocab_size = vocab_size
        self._table = table
        self.calls = 0  # prefixes evaluated

    @classmethod
    def iid(cls, probs: Sequence[float]) -> "ToyLM":
        """The same next-token distribution after every prefix."""
        probs = _checked(probs, len(probs))
        return cls(len(probs), lambda prefix: probs)

    @classmethod
    def random(cls, vocab_size: int, seed: int, concentration: float = 1.0, depth: int = 8) -> "ToyLM":
        """A different Dirichlet(concentration) row for every prefix of up to `depth` tokens
        (the last token and position decide the row; deterministic given `seed`)."""
        rows = np.random.default_rng(seed).dirichlet(np.full(vocab_size, concentration), size=(depth + 1, vocab_size + 1))
        return cls(vocab_size, lambda prefix: rows[min(len(prefix), depth), prefix[-1] if prefix else vocab_size])

    def probs(self, prefix: Sequence[int]) -> np.ndarray:
        return np.asarray(self._table(tuple(int(t) for t in prefix)), dtype=np.float64)

    def next_logprobs(self, prefixes):
        self.calls += len(prefixes)
        with np.errstate(divide="ignore"):
            return np.stack([np.log(self.probs(p)) for p in prefixes]) if prefixes else np.zeros((0, self.vocab_size))


def _checked(probs, size: int) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape != (size,) or (probs < 0).any() or abs(probs.sum() - 1) > 1e-9:
        raise ValueError(f"a toy next-token row must be {size} probabilities summing to 1, got {probs}")
    return probs


class ExactTarget:
    """Every accepted output of a ToyLM with its probability: the oracle for the samplers.

    `outputs[tokens]` = P(tokens) for every token sequence ending in EOS, at most
    `max_new_tokens` long, whose text `accepts`; `q_text` is Q aggregated by output text.
    """

    def __init__(self, lm: ToyLM, vocab: Vocabulary, accepts: Callable[[bytes], bool], max_new_tokens: int, prompt=()):
        self.lm, self.vocab, self.prompt = lm, vocab, tuple(prompt)
        self.max_new_tokens = max_new_tokens
        self.outputs: dict[tuple[int, ...], float] = {}
        self._efg: dict[tuple[int, ...], float] = {}
        self._walk((), 1.0, b"", accepts)
        self.Z = sum(self.outputs.values())
        self.q_tokens = {w: p / self.Z for w, p in self.outputs.items()} if self.Z > 0 else {}
        self.q_text: dict[bytes, float] = {}
        for w, q in self.q_tokens.items():
            text = b"".join(vocab.token_bytes(t) or b"" for t in w)
            self.q_text[text] = self.q_text.get(text, 0.0) + q

    def _walk(self, prefix: tuple[int, ...], p_prefix: float, text: bytes, accepts) -> float:
        """Fill outputs below `prefix`; returns EFG(prefix)."""
        probs = self.lm.probs(self.prompt + prefix)
        efg = 0.0
        eos = self.vocab.eos_token_ids
        for t, p in enumerate(probs):
            if p == 0.0:
                continue
            if t in eos:
                if accepts(text):
                    self.outputs[prefix + (t,)] = self.outputs.get(prefix + (t,), 0.0) + p_prefix * p
                    efg += p
            elif len(prefix) + 2 <= self.max_new_tokens and self.vocab.token_bytes(t) is not None:
                efg += p * self._walk(prefix + (t,), p_prefix * p, text + self.vocab.token_bytes(t), accepts)
        self._efg[prefix] = efg
        return efg

    def efg(self, prefix: Sequence[int]) -> float:
        """Exact EFG of a generated prefix (0 beyond the length limit or off every path)."""
        return self._efg.get(tuple(prefix), 0.0)


def kl_divergence(empirical: Mapping, target: Mapping) -> float:
    """KL(empirical ‖ target) in nats; +inf if the empirical puts mass outside the target."""
    total = sum(empirical.values())
    kl = 0.0
    for key, mass in empirical.items():
        if mass <= 0:
            continue
        p = mass / total
        q = target.get(key, 0.0)
        if q <= 0:
            return float("inf")
        kl += p * np.log(p / q)
    return float(kl)
