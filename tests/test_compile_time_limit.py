"""The compile time limit (constrain/deadline.py): `max_compile_seconds` of compile_json_schema
and json_schema_to_lark. Time is faked (the deadline module's clock jumps past the deadline at
a chosen check), so that the tests do not depend on this machine's speed."""
from __future__ import annotations

import sys

import pytest

import constrain
from constrain import CompileTimeLimitError, ConstrainError, GrammarError, UnsupportedSchemaError, Vocabulary, deadline
from constrain.automata.automaton_cache import AutomatonCache
from constrain.deadline import check_time, time_limit
from constrain.grammar_cache import GrammarCache
from constrain.grammars import lalr
from constrain.grammars.json_schema import _emit
from constrain.grammars.json_schema.emit import Options

VOCAB = Vocabulary([bytes([b]) for b in range(32, 127)] + [b"<eos>"], [95])

#: a schema whose compile goes through the emitter's fallbacks (pattern automata, a oneOf
#: proof, key exclusion, uniqueItems, not) and the lexer's unions
SCHEMA = {
    "type": "object",
    "properties": {
        "a": {"type": "string", "pattern": "^x[a-z]+$", "maxLength": 20},
        "b": {"oneOf": [{"type": "string", "pattern": "^p"}, {"type": "integer", "minimum": 7}]},
        "c": {"type": "string", "minLength": 2, "not": {"enum": ["sss", "ttt"]}},
        "d": {"type": "array", "items": {"enum": ["e", "f"]}, "uniqueItems": True},
    },
    "required": ["a"],
    "additionalProperties": {"type": "number", "maximum": 1000},
}


class JumpingClock:
    """A monotonic clock at 0 for its first `still` calls after the first (the one that sets
    the deadline), then far past any deadline; counts its calls."""

    def __init__(self, still: float = float("inf")):
        self.still = still
        self.calls = 0

    def monotonic(self) -> float:
        self.calls += 1
        return 0.0 if self.calls <= self.still + 1 else 1e9


def _cold(monkeypatch, clock: JumpingClock) -> None:
    """Run on `clock`, with the process-wide caches of ours emptied, so that each compile of
    one input after the first takes the same steps (the first also makes what is kept
    elsewhere, such as the automata of formats)."""
    for name, module in list(sys.modules.items()):
        if name == "constrain" or name.startswith("constrain."):
            for value in list(vars(module).values()):
                if isinstance(value, (AutomatonCache, GrammarCache)) or hasattr(value, "cache_clear"):
                    value.clear() if hasattr(value, "clear") else value.cache_clear()
    monkeypatch.setattr(deadline, "time", clock)


def _cold_compile(monkeypatch, clock: JumpingClock, schema=SCHEMA, seconds=1.0):
    _cold(monkeypatch, clock)
    return constrain.compile_json_schema(schema, VOCAB, max_compile_seconds=seconds)


def _accepts(grammar, text: str) -> bool:
    """Whether the grammar takes `text` (ASCII: one VOCAB token per character) and can end there."""
    ids = [b - 32 for b in text.encode()]
    m = grammar.matcher()
    return m.accept_tokens(ids) == len(ids) and m.can_end()


def _check_grammar(grammar) -> None:
    assert _accepts(grammar, '{"a": "xab", "c": "zz", "d": ["f", "e"], "z": 3}')
    assert not _accepts(grammar, '{"a": "yab"}')
    assert not _accepts(grammar, '{"a": "xab", "c": "sss"}')
    assert not _accepts(grammar, '{"a": "xab", "d": ["e", "e"]}')


def test_the_deadline_passing_at_any_check_fails_the_compile_with_the_time_limit_error(monkeypatch):
    """Wherever the deadline passes, the compile raises CompileTimeLimitError: no fallback on
    the way (an automaton too large, a oneOf not proved disjoint) takes running out of time for
    a property of the schema, and no compile succeeds past its deadline. Afterwards the schema
    compiles in full, to the same language (nothing half built was kept)."""
    _check_grammar(_cold_compile(monkeypatch, JumpingClock()))    # what no cache clearing undoes
    counting = JumpingClock()
    _check_grammar(_cold_compile(monkeypatch, counting))
    n = counting.calls - 1
    assert n >= 20                     # emitter, automata, lexer and parser steps
    pointers = set()
    for k in range(n):
        with pytest.raises(CompileTimeLimitError) as caught:
            _cold_compile(monkeypatch, JumpingClock(still=k))
        assert caught.value.seconds == 1.0 and "1 s" in str(caught.value)
        pointers.add(caught.value.pointer)
        monkeypatch.setattr(deadline, "time", JumpingClock())
        _check_grammar(constrain.compile_json_schema(SCHEMA, VOCAB, max_compile_seconds=1.0))
    assert "#" in pointers and "#/properties/a" in pointers
    assert "" in pointers              # some checks come after the emitter (lexers, parser)
    assert all(p == "" or p.startswith("#") for p in pointers)


