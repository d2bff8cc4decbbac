"""The C++ automaton core's entry points (constrain._core) called directly: what they build
from small inputs, and the bad arrays and states they refuse with ValueError rather than
reading out of range."""
from __future__ import annotations

import numpy as np
import pytest

from constrain.automata.regex import words_dfa


def test_core_union_refuses_views_and_empty_lists():
    from constrain._core import ByteDFA as CoreDFA
    from constrain._core import union_dfa

    dfa = words_dfa([b"ab", b"c"])
    with pytest.raises(ValueError, match="at least one"):
        union_dfa([], 100)
    view = dfa.core().restricted(np.array([0, 0, 1, 0][:dfa.n_states], dtype=np.uint8))
    with pytest.raises(ValueError, match="restricted"):
        union_dfa([dfa.core(), view], 100)
    no_states = CoreDFA(np.zeros((0, 256), dtype=np.int32), np.zeros(0, dtype=np.uint8))
    with pytest.raises(ValueError, match="start state"):
        union_dfa([dfa.core(), no_states], 100)


def test_core_subset_construction_and_minimize_refuse_bad_arrays():
    from constrain._core import minimize_classes, subset_construction

    def call(**over):
        args = dict(move_begin=[0, 1, 1], move_class=[0], move_target=[1], eps=[], bos=[], eos=[], tags=[1, 0],
                    start=0, n_classes=1, max_states=10)
        args.update(over)
        return subset_construction(**args)

    trans, tag_begin, tags = call()
    assert trans.tolist() == [[1], [-1]] and tag_begin.tolist() == [0, 0, 1] and tags.tolist() == [0]
    assert call(max_states=1) is None
    for bad in (dict(move_target=[2]), dict(move_class=[1]), dict(eps=[0, 2]), dict(eps=[2, 0]), dict(eps=[0]),
                dict(tags=[1, -1]), dict(start=2)):
        with pytest.raises(ValueError):
            call(**bad)
    # two equivalent accepting states merge; a DFA that never accepts is the empty language
    moves, column_of_class, rep = minimize_classes(np.array([[1, 1], [1, 1]], dtype=np.int32),
                                                   np.array([1, 1], dtype=np.int32))
    assert moves.tolist() == [[0]] and column_of_class.tolist() == [0, 0] and rep == [0]
    assert minimize_classes(np.array([[1], [-1]], dtype=np.int32), np.array([0, 0], dtype=np.int32)) is None
    for trans, group in (([[2], [1]], [0, 1]), ([[-2], [1]], [0, 1]), ([[1], [1]], [0, -1]), ([[1]], [0, 1])):
        with pytest.raises(ValueError):
            minimize_classes(np.array(trans, dtype=np.int32), np.array(group, dtype=np.int32))


def test_core_thompson_builds_repeats_and_refuses_malformed_programs():
    from constrain._core import thompson

    # nodes in post-order: 0 = a chars node (label 0, classes 1 and 2), 1 = 0{1,2}, 2 = $,
    # 3 = concat(1, 2); one root
    def call(**over):
        args = dict(kind=[0, 3, 5, 1], a=[0, 1, 0, 0], b=[0, 2, 0, 0], child_begin=[0, 0, 1, 1, 3],
                    children=[0, 1, 2], roots=[3], label_begin=[0, 2], label_classes=[1, 2], n_states=10)
        args.update(over)
        return thompson(**args)

    (move_begin, move_class, move_target), eps, bos, eos, exits = call()
    # 0 start; 1 concat entry; 2 repeat entry; 3-4 first copy; 5 repeat exit; 6-7 optional copy;
    # 8-9 the $ assertion
    assert move_begin.tolist() == [0, 0, 0, 0, 2, 2, 2, 4, 4, 4, 4]
    assert move_class.tolist() == [1, 2, 1, 2] and move_target.tolist() == [4, 4, 7, 7]
    assert eps.tolist() == [2, 3, 4, 5, 4, 6, 7, 5, 1, 2, 5, 8, 0, 1] and bos.tolist() == []
    assert eos.tolist() == [8, 9] and exits.tolist() == [9]
    for bad in (dict(children=[0, 3, 2]), dict(kind=[0, 3, 5, 9]), dict(a=[1, 1, 0, 0]), dict(roots=[4]),
                dict(child_begin=[0, 0, 0, 1, 3]), dict(n_states=5), dict(n_states=12), dict(label_classes=[1, -1])):
        with pytest.raises(ValueError):
            call(**bad)


def test_core_byte_nfa_spells_column_groups_and_shares_suffix_states():
    from constrain._core import byte_nfa

    # state 0 reads column 0 or 1 into state 1; the group (0, 1) is spelled by two paths,
    # one byte (a) or two bytes (0xC3 then 0x80..0xBF), whose inner state is shared
    trans = np.array([[1, 1], [-1, -1]], dtype=np.int32)
    asked = []

    def spellings_of(columns):
        asked.append(columns)
        return [((0x61, 0x61),), ((0xC3, 0xC3), (0x80, 0xBF))]

    (move_begin, move_class, move_target), class_of, n_states, start = byte_nfa(trans, spellings_of,
                                                                               np.array([0, 1], dtype=np.uint8), -1)
    assert asked == [(0, 1)] and n_states == 3 and start == 0
    a, lead, cont = class_of[0x61], class_of[0xC3], class_of[0x80]
    assert len({a, lead, cont, class_of[0x62]}) == 4 and class_of[0xBF] == cont
    assert move_begin.tolist() == [0, 2, 2, 3]
    assert move_class.tolist() == [a, lead, cont] and move_target.tolist() == [1, 2, 1]
    # with a quote: an opening state (the start) and a closing one after the accepting state
    (move_begin, _, move_target), class_of, n_states, start = byte_nfa(trans, spellings_of,
                                                                       np.array([0, 1], dtype=np.uint8), 0x22)
    assert (n_states, start) == (5, 3) and move_target.tolist()[move_begin[1]:move_begin[2]] == [4]
    for bad in (lambda c: [((0x61, 0x300),)], lambda c: [()], lambda c: [((2, 1),)], lambda c: [((1, 2, 3),)]):
        with pytest.raises(ValueError):
            byte_nfa(trans, bad, np.array([0, 1], dtype=np.uint8), -1)
    with pytest.raises(ValueError):
        byte_nfa(np.array([[2]], dtype=np.int32), spellings_of, np.array([0], dtype=np.uint8), -1)


def test_core_dfa_walks_refuse_bad_states_and_words():
    """first_bytes and accepts_each: the bytes with a live move, and the words a walk accepts."""
    core = words_dfa([b"ab", b"c"]).core()
    first = core.first_bytes(0)
    assert len(first) == 32 and int.from_bytes(first, "big") == (1 << 255 - ord("a")) | (1 << 255 - ord("c"))
    assert core.accepts_each(0, [b"ab", b"a", b"c", b"", b"abc"]) == [True, False, True, False, False]
    for call in (lambda: core.first_bytes(core.n_states), lambda: core.accepts_each(-1, [b"a"])):
        with pytest.raises(ValueError):
            call()
    with pytest.raises(TypeError, match="bytes"):
        core.accepts_each(0, ["ab"])
