"""Field types for finance identifiers: resident_id, uscc, bank_card, lei, iban, swift_bic and
passport.

Each entry wraps a check from `identifiers/` and stores the normalised text. Warnings (unknown
region, IBAN country outside the table) travel with the value and never refuse it. Sensitivity
follows JR/T 0171-2020: ID and card numbers and account numbers are C2; codes that identify
organisations are public (C1). Must not look up registries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from brickwork.engines.form.definition import (
    BankCardField,
    IbanField,
    LeiField,
    PassportField,
    ResidentIdField,
    SwiftBicField,
    UsccField,
)
from brickwork.engines.form.elements import FieldBase, Sensitivity
from brickwork.engines.form.fieldtypes.base import (
    CoerceContext,
    Coerced,
    DisplayContext,
    FieldType,
    JsonSchema,
    Storage,
    StorageKind,
    as_text,
    fixed,
    from_identifier,
    no_constraints,
    refuse,
)
from brickwork.engines.form.problems import Words, problem, wrong_type
from brickwork.engines.identifiers import (
    IdentifierResult,
    check_bank_card,
    check_bic,
    check_iban,
    check_lei,
    check_passport,
    check_resident_id,
    check_uscc,
    iban_groups,
)
from brickwork.engines.identifiers.mrz import PASSPORT_MAX_LENGTH, TD3_LINE_LENGTH

_from_result = from_identifier


def _schema(max_length: int) -> Callable[[Any], JsonSchema]:
    # Loose on purpose: the engine normalises (spaces, case, full-width digits) before checking.
    return lambda field: {"type": "string", "minLength": 1, "maxLength": max_length}


def coerce_resident_id(raw: object, field: ResidentIdField, context: CoerceContext) -> Coerced:
    if not isinstance(raw, str):
        return refuse(wrong_type("string"))
    result = check_resident_id(raw, today=context.today, allow_legacy=field.allow_legacy)
    if result.ok and field.id_types and result.id_type not in field.id_types:
        return refuse(problem("resident_id_type"))
    return _from_result(result)


def coerce_uscc(raw: object, field: UsccField, context: CoerceContext) -> Coerced:
    if not isinstance(raw, str):
        return refuse(wrong_type("string"))
    return _from_result(check_uscc(raw, check_org_code=field.check_org_code))


def coerce_passport(raw: object, field: PassportField, context: CoerceContext) -> Coerced:
    if not isinstance(raw, str):
        return refuse(wrong_type("string"))
    return _from_result(check_passport(raw, require_mrz=field.mrz == "required"))


def passport_storage(field: PassportField) -> Storage:
    """The passport number, or line 2 of the machine-readable zone when the zone is required."""
    length = TD3_LINE_LENGTH if field.mrz == "required" else PASSPORT_MAX_LENGTH
    return Storage(kind=StorageKind.TEXT, max_length=length)


def _simple(check: Callable[[str], IdentifierResult]) -> Callable[[object, Any, Any], Coerced]:
    def coerce(raw: object, field: FieldBase, context: CoerceContext) -> Coerced:
        return _from_result(check(raw)) if isinstance(raw, str) else refuse(wrong_type("string"))

    return coerce


def display_grouped(value: str, field: FieldBase, context: DisplayContext) -> str:
    """Groups of four, as printed on cards and bank statements."""
    return iban_groups(value)


ENTRIES = (
    FieldType[ResidentIdField](
        name="resident_id",
        summary=Words("居民身份证号", "PRC resident ID number"),
        storage=fixed(Storage(kind=StorageKind.TEXT, max_length=18)),
        coerce=coerce_resident_id,
        validate=no_constraints,
        display=as_text,
        schema=_schema(40),
        mask="resident_id",
        sensitivity=Sensitivity.C2,
    ),
    FieldType[UsccField](
        name="uscc",
        summary=Words("统一社会信用代码", "unified social credit code"),
        storage=fixed(Storage(kind=StorageKind.TEXT, max_length=18)),
        coerce=coerce_uscc,
        validate=no_constraints,
        display=as_text,
        schema=_schema(40),
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[BankCardField](
        name="bank_card",
        summary=Words("银行卡号", "payment card number"),
        storage=fixed(Storage(kind=StorageKind.TEXT, max_length=19)),
        coerce=_simple(check_bank_card),
        validate=no_constraints,
        display=display_grouped,
        schema=_schema(40),
        mask="bank_card",
        sensitivity=Sensitivity.C2,
    ),
    FieldType[LeiField](
        name="lei",
        summary=Words("法人识别编码 LEI", "legal entity identifier (LEI)"),
        storage=fixed(Storage(kind=StorageKind.TEXT, max_length=20)),
        coerce=_simple(check_lei),
        validate=no_constraints,
        display=as_text,
        schema=_schema(40),
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[IbanField](
        name="iban",
        summary=Words("国际银行账号 IBAN", "international bank account number (IBAN)"),
        storage=fixed(Storage(kind=StorageKind.TEXT, max_length=34)),
        coerce=_simple(check_iban),
        validate=no_constraints,
        display=display_grouped,
        schema=_schema(64),
        mask="account",
        sensitivity=Sensitivity.C2,
    ),
    FieldType[SwiftBicField](
        name="swift_bic",
        summary=Words("SWIFT/BIC 代码", "SWIFT/BIC code"),
        storage=fixed(Storage(kind=StorageKind.TEXT, max_length=11)),
        coerce=_simple(check_bic),
        validate=no_constraints,
        display=as_text,
        schema=_schema(20),
        mask="none",
        sensitivity=Sensitivity.C1,
    ),
    FieldType[PassportField](
        name="passport",
        summary=Words("护照号码", "passport number"),
        storage=passport_storage,
        coerce=coerce_passport,
        validate=no_constraints,
        display=as_text,
        schema=_schema(100),
        mask="passport",
        sensitivity=Sensitivity.C2,
    ),
)
