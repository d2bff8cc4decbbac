"""CharSet algebra against Python sets of code points (small universes near the edges that
matter: 0, the surrogate block, the top of Unicode)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from constrain.automata.charset import MAX_CODE_POINT, SURROGATE_HI, SURROGATE_LO, CharSet

# points of interest, so that random ranges overlap, touch and straddle the surrogates
_POINTS = sorted({0, 1, 2, 5, 9, 10, 11, 0x7F, 0x80, SURROGATE_LO - 2, SURROGATE_LO - 1, SURROGATE_LO,
                  SURROGATE_LO + 5, SURROGATE_HI, SURROGATE_HI + 1, SURROGATE_HI + 2, MAX_CODE_POINT - 1,
                  MAX_CODE_POINT})
_range = st.tuples(st.sampled_from(_POINTS), st.sampled_from(_POINTS)).map(lambda r: (min(r), max(r)))
charsets = st.lists(_range, max_size=5).map(CharSet)


def members(cs: CharSet) -> set[int]:
    """The members among the points of interest and their neighbours."""
    probe = {p + d for p in _POINTS for d in (-1, 0, 1) if 0 <= p + d <= MAX_CODE_POINT}
    return {p for p in probe if p in cs}


def universe() -> set[int]:
    return members(CharSet([(0, MAX_CODE_POINT)]))


@given(charsets, charsets)
def test_difference_is_set_difference(a, b):
    d = a.difference(b)
    assert members(d) == members(a) - members(b)
    assert d == CharSet(d.ranges)          # normalized: equal sets have equal ranges


@given(charsets)
def test_complement_is_set_complement(a):
    c = a.complement()
    assert members(c) == universe() - members(a)
    assert c == CharSet(c.ranges)
    assert not any(SURROGATE_LO <= p <= SURROGATE_HI for p in members(c))


@given(charsets, charsets)
def test_union_and_difference_agree(a, b):
    assert a.union(b).difference(b) == a.difference(b)
    assert a.difference(a) == CharSet()
