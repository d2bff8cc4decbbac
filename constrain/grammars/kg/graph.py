"""KnowledgeGraph: a directed, labelled graph of (head, relation, tail) facts, and its paths.

Invariants:
- entity and relation names are non-empty `str`, interned to ids in first-seen order;
- each distinct triple is stored once, as CSR over heads (`_ptr`, `_rel`, `_tail`), with the
  out-edges of every entity sorted by (relation id, tail id): enumerations are deterministic
  for a given input;
- with `add_inverse`, every fact (h, r, t) also yields (t, inverse_relation.format(r=r), h);
  `inverse_relation="{r}"` makes the graph undirected with the relation names kept.

`paths()` enumerates simple paths (no entity twice) of 1..max_hops hops breadth first: all
1-hop paths, then all 2-hop paths, ...; within a hop count, in the order of their prefixes and
then of the out-edges. Limits never hang or run out of memory: the size of the next hop is
known before it is built, and a limit either raises KnowledgeGraphError or, with
`on_limit="truncate"`, keeps a deterministic prefix and says what was cut.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from constrain.errors import KnowledgeGraphError

Triple = tuple[str, str, str]
KGPath = tuple[Triple, ...]

# a hop that would materialise more candidate paths than this is refused outright
_MAX_CANDIDATES = 20_000_000


class KnowledgeGraph:
    def __init__(self, triples: Iterable[Triple] = (), *, add_inverse: bool = False,
                 inverse_relation: str = "~{r}"):
        entity_ids: dict[str, int] = {}
        relation_ids: dict[str, int] = {}
        heads, rels, tails = [], [], []
        for n, triple in enumerate(triples):
            try:
                h, r, t = triple
            except (TypeError, ValueError):
                raise KnowledgeGraphError(f"triple {n} is not a (head, relation, tail) triple: {triple!r}") from None
            for what, name in (("head", h), ("relation", r), ("tail", t)):
                if not isinstance(name, str) or not name:
                    raise KnowledgeGraphError(f"triple {n}: the {what} must be a non-empty str, got {name!r}")
            heads.append(entity_ids.setdefault(h, len(entity_ids)))
            rels.append(relation_ids.setdefault(r, len(relation_ids)))
            tails.append(entity_ids.setdefault(t, len(entity_ids)))
        self._init_arrays(np.asarray(heads, np.int64), np.asarray(rels, np.int64), np.asarray(tails, np.int64),
                          list(entity_ids), list(relation_ids), add_inverse, inverse_relation)

    # --- constructors ------------------------------------------------------------------
    @classmethod
    def from_arrays(cls, heads, relations, tails, entity_names: list[str], relation_names: list[str], *,
                    add_inverse: bool = False, inverse_relation: str = "~{r}") -> "KnowledgeGraph":
        """From id arrays into `entity_names` / `relation_names` (the fast path for large graphs)."""
        kg = cls.__new__(cls)
        heads, relations, tails = (np.asarray(a, np.int64) for a in (heads, relations, tails))
        if not heads.shape == relations.shape == tails.shape or heads.ndim != 1:
            raise KnowledgeGraphError("heads, relations and tails must be 1-d arrays of one length")
        for what, ids, names in (("head", heads, entity_names), ("tail", tails, entity_names),
                                 ("relation", relations, relation_names)):
            if ids.size and (ids.min() < 0 or ids.max() >= len(names)):
                raise KnowledgeGraphError(f"a {what} id is outside its name list ({len(names)} names)")
        for name in list(entity_names) + list(relation_names):
            if not isinstance(name, str) or not name:
                raise KnowledgeGraphError(f"names must be non-empty str, got {name!r}")
        if len(set(entity_names)) != len(entity_names) or len(set(relation_names)) != len(relation_names):
            raise KnowledgeGraphError("entity and relation names must be unique")
        kg._init_arrays(heads, relations, tails, list(entity_names), list(relation_names),
                        add_inverse, inverse_relation)
        return kg

    @classmethod
    def from_tsv(cls, path, *, add_inverse: bool = False, inverse_relation: str = "~{r}") -> "KnowledgeGraph":
        """From a UTF-8 file of `head<TAB>relation<TAB>tail` lines (blank lines and `#` lines skipped)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise KnowledgeGraphError(f"cannot read {path}: {e}") from None
        triples = []
        for lineno, row in enumerate(csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or (len(row) == 1 and not row[0].strip()) or row[0].startswith("#"):
                continue
            if len(row) != 3:
                raise KnowledgeGraphError(f"{path}:{lineno}: expected 3 tab-separated fields, got {len(row)}")
            triples.append(tuple(row))
        return cls(triples, add_inverse=add_inverse, inverse_relation=inverse_relation)

    @classmethod
    def from_networkx(cls, graph, *, relation_key: str = "relation", add_inverse: bool = False,
                      inverse_relation: str = "~{r}") -> "KnowledgeGraph":
        """From a networkx (Multi)(Di)Graph whose edges carry the relation in `relation_key`;
        an undirected graph gives both directions of every edge. Nodes are named by `str(node)`."""
        triples = []
        for u, v, data in graph.edges(data=True):
            if relation_key not in data:
                raise KnowledgeGraphError(f"edge ({u!r}, {v!r}) has no {relation_key!r} attribute")
            triples.append((str(u), str(data[relation_key]), str(v)))
            if not graph.is_directed():
                triples.append((str(v), str(data[relation_key]), str(u)))
        return cls(triples, add_inverse=add_inverse, inverse_relation=inverse_relation)

    def _init_arrays(self, heads, rels, tails, entity_names, relation_names, add_inverse, inverse_relation):
        if add_inverse:
            if "{r}" not in inverse_relation:
                raise KnowledgeGraphError(f"inverse_relation must contain '{{r}}', got {inverse_relation!r}")
            relation_ids = {name: i for i, name in enumerate(relation_names)}
            inverse_of = np.array([relation_ids.setdefault(inverse_relation.format(r=name), len(relation_ids))
                                   for name in relation_names], dtype=np.int64)
            relation_names = list(relation_ids)
            heads, rels, tails = (np.concatenate([heads, tails]), np.concatenate([rels, inverse_of[rels]]),
                                  np.concatenate([tails, heads]))
        n_ent, n_rel = max(len(entity_names), 1), max(len(relation_names), 1)
        keys = np.unique((heads * n_rel + rels) * n_ent + tails)
        self._tail = (keys % n_ent).astype(np.int32)
        self._rel = (keys // n_ent % n_rel).astype(np.int32)
        head = keys // n_ent // n_rel
        self._ptr = np.zeros(len(entity_names) + 1, np.int64)
        np.cumsum(np.bincount(head, minlength=len(entity_names)), out=self._ptr[1:])
        self.entity_names = entity_names
        self.relation_names = relation_names
        self._entity_ids = {name: i for i, name in enumerate(entity_names)}
        self._relation_ids = {name: i for i, name in enumerate(relation_names)}

    # --- queries -----------------------------------------------------------------------
    def __len__(self) -> int:
        """Number of distinct stored triples (inverse edges included)."""
        return len(self._tail)

    def __repr__(self) -> str:
        return f"KnowledgeGraph(entities={len(self.entity_names)}, relations={len(self.relation_names)}, triples={len(self)})"

    def entity_id(self, name: str) -> int:
        try:
            return self._entity_ids[name]
        except (KeyError, TypeError):
            raise KnowledgeGraphError(f"unknown entity {name!r}") from None

    def out_degree(self, entity: str) -> int:
        e = self.entity_id(entity)
        return int(self._ptr[e + 1] - self._ptr[e])

    def edges(self, entity: str) -> list[tuple[str, str]]:
        """Out-edges of `entity` as (relation, tail) names, in stored order."""
        e = self.entity_id(entity)
        lo, hi = self._ptr[e], self._ptr[e + 1]
        return [(self.relation_names[r], self.entity_names[t]) for r, t in zip(self._rel[lo:hi], self._tail[lo:hi])]

    def has_triple(self, head: str, relation: str, tail: str) -> bool:
        h, t = self._entity_ids.get(head), self._entity_ids.get(tail)
        r = self._relation_ids.get(relation)
        if h is None or t is None or r is None:
            return False
        lo, hi = self._ptr[h], self._ptr[h + 1]
        pairs = self._rel[lo:hi].astype(np.int64) * len(self.entity_names) + self._tail[lo:hi]
        key = r * len(self.entity_names) + t
        i = int(np.searchsorted(pairs, key))
        return i < len(pairs) and pairs[i] == key

    def paths(self, start_entities, max_hops: int = 2, max_paths: int | None = 1_000_000, *,
              max_fanout: int | None = None, on_limit: str = "error") -> "PathSet":
        """Simple paths of 1..max_hops hops from each start entity (see the module docstring).

        `max_fanout` bounds the out-degree followed at any entity, `max_paths` the number of
        paths; past a limit, `on_limit="error"` raises KnowledgeGraphError and "truncate"
        keeps the first edges / paths and records it in `PathSet.truncation`.
        """
        if on_limit not in ("error", "truncate"):
            raise KnowledgeGraphError(f"on_limit must be 'error' or 'truncate', got {on_limit!r}")
        if isinstance(max_hops, bool) or not isinstance(max_hops, int) or max_hops < 1:
            raise KnowledgeGraphError(f"max_hops must be an int >= 1, got {max_hops!r}")
        starts = self._start_ids(start_entities)
        cuts: list[str] = []
        frontier = np.asarray(starts, np.int64)[:, None]
        frontier_rel = np.zeros((len(starts), 0), np.int64)
        budget = max_paths
        entities, relations = [], []
        for hop in range(1, max_hops + 1):
            last = frontier[:, -1]
            lo = self._ptr[last]
            deg = self._ptr[last + 1] - lo
            if max_fanout is not None and deg.size and deg.max() > max_fanout:
                worst = int(last[np.argmax(deg)])
                message = (f"entity {self.entity_names[worst]!r} has {int(deg.max())} out-edges at hop {hop}, "
                           f"more than max_fanout={max_fanout}")
                if on_limit == "error":
                    raise KnowledgeGraphError(message + " (pass on_limit='truncate' to keep the first edges)")
                cuts.append(message + "; kept the first edges")
                deg = np.minimum(deg, max_fanout)
            total = int(deg.sum())
            if total > _MAX_CANDIDATES:
                raise KnowledgeGraphError(f"hop {hop} would expand {total} candidate paths (more than "
                                          f"{_MAX_CANDIDATES}); lower max_hops or set max_fanout")
            rows = np.repeat(np.arange(len(last)), deg)
            edge = lo[rows] + np.arange(total) - np.repeat(np.cumsum(deg) - deg, deg)
            tail = self._tail[edge].astype(np.int64)
            simple = (frontier[rows] != tail[:, None]).all(axis=1)
            rows, tail, edge = rows[simple], tail[simple], edge[simple]
            if budget is not None and len(rows) > budget:
                message = f"hop {hop} has {len(rows)} paths, more than the {budget} left of max_paths={max_paths}"
                if on_limit == "error":
                    raise KnowledgeGraphError(message + " (raise max_paths, lower max_hops or pass on_limit='truncate')")
                cuts.append(message + "; kept the first")
                rows, tail, edge = rows[:budget], tail[:budget], edge[:budget]
            frontier = np.concatenate([frontier[rows], tail[:, None]], axis=1)
            frontier_rel = np.concatenate([frontier_rel[rows], self._rel[edge].astype(np.int64)[:, None]], axis=1)
            entities.append(frontier.astype(np.int32))
            relations.append(frontier_rel.astype(np.int32))
            if budget is not None:
                budget -= len(rows)
            if not len(rows) or budget == 0:
                break
        return PathSet(self, tuple(entities), tuple(relations), tuple(cuts))

    def _start_ids(self, start_entities) -> list[int]:
        if isinstance(start_entities, str):
            start_entities = [start_entities]
        names = list(dict.fromkeys(start_entities))
        if not names:
            raise KnowledgeGraphError("no start entities given")
        unknown = [n for n in names if n not in self._entity_ids]
        if unknown:
            raise KnowledgeGraphError(f"unknown start entit{'y' if len(unknown) == 1 else 'ies'}: "
                                      + ", ".join(map(repr, unknown[:5])) + (" ..." if len(unknown) > 5 else ""))
        return [self._entity_ids[n] for n in names]


@dataclass(frozen=True)
class PathSet:
    """Paths of a KnowledgeGraph in enumeration order: `entities[h-1]` is an int32 array of
    shape (n_h, h+1) and `relations[h-1]` of shape (n_h, h) for the h-hop paths.
    `truncation` lists what a limit cut (empty when the set is complete)."""

    graph: KnowledgeGraph
    entities: tuple[np.ndarray, ...]
    relations: tuple[np.ndarray, ...]
    truncation: tuple[str, ...] = ()

    @property
    def truncated(self) -> bool:
        return bool(self.truncation)

    def __len__(self) -> int:
        return sum(len(e) for e in self.entities)

    def __iter__(self) -> Iterator[KGPath]:
        ent, rel = self.graph.entity_names, self.graph.relation_names
        for es, rs in zip(self.entities, self.relations):
            for e_row, r_row in zip(es.tolist(), rs.tolist()):
                yield tuple((ent[e_row[i]], rel[r_row[i]], ent[e_row[i + 1]]) for i in range(len(r_row)))

    def name_rows(self) -> Iterator[tuple[list[str], list[str]]]:
        """(entity names, relation names) per path, in order: the input of verbalization."""
        ent, rel = self.graph.entity_names, self.graph.relation_names
        for es, rs in zip(self.entities, self.relations):
            for e_row, r_row in zip(es.tolist(), rs.tolist()):
                yield [ent[e] for e in e_row], [rel[r] for r in r_row]
