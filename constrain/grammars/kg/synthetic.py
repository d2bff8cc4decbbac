"""synthetic_graph: a reproducible knowledge graph with power-law degrees, for tests and benchmarks.

Heads, tails and relations are drawn from Zipf-like distributions (weight of rank i is
(i + 1) ** -exponent), so a few hub entities have very high out-degree, as in Freebase
subgraphs. Entities are named "Entity <i>" and relations "relation_<j>" in rank order:
"Entity 0" is the largest hub. The same arguments always give the same graph.
"""
from __future__ import annotations

import numpy as np

from constrain.errors import KnowledgeGraphError
from constrain.grammars.kg.graph import KnowledgeGraph


def synthetic_graph(n_triples: int, n_entities: int | None = None, n_relations: int = 200, *,
                    exponent: float = 1.0, seed: int = 0) -> KnowledgeGraph:
    """About `n_triples` distinct triples (duplicates and self-loops are dropped) over
    `n_entities` entities (default n_triples // 10) and `n_relations` relations."""
    if n_triples < 1 or n_relations < 1:
        raise KnowledgeGraphError("n_triples and n_relations must be >= 1")
    n_entities = max(2, n_triples // 10) if n_entities is None else n_entities
    if n_entities < 2:
        raise KnowledgeGraphError("n_entities must be >= 2")
    rng = np.random.default_rng(seed)
    heads = _zipf(rng, n_entities, n_triples, exponent)
    tails = rng.permutation(n_entities)[_zipf(rng, n_entities, n_triples, exponent)]
    relations = _zipf(rng, n_relations, n_triples, exponent)
    keep = heads != tails
    return KnowledgeGraph.from_arrays(heads[keep], relations[keep], tails[keep],
                                      [f"Entity {i}" for i in range(n_entities)],
                                      [f"relation_{j}" for j in range(n_relations)])


def _zipf(rng: np.random.Generator, n: int, size: int, exponent: float) -> np.ndarray:
    weights = np.arange(1, n + 1, dtype=np.float64) ** -exponent
    cdf = np.cumsum(weights)
    return np.minimum(np.searchsorted(cdf, rng.random(size) * cdf[-1]), n - 1)
