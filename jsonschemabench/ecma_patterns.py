"""ECMA-262 `pattern`s as Python regexes, so that Python tools (jsonschema,
hypothesis-jsonschema) validate and generate what the JSON Schema spec means.

Python's `re` reads `\\d`, `\\w` and `\\s` as Unicode classes, lets `$` match before a final
newline and `.` match `\\r`; ECMA-262 does none of these. `ecma_as_python` rewrites those
pieces and returns None for what it does not translate (word boundaries, back references,
named groups, negated classes inside a class, `\\p{..}`), so callers skip such schemas."""
from __future__ import annotations

import re

_CLASS = {"d": "0-9", "w": "A-Za-z0-9_",
          "s": "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"}
_UNTRANSLATED_ESCAPES = set("bBckpP123456789")
_VALUES = {"enum", "const", "default", "examples"}          # JSON values, not schemas


def ecma_as_python(pattern: str) -> str | None:
    """A Python regex that `re.search`es the strings the ECMA-262 regex `pattern` matches
    somewhere, or None."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return None
            e = pattern[i + 1]
            i += 2
            if e in _CLASS:
                out.append(_CLASS[e] if in_class else f"[{_CLASS[e]}]")
            elif e in "DWS" and not in_class:
                out.append(f"[^{_CLASS[e.lower()]}]")
            elif e in "DWS" or e in _UNTRANSLATED_ESCAPES or (e == "u" and pattern.startswith("{", i)):
                return None
            else:
                out.append("\\" + e)
            continue
        i += 1
        if in_class:
            in_class = c != "]"
            out.append("\\[" if c == "[" else c)
        elif c == "[":
            if pattern.startswith("]", i) or pattern.startswith("^]", i):     # ECMA's empty classes
                return None
            in_class = True
            out.append(c)
        elif c == "(" and pattern.startswith("?<", i) and not pattern.startswith(("?<=", "?<!"), i):
            return None
        else:
            out.append({"$": "\\Z", ".": "[^\\n\\r\\u2028\\u2029]"}.get(c, c))
    text = "".join(out)
    try:
        re.compile(text)
    except re.error:
        return None
    return text


def ecma_schema(node):
    """`node` (a schema or a part of one) with every `pattern` and `patternProperties` key
    translated by `ecma_as_python` (values under `enum`, `const`, `default` and `examples`
    left as they are), or None when one is not."""
    if isinstance(node, list):
        out = [ecma_schema(x) for x in node]
        return None if any(y is None and x is not None for x, y in zip(node, out)) else out
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "pattern" and isinstance(v, str):
            v = ecma_as_python(v)
        elif k == "patternProperties" and isinstance(v, dict):
            keys = [ecma_as_python(p) for p in v]
            v = None if None in keys else ecma_schema(dict(zip(keys, v.values())))
        elif isinstance(v, (dict, list)) and k not in _VALUES:
            v = ecma_schema(v)
        if v is None and node[k] is not None:
            return None
        out[k] = v
    return out
