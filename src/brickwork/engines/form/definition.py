"""Form definitions: frozen pydantic models of fields (a union discriminated on `type`) and forms.

A definition is parsed once, at the edge, with `FormDefinition.model_validate`; nothing past that
point sees a raw dict. Conditions (`visible_when`, `required_when`, `readonly_when`, `where`,
computed `expression`, form validations) are kept as expression *source text*: this module must
not parse or evaluate them (the expression engine does, in its own step). Checks that need more
than one field, or that report stable codes, live in `design.py`: model validators here must
not grow into a second checker. The blocks every field shares (keys, labels, `FieldBase`) are in
`elements.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from brickwork.engines.form.elements import (
    MAX_PATTERN_LENGTH,
    CurrencyCode,
    ElementId,
    Expression,
    FieldBase,
    Frozen,
    Key,
    Label,
)
from brickwork.engines.form.money import Rounding
from brickwork.engines.identifiers.resident_id import ResidentIdType

# ---------------------------------------------------------------- text


class TextField(FieldBase):
    type: Literal["text"]
    min_length: int | None = Field(default=None, ge=0, le=10_000)
    max_length: int = Field(default=255, ge=1, le=10_000, description="In characters.")
    pattern: str | None = Field(
        default=None,
        max_length=MAX_PATTERN_LENGTH,
        description="Python regular expression the whole value must match.",
    )


class TextareaField(FieldBase):
    type: Literal["textarea"]
    min_length: int | None = Field(default=None, ge=0, le=1_000_000)
    max_length: int = Field(default=10_000, ge=1, le=1_000_000, description="In characters.")


class RichTextField(FieldBase):
    type: Literal["rich_text"]
    max_length: int = Field(
        default=100_000, ge=1, le=1_000_000, description="Characters of sanitised HTML."
    )


# ---------------------------------------------------------------- numbers


class IntegerField(FieldBase):
    type: Literal["integer"]
    minimum: int | None = None
    maximum: int | None = None


class DecimalField(FieldBase):
    type: Literal["decimal"]
    precision: int = Field(default=18, ge=1, le=38, description="Total significant digits.")
    scale: int = Field(default=2, ge=0, le=18, description="Digits after the decimal point.")
    rounding: Rounding = Field(
        default="refuse", description="More decimals than `scale`: refuse, or round half-up."
    )
    minimum: Decimal | None = None
    maximum: Decimal | None = None


class MoneyField(FieldBase):
    type: Literal["money"]
    currency: CurrencyCode | None = Field(
        default=None, description="Fixed currency; when omitted each value names its currency."
    )
    currencies: tuple[CurrencyCode, ...] = Field(
        default=(), description="Allowed currencies when `currency` is omitted (empty: any)."
    )
    precision: int = Field(default=20, ge=1, le=38, description="Total significant digits.")
    rounding: Rounding = Field(
        default="refuse",
        description="More decimals than the currency allows: refuse (money_scale) or round.",
    )
    minimum: Decimal | None = None
    maximum: Decimal | None = None


class PercentField(FieldBase):
    """A ratio: 0.125 is shown as 12.5 %. Input "12.5%" (with the sign) means the same."""

    type: Literal["percent"]
    precision: int = Field(default=18, ge=1, le=38)
    scale: int = Field(
        default=2, ge=0, le=16, description="Decimals of the percentage (2: 12.34 %)."
    )
    rounding: Rounding = "refuse"
    minimum: Decimal | None = Field(default=None, description="As a ratio (1 = 100 %).")
    maximum: Decimal | None = Field(default=None, description="As a ratio (1 = 100 %).")


# ---------------------------------------------------------------- logic and time


class BooleanField(FieldBase):
    type: Literal["boolean"]


class DateField(FieldBase):
    type: Literal["date"]
    minimum: date | None = None
    maximum: date | None = None


class DatetimeField(FieldBase):
    """An instant; input must carry a UTC offset and is stored in UTC."""

    type: Literal["datetime"]
    minimum: AwareDatetime | None = None
    maximum: AwareDatetime | None = None


class TimeField(FieldBase):
    """A wall-clock time of day without a zone (e.g. a branch's opening hour)."""

    type: Literal["time"]
    minimum: time | None = None
    maximum: time | None = None


# ---------------------------------------------------------------- choices


OptionValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Option(Frozen):
    value: OptionValue = Field(description="Stored value.")
    label: Label | None = Field(default=None, description="Shown text; the value when omitted.")


class OptionSource(Frozen):
    """Options read from records of another form (checked by the platform)."""

    form: Key
    value_field: Key
    label_field: Key | None = None


class _Choice(FieldBase):
    options: tuple[Option | OptionValue, ...] = Field(
        default=(), description="Static options: values or {value, label}."
    )
    options_from: OptionSource | None = None

    @model_validator(mode="after")
    def _one_source(self) -> _Choice:
        if bool(self.options) == (self.options_from is not None):
            raise ValueError("give either static options or options_from")
        return self

    def option_values(self) -> tuple[str, ...]:
        return tuple(o if isinstance(o, str) else o.value for o in self.options)


class SingleSelectField(_Choice):
    type: Literal["single_select"]


class MultiSelectField(_Choice):
    type: Literal["multi_select"]
    min_items: int | None = Field(default=None, ge=0)
    max_items: int | None = Field(default=None, ge=1)


def choice_options(fields: Iterable[FieldBase]) -> dict[str, frozenset[str]]:
    """Key -> option values of the choice fields among `fields` that have static options
    (those read from another form, `options_from`, are not known here)."""
    return {
        field.key: frozenset(field.option_values())
        for field in fields
        if isinstance(field, _Choice) and field.options_from is None
    }


PEOPLE_TYPES = frozenset({"member", "department"})
"""Field types holding ids of users or departments."""


def people_fields(fields: Iterable[FieldBase]) -> frozenset[str]:
    """Keys of the member and department fields among `fields` (they hold ids)."""
    return frozenset(field.key for field in fields if field.type in PEOPLE_TYPES)


# ---------------------------------------------------------------- contact


class EmailField(FieldBase):
    type: Literal["email"]


class PhoneField(FieldBase):
    type: Literal["phone"]
    phone_kind: Literal["cn_mobile", "e164", "any"] = Field(
        default="any", description="Mainland mobile only, E.164 only, or either."
    )


class UrlField(FieldBase):
    type: Literal["url"]


# ---------------------------------------------------------------- identifiers


class ResidentIdField(FieldBase):
    type: Literal["resident_id"]
    allow_legacy: bool = Field(default=True, description="Accept and upgrade 15-digit numbers.")
    id_types: tuple[ResidentIdType, ...] = Field(
        default=(), description="Accepted kinds (mainland, permits, foreign); empty: all."
    )


class UsccField(FieldBase):
    type: Literal["uscc"]
    check_org_code: bool = Field(
        default=False, description="Also check the embedded GB 11714 organisation code."
    )


class BankCardField(FieldBase):
    type: Literal["bank_card"]


class LeiField(FieldBase):
    type: Literal["lei"]


class IbanField(FieldBase):
    type: Literal["iban"]


class SwiftBicField(FieldBase):
    type: Literal["swift_bic"]


class PassportField(FieldBase):
    type: Literal["passport"]
    mrz: Literal["optional", "required"] = Field(
        default="optional",
        description="optional: a passport number, or the machine-readable zone of the passport "
        "(TD3: line 2, or both lines), whose check digits are then checked, and the number is "
        "stored; required: only the zone, and its line 2 (44 characters) is stored.",
    )


# ---------------------------------------------------------------- references


class LookupTarget(Frozen):
    form: Key
    app: Key | None = Field(default=None, description="Another app; the same app when omitted.")


class LookupField(FieldBase):
    type: Literal["lookup"]
    target: LookupTarget
    multiple: bool = False
    max_items: int | None = Field(default=None, ge=1)
    label_template: str | None = Field(
        default=None, max_length=500, description="How a linked record is shown, e.g. {name}."
    )
    where: Expression | None = Field(
        default=None, description="Only records for which this expression is true can be picked."
    )


class MemberField(FieldBase):
    type: Literal["member"]
    multiple: bool = False
    max_items: int | None = Field(default=None, ge=1)


class DepartmentField(FieldBase):
    type: Literal["department"]
    multiple: bool = False
    max_items: int | None = Field(default=None, ge=1)


# ---------------------------------------------------------------- files


class AttachmentField(FieldBase):
    type: Literal["attachment"]
    max_files: int = Field(default=10, ge=1, le=100)
    max_size_bytes: int = Field(default=20 * 1024 * 1024, ge=1, le=2 * 1024**3)
    content_types: tuple[str, ...] = Field(
        default=(), description='Allowed media types, "image/*" style wildcards; empty: any.'
    )


class SignatureField(FieldBase):
    type: Literal["signature"]
    max_size_bytes: int = Field(default=1024 * 1024, ge=1, le=20 * 1024 * 1024)


# ---------------------------------------------------------------- generated and structured


class SerialNumberField(FieldBase):
    type: Literal["serial_number"]
    pattern: str = Field(
        default="{seq:6}",
        min_length=1,
        max_length=100,
        description="E.g. KYC-{YYYY}{MM}-{seq:5}; one counter per distinct prefix.",
    )


ComputedResult = Literal[
    "text", "integer", "decimal", "money", "percent", "boolean", "date", "datetime"
]


class ComputedField(FieldBase):
    type: Literal["computed"]
    expression: Expression
    result_type: ComputedResult = Field(description="Type of the value the expression yields.")
    scale: int | None = Field(
        default=None, ge=0, le=18, description="Decimal/percent result scale (rounded half-up)."
    )
    currency: CurrencyCode | None = Field(default=None, description="Currency of a money result.")
    options: tuple[Option, ...] = Field(
        default=(),
        description="Labels of the codes a text result yields ({value, label}): shown instead "
        "of the code, as a choice's options are.",
    )


class LocationField(FieldBase):
    """A point as latitude/longitude in degrees (WGS 84), kept to 7 decimals (about 1 cm)."""

    type: Literal["location"]


RowField = Annotated[
    TextField
    | TextareaField
    | RichTextField
    | IntegerField
    | DecimalField
    | MoneyField
    | PercentField
    | BooleanField
    | DateField
    | DatetimeField
    | TimeField
    | SingleSelectField
    | MultiSelectField
    | EmailField
    | PhoneField
    | UrlField
    | ResidentIdField
    | UsccField
    | BankCardField
    | LeiField
    | IbanField
    | SwiftBicField
    | PassportField
    | LookupField
    | MemberField
    | DepartmentField
    | AttachmentField
    | SignatureField
    | SerialNumberField
    | ComputedField
    | LocationField,
    Field(discriminator="type"),
]
"""Any field that may appear in a subtable row (everything but another subtable)."""


class SubtableField(FieldBase):
    type: Literal["subtable"]
    fields: tuple[RowField, ...] = Field(min_length=1, max_length=200)
    min_rows: int = Field(default=0, ge=0)
    max_rows: int = Field(default=500, ge=1, le=10_000)


FieldDefinition = Annotated[RowField | SubtableField, Field(discriminator="type")]
"""Any field of a form."""


class FormValidation(Frozen):
    """A cross-field rule: the record is valid only when `expression` is true (with severity
    `warning`: the record is saved, and warned about, when it is false)."""

    id: ElementId
    expression: Expression
    message: Label
    fields: tuple[Key, ...] = Field(
        default=(), description="Keys of the fields to blame; empty: the record as a whole."
    )
    severity: Literal["error", "warning"] = Field(
        default="error",
        description="`error`: a false expression refuses the save (`validation_failed`); "
        "`warning`: the record is saved and keeps the warning (`validation_warning`).",
    )


class LayoutSection(Frozen):
    """A section of the form's page: a title and its fields, laid out in `columns`."""

    id: ElementId
    label: Label | None = None
    columns: int = Field(default=2, ge=1, le=4, description="Fields side by side (1 to 4).")
    fields: tuple[Key, ...] = Field(min_length=1, max_length=500)


class RelationGraph(Frozen):
    """The relations graph drawn on a record's page: the records of `relations` (a form of the
    same app) link records of this form, `from_field` to `to_field`, each naming a record by
    its `key`; the graph walks `depth` relations out from the record, as the viewer may read
    them."""

    relations: Key = Field(description="The form of this app whose records are the relations.")
    key: Key = Field(
        description="The field of this form by whose value relations name a record "
        "(e.g. a party number)."
    )
    from_field: Key = Field(description="The relation's field naming where it starts (owner).")
    to_field: Key = Field(description="The relation's field naming where it ends (owned).")
    kind_field: Key | None = Field(
        default=None, description="The relation's field shown on its edge (e.g. its type)."
    )
    share_field: Key | None = Field(
        default=None,
        description="The relation's number in per cent (an ownership share): shown on its edge, "
        "and multiplied along chains into each node's effective share of the record.",
    )
    label: Key | None = Field(
        default=None, description="The field of this form that names a node; default `key`."
    )
    highlight: Expression | None = Field(
        default=None,
        description="Nodes for which this is true are highlighted; it reads the node's fields "
        "and `share`, the node's effective share of the record in per cent (null if none).",
    )
    depth: int = Field(default=2, ge=1, le=4, description="Relations walked out from the record.")
    max_nodes: int = Field(default=40, ge=2, le=200, description="Nodes drawn at most.")


class FormDefinition(Frozen):
    """The `spec` of a definition of kind `form`."""

    fields: tuple[FieldDefinition, ...] = Field(min_length=1, max_length=500)
    validations: tuple[FormValidation, ...] = Field(default=(), max_length=200)
    layout: tuple[LayoutSection, ...] = Field(
        default=(),
        max_length=50,
        description="The page's sections in order, each naming its fields by key (each field "
        "in one section at most); fields no section names follow in a section of their own. "
        "Empty: one section with every field.",
    )
    graph: RelationGraph | None = Field(
        default=None, description="The relations graph drawn on a record's page."
    )
