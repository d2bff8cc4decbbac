"""Which terminals each union DFA of a grammar's lexer holds: its shards.

One union DFA of all terminals is the simplest lexer, but a state of it is a tuple of
states of every terminal, and two terminals that never meet in one candidate set still
multiply each other's states there (two string formats of a few thousand states each that
never share an LR state: a product of tens of thousands). An LALR parser's candidates are
always inside the action set of its top LR state, so a lexer there needs only the union of
that action set's terminals.

Shards group the LR states by the regex terminals of their action sets. Literal terminals
never multiply a union's states (a literal's own state is fixed by the text read so far, so
it adds at most one union state per prefix of it), regex terminals can; so there is one
union per maximal set of regex terminals (not inside another state's set), holding the
literals of all the LR states it serves: no two regex terminals meet in a shard unless
they meet in some action set.

Invariant: every LR state's action set (its lexed terminals) and the `always` terminals
(`%ignore`d ones) are inside the shard of that state.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: below this many states in the terminals' own automata, one union of them all is cheaper
SHARD_FROM = 1500


@dataclass(frozen=True)
class ShardPlan:
    """`members[k]`: the components (ascending) of shard k; `shard_of_state[s]`: LR state s's shard."""

    members: list[np.ndarray]
    shard_of_state: np.ndarray


def plan_shards(pair_state: np.ndarray, pair_component: np.ndarray, multiplies: np.ndarray,
                always: np.ndarray, n_states: int) -> ShardPlan | None:
    """Shards for the LR action pairs (`pair_state[i]` has an action on component
    `pair_component[i]`; terminals that are not lexed left out); `multiplies[c]`: whether
    component c is a regex terminal (it may multiply a union's states). None when one union
    of everything is all it comes to."""
    n_components = len(multiplies)
    columns = np.cumsum(multiplies) - 1
    regex = multiplies[pair_component]
    if not regex.any():
        return None
    key = np.zeros((n_states, int(multiplies.sum())), dtype=bool)
    key[pair_state[regex], columns[pair_component[regex]]] = True
    distinct, key_of_state = _unique_rows(np.packbits(key, axis=1))
    # each regex set goes to its largest superset (one no other set contains)
    size = np.unpackbits(distinct, axis=1).sum(axis=1, dtype=np.int64)
    inside = _inclusions(distinct)
    largest = np.where(inside, size[None, :], -1).argmax(axis=1)
    _, shard_of_key = np.unique(largest, return_inverse=True)
    shard_of_state = shard_of_key.ravel()[key_of_state.ravel()]
    n_shards = int(shard_of_state.max()) + 1
    if n_shards == 1:
        return None
    codes = np.unique(shard_of_state[pair_state].astype(np.int64) * n_components + pair_component)
    shard, component = np.divmod(codes, n_components)
    cuts = np.searchsorted(shard, np.arange(n_shards + 1))
    members = [component[cuts[k]:cuts[k + 1]] for k in range(n_shards)]     # ascending, distinct
    if always.size:
        members = [np.union1d(m, always) for m in members]
    # an LR state with no lexed terminal accepts nothing: any union serves it
    empty = [k for k in range(n_shards) if members[k].size == 0]
    if empty:
        kept = np.array([k for k in range(n_shards) if members[k].size], dtype=np.int64)
        renumber = np.full(n_shards, -1, dtype=np.int64)
        renumber[kept] = np.arange(len(kept))
        renumber[empty] = 0
        members = [members[k] for k in kept.tolist()]
        shard_of_state = renumber[shard_of_state]
        if len(members) == 1:
            return None
    return ShardPlan(members, shard_of_state.astype(np.int64))


def _inclusions(sets: np.ndarray) -> np.ndarray:
    """[i, j]: bit set i (row i of a 2-d uint8 array) is inside bit set j: no bit of i is
    outside j. Compared 64 bits at a time, in integers: a float product would call BLAS,
    whose worker threads keep spinning on the other cores after it returns."""
    n = sets.shape[0]
    sets = bit_words(sets)                          # 64 bits per comparison
    width = sets.shape[1]
    outside = ~sets
    apart = np.zeros((n, n), dtype=bool)            # [i, j]: some bit of i outside j
    for w in range(width):
        apart |= (sets[:, None, w] & outside[None, :, w]) != 0
    return ~apart


def bit_words(packed: np.ndarray) -> np.ndarray:
    """The rows of a 2-d uint8 array of packed bits (np.packbits along axis 1) as 64-bit words,
    zero-padded: two rows meet where a pair of their words has a bit in common."""
    n, width = packed.shape
    words = np.zeros((n, -(-width // 8) * 8), dtype=np.uint8)
    words[:, :width] = packed
    return words.view(np.uint64)


def _unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a 2-d uint8 array (in byte order) and each row's index among
    them: the rows as big-endian 64-bit words, sorted by `lexsort` (np.unique over the rows,
    as opaque byte strings or with axis=0, is many times slower)."""
    n, width = rows.shape
    padded = np.zeros((n, -(-width // 8) * 8), dtype=np.uint8)
    padded[:, :width] = rows
    words = padded.view(">u8").astype(np.uint64)
    order = np.lexsort(words.T[::-1])
    ordered = words[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return rows[order[new]], inverse
