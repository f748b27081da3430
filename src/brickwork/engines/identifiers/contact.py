"""Contact identifiers: mainland China mobile numbers, E.164 phone numbers, e-mail and URLs.

Pragmatic checks, not full RFC grammars: they accept what people really type and what mail and
web software really handles, and refuse the rest. Nothing here resolves names or sends mail.
Host names must be ASCII (internationalised domain names are given in their xn-- form).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from brickwork.engines.identifiers.result import IdentifierResult, fault, normalise

CN_MOBILE = re.compile(r"1[3-9][0-9]{9}")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
"""E.164: up to 15 digits including the country code; we require at least 7."""

EMAIL_MAX_LENGTH = 254
EMAIL_LOCAL_MAX_LENGTH = 64
EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
TOP_LEVEL = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")
DOMAIN_MAX_LENGTH = 253

URL_MAX_LENGTH = 2048
URL_SCHEMES = frozenset({"http", "https"})
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")

PHONE_SEPARATORS = " -.()"


def check_cn_mobile(raw: str) -> IdentifierResult:
    """A mainland mobile number: 11 digits, 1 then 3-9; +86 / 0086 / 86 prefixes are dropped."""
    value = normalise(raw, drop=PHONE_SEPARATORS)
    for prefix in ("+86", "0086", "86"):
        if value.startswith(prefix) and len(value) == len(prefix) + 11:
            value = value[len(prefix) :]
            break
    problems = () if CN_MOBILE.fullmatch(value) else (fault("mobile_format"),)
    return IdentifierResult(normalized=value, problems=problems)


def check_e164(raw: str) -> IdentifierResult:
    """An international number in E.164 form (`+` and 7-15 digits); a leading 00 becomes +."""
    value = normalise(raw, drop=PHONE_SEPARATORS)
    if value.startswith("00"):
        value = "+" + value[2:]
    problems = () if E164.fullmatch(value) else (fault("phone_format"),)
    return IdentifierResult(normalized=value, problems=problems)


def is_domain(host: str) -> bool:
    labels = host.split(".")
    return (
        len(host) <= DOMAIN_MAX_LENGTH
        and len(labels) >= 2
        and all(DOMAIN_LABEL.fullmatch(label) for label in labels)
        and TOP_LEVEL.fullmatch(labels[-1]) is not None
    )


def check_email(raw: str) -> IdentifierResult:
    """An e-mail address: dot-atom local part (max 64), a domain with a TLD, at most 254 chars.

    The domain is lower-cased; the local part keeps its case (servers may distinguish it).
    """
    value = raw.strip()
    local, at, domain = value.rpartition("@")
    if len(value) > EMAIL_MAX_LENGTH or len(local) > EMAIL_LOCAL_MAX_LENGTH:
        return IdentifierResult(normalized=value, problems=(fault("email_length"),))
    value = f"{local}@{domain.lower()}" if at else value
    if not at or not EMAIL_LOCAL.fullmatch(local) or not is_domain(domain):
        return IdentifierResult(normalized=value, problems=(fault("email_format"),))
    return IdentifierResult(normalized=value)


def check_url(raw: str) -> IdentifierResult:
    """An absolute http(s) URL with a host name or IPv4/IPv6 address and no user information.

    The scheme and host are lower-cased; path, query and fragment are kept as given.
    """
    value = raw.strip()
    if len(value) > URL_MAX_LENGTH:
        return IdentifierResult(normalized=value, problems=(fault("url_length"),))
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in value):
        return IdentifierResult(normalized=value, problems=(fault("url_format"),))
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return IdentifierResult(normalized=value, problems=(fault("url_format"),))
    if parts.scheme.lower() not in URL_SCHEMES:
        return IdentifierResult(normalized=value, problems=(fault("url_scheme"),))
    if "@" in parts.netloc:
        return IdentifierResult(normalized=value, problems=(fault("url_credentials"),))
    host = parts.hostname or ""
    if not (is_domain(host) or IPV4.fullmatch(host) or _is_ipv6_literal(parts.netloc)):
        return IdentifierResult(normalized=value, problems=(fault("url_format"),))
    if port == 0:
        return IdentifierResult(normalized=value, problems=(fault("url_format"),))
    normalized = urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment)
    )
    return IdentifierResult(normalized=normalized)


def _is_ipv6_literal(netloc: str) -> bool:
    if not netloc.startswith("["):
        return False
    literal = netloc[1 : netloc.find("]")]
    try:
        ipaddress.IPv6Address(literal)
    except ValueError:
        return False
    return True
