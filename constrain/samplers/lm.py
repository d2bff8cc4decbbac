"""The language-model interface samplers call, and its adapter for Hugging Face causal LMs.

A `LanguageModel` maps a batch of token-id prefixes (prompt + generated so far) to the
next-token log-probabilities, one float64 row of width `vocab_size` per prefix. Rows are the
model's own softmax (no temperature: `SamplingConfig` applies that), so samplers can compute
masses of allowed tokens from them.

`HFCausalLM` keeps the KV cache of its previous call. A call whose prefixes all have one
length and share a common prefix with the cached rows reuses it: the cache is cropped to the
shared length, its rows are gathered (particles that were resampled copy a parent's row)
and only the new tokens are fed. This covers SMC (every particle extends a cached row by
one token) and ASAp (each sample re-walks the trie from the prompt). Anything else is one
full forward pass with left padding.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from constrain.errors import ConstrainError


class LanguageModel:
    """Next-token log-probs for a batch of prefixes; `vocab_size` is the row width."""

    vocab_size: int

    def next_logprobs(self, prefixes: Sequence[Sequence[int]]) -> np.ndarray:
        raise NotImplementedError


WRAPPER_ATTRIBUTE = "_constrain_language_model"


def as_language_model(model) -> LanguageModel:
    """`model` itself if it is a LanguageModel, else the (one, cached) HFCausalLM wrapping a
    transformers causal LM, so that per-model state (KV cache, ASAp tries) survives calls."""
    if isinstance(model, LanguageModel):
        return model
    if hasattr(model, "get_output_embeddings") and hasattr(model, "config"):
        wrapped = getattr(model, WRAPPER_ATTRIBUTE, None)
        if wrapped is None:
            wrapped = HFCausalLM(model)
            setattr(model, WRAPPER_ATTRIBUTE, wrapped)  # a cycle the garbage collector frees
        return wrapped
    raise ConstrainError(f"not a language model: {type(model).__name__} (expected a LanguageModel or a transformers causal LM)")


def fit_width(logp: np.ndarray, size: int) -> np.ndarray:
    """Rows of `logp` made `size` wide: extra model ids are dropped (their mass is simply
    never allowed) and missing ids are padded with -inf."""
    width = logp.shape[-1]
    if width == size:
        return logp
    if width > size:
        return logp[..., :size]
    pad = np.full(logp.shape[:-1] + (size - width,), -np.inf)
    return np.concatenate([logp, pad], axis=-1)


class HFCausalLM(LanguageModel):
    """A transformers causal LM (e.g. LlamaForCausalLM) with KV-cache reuse across calls."""

    def __init__(self, model):
        import torch

        self._torch = torch
        self.model = model.eval()
        self.device = next(model.parameters()).device
        self.vocab_size = int(model.get_output_embeddings().weight.shape[0])
        self._cache = None
        self._rows = np.zeros((0, 0), dtype=np.int64)  # token ids the cache holds, one row each
        self.forward_calls = 0
        self.tokens_fed = 0

    def next_logprobs(self, prefixes: Sequence[Sequence[int]]) -> np.ndarray:
        prefixes = [np.asarray(p, dtype=np.int64) for p in prefixes]
        if not prefixes:
            return np.zeros((0, self.vocab_size))
        if any(p.size == 0 for p in prefixes):
            raise ConstrainError("a causal LM needs a non-empty prefix: give a prompt (or at least a BOS token)")
        with self._torch.inference_mode():
            reuse, parents = self._shared_length(prefixes)
            logits = self._extend(prefixes, reuse, parents) if reuse else self._full(prefixes)
            logp = self._torch.log_softmax(logits.float(), dim=-1)
        self.forward_calls += 1
        return logp.cpu().numpy().astype(np.float64)

    def _shared_length(self, prefixes: list[np.ndarray]) -> tuple[int, list[int]]:
        """How many leading tokens every prefix shares with a cached row (0: no reuse), and
        which cached row each prefix continues."""
        length = prefixes[0].size
        if self._cache is None or any(p.size != length for p in prefixes):
            return 0, []
        span = min(length - 1, self._rows.shape[1])
        if span == 0:
            return 0, []
        rows = self._rows[:, :span]
        parents, shared = [], []
        for p in prefixes:
            common = np.cumprod(rows == p[:span], axis=1).sum(axis=1)
            best = int(np.argmax(common))
            parents.append(best)
            shared.append(int(common[best]))
        return min(shared), parents

    def _extend(self, prefixes: list[np.ndarray], reuse: int, parents: list[int]):
        torch = self._torch
        cache = self._cache
        surplus = cache.get_seq_length() - reuse
        if surplus:
            cache.crop(-surplus)
        cache.reorder_cache(torch.tensor(parents, device=self.device))
        new = torch.tensor(np.stack([p[reuse:] for p in prefixes]), device=self.device)
        positions = torch.arange(reuse, reuse + new.shape[1], device=self.device).expand(new.shape[0], -1)
        out = self.model(input_ids=new, past_key_values=cache, position_ids=positions, use_cache=True)
        self.tokens_fed += new.numel()
        self._rows = np.stack(prefixes)
        return out.logits[:, -1, :]

    def _full(self, prefixes: list[np.ndarray]):
        torch = self._torch
        longest = max(p.size for p in prefixes)
        ids = np.zeros((len(prefixes), longest), dtype=np.int64)
        attention = np.zeros((len(prefixes), longest), dtype=np.int64)
        for i, p in enumerate(prefixes):
            ids[i, longest - p.size :] = p
            attention[i, longest - p.size :] = 1
        ids_t = torch.tensor(ids, device=self.device)
        attention_t = torch.tensor(attention, device=self.device)
        positions = (attention_t.cumsum(-1) - 1).clamp(min=0)
        padded = bool((attention == 0).any())
        out = self.model(
            input_ids=ids_t,
            attention_mask=attention_t if padded else None,
            position_ids=positions,
            use_cache=not padded,
        )
        self.tokens_fed += int(attention.sum())
        # a cache with padding inside cannot be cropped per row: keep only unpadded ones
        self._cache = None if padded else out.past_key_values
        self._rows = np.zeros((0, 0), dtype=np.int64) if padded else ids
        return out.logits[:, -1, :]
