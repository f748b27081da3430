"""Country tables used by the bank identifier checks: ISO 3166-1 alpha-2 codes and IBAN lengths.

Data only. The IBAN registry comes from python-stdnum (its `numdb` data, read once at import):
a country outside it has no IBANs, and an IBAN of that country is refused. Nothing here looks
up banks or accounts.
"""

from __future__ import annotations

import re

from stdnum import numdb

ISO_3166_ALPHA2: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET
    FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
    HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ
    OM
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA
    RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ
    VA VC VE VG VI VN VU
    WF WS
    YE YT
    ZA ZM ZW
    """.split()  # noqa: SIM905 - a grid of codes is easier to check than a list literal
)
"""The 249 officially assigned ISO 3166-1 alpha-2 codes."""

BIC_EXTRA_COUNTRIES: frozenset[str] = frozenset({"XK"})
"""Codes SWIFT uses in BICs although ISO 3166 has not assigned them (XK: Kosovo)."""

IbanPart = tuple[int, str]
"""One part of a national account number (BBAN): its length and its kind (`n` digits, `a` capital
letters, `c` digits or capital letters), as the IBAN registry writes `4!a`."""

_IBAN_PART = re.compile(r"([1-9][0-9]*)!([nac])")


def _registry_structure(country: str) -> tuple[IbanPart, ...] | None:
    found = numdb.get("iban").info(country)
    structure = found[0][1].get("bban") if found else None
    if not structure:
        return None
    return tuple((int(length), kind) for length, kind in _IBAN_PART.findall(structure))


IBAN_STRUCTURES: dict[str, tuple[IbanPart, ...]] = {
    country: structure
    for country in sorted(ISO_3166_ALPHA2 | BIC_EXTRA_COUNTRIES)
    if (structure := _registry_structure(country)) is not None
}
"""The countries of the SWIFT IBAN registry and the structure of their national part, as the
python-stdnum package ships the registry (kept current by its releases, not by this project)."""

IBAN_LENGTHS: dict[str, int] = {
    country: 4 + sum(length for length, _ in structure)
    for country, structure in IBAN_STRUCTURES.items()
}
"""Total IBAN length per country of the registry."""
