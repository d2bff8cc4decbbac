"""ASAp (grammar-aligned decoding): sampling that converges to Q(w) ∝ P(w)·1[w ∈ L].

Masking (GCD) samples token t after prefix u with probability ∝ P(t|u)·1[ut viable], which
over-weights prefixes with little grammatical future. The exact conditional is
Q(t|u) = P(t|u)·EFG(ut)/EFG(u), with EFG(u) = Σ_v P(v|u)·1[uv ∈ L] the expected future
grammaticality. ASAp keeps a prefix trie across samples with an over-approximation ẼFG and
samples with P(t|u)·ẼFG(ut); each sample refines ẼFG along its path.

Trie invariants (sparse form of ALGORITHMS.md §2.3), for every expanded node u:
- `mass` = Σ_{t allowed at u} P(t|u), from the *unmasked* distribution P (after the
  SamplingConfig transform) and the matcher's exact mask (EOS counts with ẼFG = 1);
- `deficit` = Σ_{visited children c} P(c|u)·(1 − ẼFG(c)) and ẼFG(u) = mass − deficit;
- an unvisited (or unexpanded) child counts as ẼFG = 1, so ẼFG ≥ EFG always, and ẼFG never
  increases (a child's estimate only drops, and its drop Δ lowers the parent's by P(c|u)·Δ);
- once every positive-mass prefix below u is expanded, ẼFG(u) = EFG(u) exactly.
Only visited nodes are stored, so memory grows with the number of distinct sampled prefixes.

The trie is persistent: it is keyed by (language model, grammar, prompt ids, sampling
config, max_new_tokens) and reused by every `ASAp` built with the same key (a bounded
registry keeps the most recent `REGISTRY_SIZE` tries). The first sample of a fresh trie is
exactly a GCD sample; the sequence of samples converges to Q.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np

from constrain.errors import ConstrainError
from constrain.matcher import CompiledGrammar
from constrain.samplers.distribution import Sample, SamplingConfig, allowed_array, output_bytes, sample_index
from constrain.samplers.lm import LanguageModel, fit_width

REGISTRY_SIZE = 32
#: allowed-token entries of node distributions kept per trie (16 bytes each; least recently
#: used nodes are dropped first and recomputed from the model when revisited)
DISTRIBUTION_CACHE_ENTRIES = 1 << 22


class TrieNode:
    """One prefix: P(token | parent prefix) and, once expanded, its mass, deficit and ẼFG."""

    __slots__ = ("token", "p", "parent", "children", "mass", "deficit", "efg")

    def __init__(self, token: int | None, p: float, parent: "TrieNode | None"):
        self.token = token
        self.p = p
        self.parent = parent
        self.children: dict[int, TrieNode] = {}
        self.mass: float | None = None  # None until expanded
        self.deficit = 0.0
        self.efg = 1.0

    @property
    def expanded(self) -> bool:
        return self.mass is not None


class EFGTrie:
    """The persistent ẼFG trie of one (model, grammar, prompt, config) key."""

    def __init__(self):
        self.root = TrieNode(None, 1.0, None)
        self.samples = 0
        self.dead_ends = 0  # samples restarted because they walked into a zero-ẼFG prefix
        self.size = 1
        self.distributions: OrderedDict[TrieNode, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.cached_entries = 0

    def child(self, node: TrieNode, token: int, p: float) -> TrieNode:
        found = node.children.get(token)
        if found is None:
            found = node.children[token] = TrieNode(token, p, node)
            self.size += 1
        return found

    def expand(self, node: TrieNode, mass: float) -> None:
        """Record the allowed mass of a node visited for the first time; propagate."""
        node.mass = mass
        self._set(node, mass - node.deficit)

    def kill(self, node: TrieNode) -> None:
        """A node whose every allowed continuation is known dead: ẼFG = 0."""
        node.deficit = node.mass
        self._set(node, 0.0)

    def _set(self, node: TrieNode, efg: float) -> None:
        """Lower ẼFG(node) to `efg` and carry the drop to every ancestor (O(depth))."""
        efg = max(efg, 0.0)
        while node is not None:
            drop = node.efg - efg
            if drop <= 0.0:
                return
            node.efg = efg
            parent = node.parent
            if parent is None:
                return
            parent.deficit += node.p * drop
            node, efg = parent, max(parent.mass - parent.deficit, 0.0)

    def nodes(self):
        """(generated token prefix, node) for every stored node, depth first."""
        stack = [((), self.root)]
        while stack:
            prefix, node = stack.pop()
            yield prefix, node
            stack.extend((prefix + (t,), c) for t, c in node.children.items())


_REGISTRY: OrderedDict[tuple, EFGTrie] = OrderedDict()


def trie_for(key: tuple) -> EFGTrie:
    """The registry's trie for `key` (created empty on first use; least recent evicted)."""
    trie = _REGISTRY.get(key)
    if trie is None:
        trie = _REGISTRY[key] = EFGTrie()
        while len(_REGISTRY) > REGISTRY_SIZE:
            _REGISTRY.popitem(last=False)
    _REGISTRY.move_to_end(key)
    return trie


