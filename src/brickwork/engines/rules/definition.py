"""Decision models: frozen pydantic models of the JSON form of a DMN 1.5 `<definitions>`.

A decision model (definition kind `decision_table`) holds item definitions, input data,
decisions, business knowledge models (BKMs) and the boxed expressions that are their logic. The
DMN XML importer maps XML to exactly these models and the exporter maps them back, so every
field here has a DMN counterpart. Expression text (FEEL expressions, unary tests, type
references) is kept as *source text*: this module must not parse or evaluate it, and must not
check anything that needs more than one element (unknown names, cycles, duplicate ids): the
compiler (`compiler.py`) does that, with stable codes and JSON pointers.

Python keywords used as JSON keys (`if`, `else`, `in`, `return`) are aliases: read and write
these models with `by_alias=True` (`model_dump(by_alias=True)`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$"
MAX_TEXT_LENGTH = 10_000

ElementId = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN),
    Field(description="Stable id of the element, unique in the model; names may change."),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    Field(description="A FEEL name; may contain spaces (`Monthly Income`)."),
]
FeelText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_TEXT_LENGTH),
    Field(description="A FEEL expression (source text, compiled by the rules engine)."),
]
UnaryTestsText = Annotated[
    str,
    StringConstraints(max_length=MAX_TEXT_LENGTH),
    Field(description='FEEL unary tests, e.g. `< 18`, `"A", "B"`, `-` (empty text is `-`).'),
]
TypeRef = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500),
    Field(
        description="A FEEL type (`number`, `list<string>`, `context<a: number>`) or the name "
        "of an item definition."
    ),
]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_LENGTH)]

HitPolicy = Literal["U", "A", "P", "F", "R", "O", "C", "C+", "C<", "C>", "C#"]
HIT_POLICIES: tuple[HitPolicy, ...] = ("U", "A", "P", "F", "R", "O", "C", "C+", "C<", "C>", "C#")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class LocalisedText(Frozen):
    """A label in Simplified Chinese and/or English."""

    zh_cn: str | None = Field(default=None, alias="zh-CN", description="Simplified Chinese")
    en: str | None = Field(default=None, description="English")


Label = Annotated[
    str | LocalisedText, Field(description='A plain string or {"zh-CN": ..., "en": ...}.')
]


# ---------------------------------------------------------------- types and inputs


class ItemDefinition(Frozen):
    """A named type: a FEEL type or another item definition (`type_ref`), or a structure of
    `components`; `is_collection` makes it a list of that; `allowed_values` restricts values."""

    id: ElementId
    name: Name
    type_ref: TypeRef | None = None
    components: tuple[ItemDefinition, ...] | None = None
    is_collection: bool = Field(default=False, description="A list of values of this type.")
    allowed_values: UnaryTestsText | None = Field(
        default=None, description='Unary tests every (element) value must pass: `"A", "B"`.'
    )


class InputData(Frozen):
    """A value the caller supplies (DMN `inputData`)."""

    id: ElementId
    name: Name
    type_ref: TypeRef | None = None


# ---------------------------------------------------------------- boxed expressions


class BoxedBase(Frozen):
    id: ElementId | None = None


class LiteralExpression(BoxedBase):
    type: Literal["literal"]
    text: FeelText
    type_ref: TypeRef | None = None


class TableInput(Frozen):
    """An input column: the FEEL expression whose value the column's cells test."""

    id: ElementId
    label: Label | None = None
    expression: FeelText
    type_ref: TypeRef | None = None
    input_values: UnaryTestsText | None = Field(
        default=None, description="Unary tests the input value must pass (else: null result)."
    )


class TableOutput(Frozen):
    """An output column. `output_values` lists the allowed values, in priority order (P, O)."""

    id: ElementId
    name: Name
    label: Label | None = None
    type_ref: TypeRef | None = None
    output_values: UnaryTestsText | None = Field(
        default=None, description="Allowed output values, in priority order (hit policies P, O)."
    )
    default: FeelText | None = Field(
        default=None, description="The output's value when no rule matches."
    )


class Rule(Frozen):
    """One row: a unary-tests cell per input (`when`), an expression per output (`then`)."""

    id: ElementId
    when: tuple[UnaryTestsText, ...] = Field(description="One unary-tests cell per input.")
    then: tuple[FeelText, ...] = Field(description="One FEEL expression per output.")
    annotations: tuple[Text, ...] = Field(default=(), description="One text per annotation column.")


class DecisionTable(BoxedBase):
    type: Literal["decision_table"]
    hit_policy: HitPolicy = Field(
        default="U", description="DMN hit policy (U, A, P, F, R, O, C, C+, C<, C>, C#)."
    )
    inputs: tuple[TableInput, ...] = ()
    outputs: tuple[TableOutput, ...] = Field(min_length=1)
    annotations: tuple[Text, ...] = ()
    rules: tuple[Rule, ...] = ()


