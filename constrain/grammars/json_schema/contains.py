"""The item rules of an array with `contains`: between minItems and maxItems items, of which
between minContains and maxContains are contained ones.

Every item is read either as a contained one (`hit`: items ∧ contains) or as another one
(`miss`: items ∧ ¬contains); the two are disjoint, so each array has one reading. Invariant:
the state (i, c) counts items and contained items, each saturating once no bound above it
remains (i at max(minItems, 1) without maxItems, c at minContains without maxContains), and
a state has a rule only when some array can still end from it.
"""
from __future__ import annotations


def containing_array(emitter, hit: str | None, miss: str | None, lo: int, hi: int | None,
                     cmin: int, cmax: int | None) -> str | None:
    """The rule of the items between the brackets (None when no array qualifies)."""
    top_i = hi if hi is not None else max(lo, 1)
    top_c = cmax if cmax is not None else cmin

    def moves(i: int, c: int) -> list[tuple[str, tuple[int, int]]]:
        if hi is not None and i >= hi:
            return []
        ni = min(i + 1, top_i)
        out = [(miss, (ni, c))] if miss is not None else []
        if hit is not None and (cmax is None or c < cmax):
            out.append((hit, (ni, min(c + 1, top_c))))
        return out

    def ends(i: int, c: int) -> bool:
        return i >= lo and c >= cmin

    states = [(i, c) for i in range(top_i + 1) for c in range(top_c + 1)]
    viable = {s for s in states if ends(*s)}
    grown = True
    while grown:                       # states from which some array can still end
        grown = False
        for s in states:
            if s not in viable and any(t in viable for _, t in moves(*s)):
                viable.add(s)
                grown = True
    if (0, 0) not in viable:
        return None
    base = emitter.fresh_name("c")
    comma = emitter.punct[","]
    for i, c in sorted(viable):
        sep = f"{comma} " if i else ""
        alts = [""] if ends(i, c) else []
        alts += [f"{sep}{item} {base}_{t[0]}_{t[1]}" for item, t in moves(i, c) if t in viable]
        emitter.rule(alts, f"{base}_{i}_{c}")
    return f"{base}_0_0"