def clear_tries() -> None:
    """Forget every persistent ASAp trie."""
    _REGISTRY.clear()


class ASAp:
    """Grammar-aligned sampling from `lm` under `grammar` (any CompiledGrammar).

    `max_new_tokens` counts generated tokens with the closing EOS; outputs that cannot end
    within it are outside the target language. `persistent=False` uses a private trie.
    """

    def __init__(
        self,
        lm: LanguageModel,
        grammar: CompiledGrammar,
        prompt_ids: Sequence[int] = (),
        *,
        config: SamplingConfig = SamplingConfig(),
        max_new_tokens: int = 256,
        seed: int | None = None,
        persistent: bool = True,
    ):
        if max_new_tokens < 1:
            raise ConstrainError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        self.lm, self.grammar, self.config = lm, grammar, config
        self.vocab = grammar.vocab
        self.prompt = tuple(int(t) for t in prompt_ids)
        self.max_new_tokens = max_new_tokens
        self.rng = np.random.default_rng(seed)
        key = (lm, grammar, self.prompt, config, max_new_tokens)
        self.trie = trie_for(key) if persistent else EFGTrie()
        self._eos = allowed_array(self.vocab.eos_mask, self.vocab.size)

    @property
    def root_efg(self) -> float:
        """Current ẼFG of the root: an upper bound on Z = P(L) that decreases to it."""
        return self.trie.root.efg

    def sample(self, n: int = 1) -> list[Sample]:
        return [self._sample_one() for _ in range(n)]

    def _sample_one(self) -> Sample:
        trie = self.trie
        while True:
            if trie.root.expanded and trie.root.efg <= 0.0:
                raise ConstrainError(
                    f"no output of at most {self.max_new_tokens} tokens is in the language (or the model gives them probability 0)"
                )
            sample = self._walk()
            if sample is not None:
                trie.samples += 1
                return sample
            trie.dead_ends += 1

    def _walk(self) -> Sample | None:
        """One root-to-EOS walk, updating the trie; None if it reached a dead prefix."""
        trie, node, matcher = self.trie, self.trie.root, self.grammar.matcher()
        tokens: list[int] = []
        logp_total = 0.0
        while True:
            ids, logp = self._distribution(node, tokens, matcher)
            scores = logp.copy()
            if node.children:
                children = list(node.children.values())
                where = np.searchsorted(ids, [c.token for c in children])  # ids are sorted
                with np.errstate(divide="ignore"):
                    scores[where] += np.log([c.efg for c in children])
            if not np.isfinite(scores).any():
                trie.kill(node)
                return None
            i = sample_index(self.rng, scores)
            token = int(ids[i])
            logp_total += float(logp[i])
            tokens.append(token)
            if self._eos[token]:
                return Sample(tuple(tokens), output_bytes(self.vocab, tokens), logp_total)
            if not matcher.accept_token(token):
                raise ConstrainError(f"matcher refused token {token} that its own mask allowed")
            node = trie.child(node, token, float(np.exp(logp[i])))

    def _distribution(self, node: TrieNode, tokens: list[int], matcher) -> tuple[np.ndarray, np.ndarray]:
        """(allowed token ids, their log P) at `node`, expanding it on the first visit."""
        cache = self.trie.distributions
        hit = cache.get(node)
        if hit is not None:
            cache.move_to_end(node)
            return hit
        row = self.lm.next_logprobs([self.prompt + tuple(tokens)])[0]
        logp = self.config.apply(fit_width(row, self.vocab.size))
        allowed = allowed_array(matcher.next_token_mask(), self.vocab.size)
        if len(tokens) + 1 >= self.max_new_tokens:
            allowed &= self._eos
        ids = np.flatnonzero(allowed & np.isfinite(logp))
        hit = (ids, logp[ids])
        if not node.expanded:
            self.trie.expand(node, float(np.exp(hit[1]).sum()))
        cache[node] = hit
        self.trie.cached_entries += ids.size
        while self.trie.cached_entries > DISTRIBUTION_CACHE_ENTRIES and len(cache) > 1:
            self.trie.cached_entries -= cache.popitem(last=False)[1][0].size
        return hit