def test_the_error_is_a_constrain_error_naming_the_subschema(monkeypatch):
    with pytest.raises(ConstrainError, match=r"longer than the time limit of 2\.5 s \(while compiling the subschema at #\)"):
        _cold_compile(monkeypatch, JumpingClock(still=0), {"type": "integer"}, 2.5)


def test_no_limit_or_a_limit_not_reached_compiles(monkeypatch):
    _check_grammar(_cold_compile(monkeypatch, JumpingClock(still=0), seconds=None))
    _check_grammar(_cold_compile(monkeypatch, JumpingClock(still=10**9)))


def test_json_schema_to_lark_is_limited_too(monkeypatch):
    monkeypatch.setattr(deadline, "time", JumpingClock(still=0))
    with pytest.raises(CompileTimeLimitError):
        constrain.json_schema_to_lark({"type": "string", "pattern": "^q[0-9]+$"}, max_compile_seconds=3)
    assert "start" in constrain.json_schema_to_lark({"type": "string"}, max_compile_seconds=None)


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), "10", True])
def test_a_limit_that_is_not_a_positive_number_is_refused(seconds):
    with pytest.raises(ValueError, match="positive number of seconds"):
        constrain.compile_json_schema({"type": "integer"}, VOCAB, max_compile_seconds=seconds)


def test_the_real_clock_stops_a_compile_given_no_time():
    with pytest.raises(CompileTimeLimitError):
        constrain.compile_json_schema({**SCHEMA, "title": "never compiled before"}, VOCAB, max_compile_seconds=1e-9)


def test_nested_limits_report_the_one_whose_deadline_passed(monkeypatch):
    for outer, inner in ((5, 10), (10, 5)):
        monkeypatch.setattr(deadline, "time", JumpingClock(still=1))   # both set at 0; the 2nd check is late
        with pytest.raises(CompileTimeLimitError) as caught:
            with time_limit(outer):
                with time_limit(inner):
                    check_time()
                    check_time()
        assert caught.value.seconds == 5
    check_time()                        # outside every limit: nothing to check


def test_lark_grammars_and_regexes_are_limited_too(monkeypatch):
    """compile_lark and compile_regex take the same limit: the deadline passing at any of a
    grammar's checks (terminal automata, LR tables, lexer) fails the compile with the error."""
    grammar = 'start: item ("," item)*\nitem: WORD | NUMBER\nWORD: /[a-z]+(-[a-z]+)*/\nNUMBER: /[0-9]{1,6}/\n'
    _cold(monkeypatch, JumpingClock())
    assert _accepts(constrain.compile_lark(grammar, VOCAB), "ab-c,12")
    counting = JumpingClock()
    _cold(monkeypatch, counting)
    assert _accepts(constrain.compile_lark(grammar, VOCAB), "ab-c,12")
    assert counting.calls >= 4
    for k in range(counting.calls - 1):
        _cold(monkeypatch, JumpingClock(still=k))
        with pytest.raises(CompileTimeLimitError) as caught:
            constrain.compile_lark(grammar, VOCAB, max_compile_seconds=4)
        assert caught.value.seconds == 4 and caught.value.pointer == ""
    monkeypatch.setattr(deadline, "time", JumpingClock(still=0))
    assert _accepts(constrain.compile_lark(grammar, VOCAB, max_compile_seconds=None), "x")
    with pytest.raises(CompileTimeLimitError):
        constrain.compile_regex("[a-f]{3}q+never-compiled", VOCAB, max_compile_seconds=4)
    with pytest.raises(ValueError, match="positive number of seconds"):
        constrain.compile_regex("a", VOCAB, max_compile_seconds=-2)


def _many_optional_members(n: int):
    """The BNF rules of an object of n optional members in schema order: its LALR tables'
    lookahead sets grow with n squared (each member's state can still read any later one)."""
    schema = {"type": "object", "properties": {f"p{i}": {"type": "integer"} for i in range(n)}}
    _, emitter, start = _emit(schema, Options(), for_compile=True)
    return schema, emitter.bnf(start)


def test_the_lalr_tables_stop_at_the_deadline():
    """The LALR tables are built in C++ (on a thread of their own), which reads the deadline
    itself: nothing else checks the time while `tables()` waits, so the error can only come
    from there. Building these tables takes seconds without the limit."""
    _, rules = _many_optional_members(1500)
    with pytest.raises(CompileTimeLimitError):
        with time_limit(0.02):
            lalr.PendingLALR(rules, "start").tables()


def test_lalr_sets_past_their_budget_are_a_grammar_error(monkeypatch):
    schema, rules = _many_optional_members(60)
    assert lalr.PendingLALR(rules, "start").tables().n_states > 60
    monkeypatch.setattr(lalr, "MAX_LR_SET_WORDS", 500)
    with pytest.raises(GrammarError, match="lookahead sets would take more than 4000 bytes"):
        lalr.PendingLALR(rules, "start").tables()
    with pytest.raises(UnsupportedSchemaError, match="lookahead sets would take more than 4000 bytes"):
        constrain.compile_json_schema(schema, VOCAB)