class ContextEntry(Frozen):
    """A context entry; the last entry may have no name: it is then the context's result."""

    name: Name | None = None
    value: Boxed


class BoxedContext(BoxedBase):
    type: Literal["context"]
    entries: tuple[ContextEntry, ...] = ()


class BoxedList(BoxedBase):
    type: Literal["list"]
    items: tuple[Boxed, ...] = ()


class Relation(BoxedBase):
    """A list of contexts with the same keys (`columns`), one per row."""

    type: Literal["relation"]
    columns: tuple[Name, ...]
    rows: tuple[tuple[Boxed, ...], ...] = ()


class Binding(Frozen):
    name: Name
    value: Boxed


class Invocation(BoxedBase):
    """A call of a business knowledge model (or a function in scope) with named arguments."""

    type: Literal["invocation"]
    function: Name
    bindings: tuple[Binding, ...] = ()


class Conditional(BoxedBase):
    type: Literal["conditional"]
    if_: Boxed = Field(alias="if")
    then: Boxed
    else_: Boxed = Field(alias="else")


class BoxedFilter(BoxedBase):
    type: Literal["filter"]
    in_: Boxed = Field(alias="in")
    match: Boxed


class Iterator(BoxedBase):
    """`for x in ... return ...`, `some x in ... satisfies ...`, `every x in ... satisfies ...`."""

    type: Literal["iterator"]
    kind: Literal["for", "some", "every"]
    variable: Name
    in_: Boxed = Field(alias="in")
    return_: Boxed | None = Field(default=None, alias="return")
    satisfies: Boxed | None = None


class Parameter(Frozen):
    name: Name
    type_ref: TypeRef | None = None


class FunctionDefinition(BoxedBase):
    type: Literal["function"]
    parameters: tuple[Parameter, ...] = ()
    body: Boxed


Boxed = Annotated[
    LiteralExpression
    | DecisionTable
    | BoxedContext
    | BoxedList
    | Relation
    | Invocation
    | Conditional
    | BoxedFilter
    | Iterator
    | FunctionDefinition,
    Field(discriminator="type"),
]


# ---------------------------------------------------------------- decisions and knowledge


class Requirements(Frozen):
    """What a decision requires, by name: other decisions, input data, knowledge models."""

    decisions: tuple[Name, ...] = ()
    inputs: tuple[Name, ...] = ()
    knowledge: tuple[Name, ...] = ()


class KnowledgeRequirements(Frozen):
    knowledge: tuple[Name, ...] = ()


class Decision(Frozen):
    id: ElementId
    name: Name
    type_ref: TypeRef | None = None
    requires: Requirements = Requirements()
    logic: Boxed
    description: Text | None = None


class BusinessKnowledgeModel(Frozen):
    """A function (`parameters` → `logic`) that decisions and other BKMs invoke."""

    id: ElementId
    name: Name
    parameters: tuple[Parameter, ...] = ()
    type_ref: TypeRef | None = None
    requires: KnowledgeRequirements = KnowledgeRequirements()
    logic: Boxed


class ModelTest(Frozen):
    """An example the model must answer as expected before it is published (a Brickwork
    addition: DMN XML has no place for it, so the exporter leaves it out)."""

    id: ElementId
    name: Annotated[str, StringConstraints(max_length=200)] = ""
    inputs: dict[str, Any] = Field(
        default_factory=dict, description="Input data by name, as JSON (decimals as strings)."
    )
    expected: Any = Field(
        default=None, description="The entry decision's value, as JSON (null: no result)."
    )


class DecisionModel(Frozen):
    """A DMN `<definitions>`: the `spec` of a `decision_table` definition."""

    name: Label | None = None
    namespace: Annotated[str, StringConstraints(max_length=2_000)] | None = None
    item_definitions: tuple[ItemDefinition, ...] = ()
    inputs: tuple[InputData, ...] = ()
    decisions: tuple[Decision, ...] = Field(min_length=1)
    knowledge: tuple[BusinessKnowledgeModel, ...] = ()
    entry: Name | None = Field(
        default=None,
        description="The decision evaluated by default (default: the only decision no other "
        "requires).",
    )
    tests: tuple[ModelTest, ...] = Field(
        default=(),
        description="Examples that must pass before publish: inputs and the expected value of "
        "the entry decision.",
    )


_RECURSIVE: tuple[type[BaseModel], ...] = (
    ItemDefinition,
    ContextEntry,
    BoxedList,
    Relation,
    Binding,
    Conditional,
    BoxedFilter,
    Iterator,
    FunctionDefinition,
    BoxedContext,
    Invocation,
    Decision,
    BusinessKnowledgeModel,
    DecisionModel,
)
for _model in _RECURSIVE:
    _model.model_rebuild()
