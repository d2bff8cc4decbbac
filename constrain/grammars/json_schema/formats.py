"""The `format` values enforced exactly, as ECMA-262 regexes over the decoded string.

Each regex accepts only strings that jsonschema's FormatChecker (and RFC 3339 / RFC 4122 /
RFC 2673) accept — conservative where checkers differ: no leap seconds, real calendar days
(February 29 only in leap years), lowercase or uppercase hex in UUIDs. Formats not listed
here are unsupported (an error, or ignored under `lenient`).
"""
from __future__ import annotations

_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_DATE = (r"(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
         r"|02-(?:0[1-9]|1[0-9]|2[0-8]))|" + _LEAP_YEAR + r"-02-29)")
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_HEX = "[0-9a-fA-F]"

FORMATS = {
    "date": _DATE,
    "time": _TIME,
    "date-time": _DATE + "[Tt]" + _TIME,
    "uuid": f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}",
    "ipv4": rf"{_OCTET}(?:\.{_OCTET}){{3}}",
    # a conservative subset of RFC 5321 addresses (dot-atom local part, DNS domain)
    "email": r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
             r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*",
    # RFC 3986 absolute URIs over unreserved/sub-delim/gen-delim characters and %XX escapes
    "uri": r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*",
    # at most 3 labels of at most 62 characters, no "--" (so no malformed "xn--" A-labels)
    "hostname": r"[A-Za-z0-9]{1,20}(?:-[A-Za-z0-9]{1,20}){0,2}(?:\.[A-Za-z0-9]{1,20}(?:-[A-Za-z0-9]{1,20}){0,2}){0,2}",
    "json-pointer": r"(?:/(?:[^~/]|~[01])*)*",
}
