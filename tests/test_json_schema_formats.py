"""`format` regexes (constrain/grammars/json_schema/formats.py) through the real regex -> DFA
path: RFC examples accepted, malformed strings rejected, and for IPv6 the standard library's
ipaddress as an oracle on generated strings (accepted => the oracle accepts)."""
from __future__ import annotations

import ipaddress
import itertools
import json
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

import constrain
from constrain.automata.regex import regex_to_dfa
from constrain.grammars.json_schema.formats import FORMATS
from tests.conftest import require_tokenizer

_DFAS: dict[str, object] = {}


def matches(fmt: str, text: str) -> bool:
    if fmt not in _DFAS:
        _DFAS[fmt] = regex_to_dfa(FORMATS[fmt])
    return _DFAS[fmt].matches(text.encode())


EXAMPLES = {
    "ipv6": (["::", "::1", "1::", "2001:db8::ff00:42:8329", "2001:0db8:0000:0000:0000:ff00:0042:8329",
              "::ffff:192.0.2.128", "fe80::1:2:3:4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4"],
             ["", ":", ":::", "1:2:3:4:5:6:7:8:9", "12345::", "1::2::3", "::ffff:192.0.2.256", "fe80::1%eth0",
              "g::1", "1:2:3:4:5:6:7", "::01.2.3.4"]),
    "duration": (["P1D", "PT1H", "P1Y2M3DT4H5M6S", "P3W", "PT36H", "P1M", "PT0S", "P1Y1D"[:3]],
                 ["P", "PT", "P1H", "1D", "P1DT", "P1W1D", "PT1S1M", "P1.5D"]),
    "uri": (["http://example.com", "https://a.b/c?d=e#f", "mailto:a@b.com", "urn:isbn:0451450523",
             "http://[::1]:8080/x", "file:///etc/hosts", "ftp://user:pw@host:21/"],
            ["", "example.com", "/relative", "http://exa mple.com", "http://host:abc/", "1http://x",
             "http://a/#b#c", "http://[1::2::3]/", "http://a/%zz"]),
    "uri-reference": (["http://example.com", "/a/b", "a/b", "", "?q", "#frag", "//host/path", "../x"],
                      ["a b", "1a:b", "http://a/#b#c", "%zz"]),
    "iri": (["http://例え.jp/パス", "https://a.b/ç"], ["例え", "http://a b"]),
    "iri-reference": (["/パス", "é"], ["a b"]),
    "idn-email": (["用户@example.com", "a.b@c.d"], ["@example.com", "a@", "a..b@c.d"]),
    "email": (["a@b.c", "first.last+tag@sub.example.org"], ["a@", "@b.c", "a b@c.d", ".a@b.c", "a@-b.c"]),
    "uri-template": (["http://example.com/{id}", "/search{?q,lang}", "{+path:6}/here", "{/list*}", "plain"],
                     ["{", "{}", "{a b}", "http://x/{a}}", "{?}", "a b", "{x:0}"]),
    "relative-json-pointer": (["0", "1/a", "2#", "0/a~0b/c~1d", "10"], ["", "01", "-1", "1a", "#", "1/~2"]),
    "hostname": (["example.com", "a-b.c"], ["-a.com", "a..b", "a_b.com"]),
}


@pytest.mark.parametrize("fmt", sorted(EXAMPLES))
def test_format_examples(fmt):
    good, bad = EXAMPLES[fmt]
    assert [s for s in good if not matches(fmt, s)] == []
    assert [s for s in bad if matches(fmt, s)] == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789abcdefABCDEF:.", max_size=45))
def test_ipv6_accepts_only_what_ipaddress_accepts(text):
    if matches("ipv6", text):
        ipaddress.IPv6Address(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_ipv6_accepts_every_compressed_and_exploded_address(n):
    address = ipaddress.IPv6Address(n)
    assert matches("ipv6", address.compressed) and matches("ipv6", address.exploded)


def test_every_listed_format_compiles_and_accepts_its_examples_token_by_token():
    path = require_tokenizer("gpt2")
    vocab, tok = constrain.Vocabulary.from_file(path), Tokenizer.from_file(str(path))
    for fmt in FORMATS:
        g = constrain.compile_json_schema({"type": "string", "format": fmt}, vocab)
        good, bad = EXAMPLES.get(fmt, ([], []))
        for text, valid in [(t, True) for t in good[:3]] + [(t, False) for t in bad[:3]]:
            m = g.matcher()
            ids = tok.encode(json.dumps(text, ensure_ascii=False), add_special_tokens=False).ids
            assert (all(m.accept_token(t) for t in ids) and m.can_end()) == valid, (fmt, text)


def test_oneof_of_disjoint_formats_is_exact_and_overlapping_ones_refused():
    """oneOf branches whose formats share no string (date, email) are proven disjoint, so the
    oneOf compiles as their union; a date against a pattern some dates match is not disjoint,
    and the oneOf then takes the strings exactly one branch matches."""
    from constrain.grammars.json_schema.disjoint import pairwise_disjoint
    date, email = {"type": "string", "format": "date"}, {"type": "string", "format": "email"}
    assert pairwise_disjoint([date, email]) and pairwise_disjoint([email, date])
    assert not pairwise_disjoint([date, {"type": "string", "pattern": "^2"}])
    assert not pairwise_disjoint([date, {"type": "string", "format": "date"}])
    path = require_tokenizer("gpt2")
    vocab, tok = constrain.Vocabulary.from_file(path), Tokenizer.from_file(str(path))
    cases = [(email, [("2024-02-29", True), ("a@b.co", True), ("2023-02-29", False), ("a@", False)]),
             ({"type": "string", "pattern": "^2"}, [("1999-01-01", True), ("2x", True), ("2024-01-01", False)])]
    for second, texts in cases:
        g = constrain.compile_json_schema({"oneOf": [date, second]}, vocab)
        for text, valid in texts:
            m = g.matcher()
            ids = tok.encode(json.dumps(text), add_special_tokens=False).ids
            assert (all(m.accept_token(t) for t in ids) and m.can_end()) == valid, (second, text)


_SMALL_REGEX = st.recursive(st.sampled_from(["a", "b", "ab", "[ab]", ""]),
                            lambda inner: st.one_of(st.tuples(inner, inner).map("".join),
                                                    st.tuples(inner, inner).map(lambda p: f"(?:{p[0]}|{p[1]})"),
                                                    inner.map(lambda r: f"(?:{r})*")), max_leaves=5)


@settings(max_examples=150, deadline=None)
@given(_SMALL_REGEX, _SMALL_REGEX)
def test_automata_intersect_iff_a_string_matches_both(a, b):
    """`_intersect` (the oneOf prover's product test) answers as a brute-force search: a
    shortest string both DFAs accept is shorter than their product's state count, so the
    strings up to that length decide it."""
    from constrain.grammars.json_schema.disjoint import _intersect
    dfas = [regex_to_dfa(a), regex_to_dfa(b)]
    bound = dfas[0].n_states * dfas[1].n_states
    assume(bound <= 13)
    texts = ("".join(p) for n in range(bound) for p in itertools.product("ab", repeat=n))
    assert _intersect(dfas) == any(re.fullmatch(a, t) and re.fullmatch(b, t) for t in texts)


def test_automata_intersect_too_large_is_not_disjoint():
    """Past max_states the product test answers True (no disjointness proof), never False."""
    from constrain.grammars.json_schema.disjoint import _intersect
    dfas = [regex_to_dfa("(?:ab)*a"), regex_to_dfa("(?:ab)*b")]
    assert _intersect(dfas) is False
    assert _intersect(dfas, max_states=1) is True
