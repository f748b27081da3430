"""Identifier checks used by the finance field types: pure functions from text to a result.

Each check normalises first (NFKC, trim, upper-case; spaces removed where people write them),
then returns an `IdentifierResult` (or a subclass with derived facts) holding the normalised
value and problems with stable codes. Checks never raise on bad input, never read the clock
(`today` is a parameter) and never look anything up in external registries.
"""

from brickwork.engines.identifiers.banking import (
    BankCardResult,
    BicResult,
    IbanResult,
    check_bank_card,
    check_bic,
    check_iban,
    check_lei,
    iban_check_digits,
    iban_groups,
    lei_check_digits,
    luhn_check_digit,
    luhn_valid,
)
from brickwork.engines.identifiers.contact import (
    check_cn_mobile,
    check_e164,
    check_email,
    check_url,
)
from brickwork.engines.identifiers.mrz import (
    Td3Result,
    check_mrz_field,
    check_passport,
    check_td3_line2,
    mrz_check_digit,
)
from brickwork.engines.identifiers.organisation import (
    UsccResult,
    check_org_code,
    check_uscc,
    org_code_check_char,
    uscc_check_char,
)
from brickwork.engines.identifiers.resident_id import (
    ResidentIdResult,
    ResidentIdType,
    Sex,
    check_resident_id,
    resident_id_check_char,
    upgrade_legacy_id,
)
from brickwork.engines.identifiers.result import Fault, IdentifierResult, fault

__all__ = [
    "BankCardResult",
    "BicResult",
    "Fault",
    "IbanResult",
    "IdentifierResult",
    "ResidentIdResult",
    "ResidentIdType",
    "Sex",
    "Td3Result",
    "UsccResult",
    "check_bank_card",
    "check_bic",
    "check_cn_mobile",
    "check_e164",
    "check_email",
    "check_iban",
    "check_lei",
    "check_mrz_field",
    "check_org_code",
    "check_passport",
    "check_resident_id",
    "check_td3_line2",
    "check_url",
    "check_uscc",
    "fault",
    "iban_check_digits",
    "iban_groups",
    "lei_check_digits",
    "luhn_check_digit",
    "luhn_valid",
    "mrz_check_digit",
    "org_code_check_char",
    "resident_id_check_char",
    "upgrade_legacy_id",
    "uscc_check_char",
]
