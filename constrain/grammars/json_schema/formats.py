"""The `format` values enforced exactly, as ECMA-262 regexes over the decoded string.

Each regex accepts only strings that jsonschema's FormatChecker (and RFC 3339 / RFC 4122 /
RFC 2673, RFC 3986/3987, RFC 4291, RFC 6570) accept — conservative where checkers differ:
no leap seconds, real calendar days (February 29 only in leap years), lowercase or uppercase
hex in UUIDs, no IPv6 zone ids, IRIs without private-use or astral characters, email and
idn-email as dot-atom local parts at DNS host names.
`regex`, whose language is not regular, is a conservative regular subset of the patterns
both ECMA-262 and Python compile (regex_format.py). Formats not listed here (e.g. OpenAPI's
`byte`, which JSON Schema validators do not check) are unsupported (an error, or ignored
under `lenient`).
"""
from __future__ import annotations

from constrain.grammars.json_schema.regex_format import REGEX_FORMAT

_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_DATE = (r"(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
         r"|02-(?:0[1-9]|1[0-9]|2[0-8]))|" + _LEAP_YEAR + r"-02-29)")
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_HEX = "[0-9a-fA-F]"

_UCSCHAR = r"\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF"  # RFC 3987 ucschar in the BMP
_H16 = _HEX + "{1,4}"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_LS32 = rf"(?:{_H16}:{_H16}|{_IPV4})"
_IPV6 = "(?:" + "|".join([
    rf"(?:{_H16}:){{6}}{_LS32}",
    rf"::(?:{_H16}:){{5}}{_LS32}",
    rf"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
    rf"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
    rf"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
    rf"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
    rf"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
    rf"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
    rf"(?:(?:{_H16}:){{0,6}}{_H16})?::",
]) + ")"


def _uri_grammar(extra: str) -> tuple[str, str]:
    """(absolute URI, URI reference) regexes of RFC 3986; `extra`: characters added to
    `unreserved` (RFC 3987's ucschar for IRIs)."""
    unreserved, sub_delims, pct = rf"[A-Za-z0-9\-._~{extra}]", r"[!$&'()*+,;=]", f"%{_HEX}{{2}}"
    pchar = f"(?:{unreserved}|{pct}|{sub_delims}|[:@])"
    segment_nz_nc = f"(?:{unreserved}|{pct}|{sub_delims}|@)+"
    host = rf"(?:\[{_IPV6}\]|(?:{unreserved}|{pct}|{sub_delims})*)"
    authority = rf"(?:(?:{unreserved}|{pct}|{sub_delims}|:)*@)?{host}(?::[0-9]*)?"
    tail = rf"(?:\?(?:{pchar}|[/?])*)?(?:#(?:{pchar}|[/?])*)?"
    abempty = f"(?:/{pchar}*)*"
    absolute = f"/(?:{pchar}+{abempty})?"
    scheme = "[A-Za-z][A-Za-z0-9+.-]*"
    uri = f"{scheme}:(?://{authority}{abempty}|{absolute}|{pchar}+{abempty}|){tail}"
    relative = f"(?://{authority}{abempty}|{absolute}|{segment_nz_nc}{abempty}|){tail}"
    return uri, f"(?:{uri}|{relative})"


_URI, _URI_REFERENCE = _uri_grammar("")
_IRI, _IRI_REFERENCE = _uri_grammar(_UCSCHAR)
_DNS_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"


def _email(extra: str) -> str:
    atext = f"[{extra}{_ATEXT}]"
    return rf"{atext}+(?:\.{atext}+)*@{_DNS_LABEL}(?:\.{_DNS_LABEL})*"


_DUR_TIME = "T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)"
_DUR_DATE = "(?:[0-9]+D|[0-9]+M(?:[0-9]+D)?|[0-9]+Y(?:[0-9]+M(?:[0-9]+D)?)?)"
_URI_TEMPLATE_LITERAL = r"(?:[!#$&()*+,\-./0-9:;=?@A-Z\[\]_a-z~" + _UCSCHAR + r"\uE000-\uF8FF]|%[0-9a-fA-F]{2})"
_VARSPEC = r"(?:[A-Za-z0-9_]|%[0-9a-fA-F]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9a-fA-F]{2}))*(?::[1-9][0-9]{0,3}|\*)?"
# at most 3 labels of at most 62 characters, no "--" (so no malformed "xn--" A-labels)
_HOSTNAME = r"[A-Za-z0-9]{1,20}(?:-[A-Za-z0-9]{1,20}){0,2}(?:\.[A-Za-z0-9]{1,20}(?:-[A-Za-z0-9]{1,20}){0,2}){0,2}"
_JSON_POINTER = r"(?:/(?:[^~/]|~[01])*)*"

FORMATS = {
    "date": _DATE,
    "time": _TIME,
    "date-time": _DATE + "[Tt]" + _TIME,
    "uuid": f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}",
    "ipv4": _IPV4,
    "ipv6": _IPV6,
    # a conservative subset of RFC 5321 / RFC 6531 addresses (dot-atom local part, DNS domain)
    "email": _email(""),
    "idn-email": _email(_UCSCHAR),
    "uri": _URI,
    "uri-reference": _URI_REFERENCE,
    "iri": _IRI,
    "iri-reference": _IRI_REFERENCE,
    "uri-template": rf"(?:{_URI_TEMPLATE_LITERAL}|\{{[+#./;?&=,!@|]?{_VARSPEC}(?:,{_VARSPEC})*\}})*",
    "duration": f"P(?:{_DUR_DATE}(?:{_DUR_TIME})?|{_DUR_TIME}|[0-9]+W)",
    "hostname": _HOSTNAME,
    "idn-hostname": _HOSTNAME,  # the ASCII host names (valid IDNA A-labels' complement aside)
    "json-pointer": _JSON_POINTER,
    "relative-json-pointer": f"(?:0|[1-9][0-9]*)(?:#|{_JSON_POINTER})",
    "regex": REGEX_FORMAT,
}
