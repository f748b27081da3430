"""Compile a flow definition: schema, graph validation, FEEL, and the indexes `step` reads.

Everything `step` needs is computed here once: nodes by id, outgoing edges in the order a split
tries them, incoming edge ids of joins, the nodes reachable from every node (inclusive joins and
returns), and every expression compiled against the bound form's field types.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, NamedTuple

from pydantic import ValidationError

from brickwork.engines.bilingual import Words
from brickwork.engines.expr import (
    CompiledExpression,
    ExpressionError,
    Scope,
    compile_expression,
    parse,
    to_sql_ir,
)
from brickwork.engines.expr import datatypes as t
from brickwork.engines.expr.choices import foreign_options, literal_results, names_compared, shown
from brickwork.engines.expr.diagnostics import Diagnostic, Span
from brickwork.engines.expr.syntax import read_beyond_null_tests
from brickwork.engines.expr.words import zh_type
from brickwork.engines.flow.definition import (
    ActionNode,
    Assignee,
    DepartmentHeadAssignee,
    Edge,
    ExpressionAssignee,
    FieldAssignee,
    FlowSpec,
    Node,
    RoleAssignee,
    Settings,
    Sla,
    TimerNode,
    Vote,
)
from brickwork.engines.flow.design_messages import FIELD_KINDS, design_problem
from brickwork.engines.flow.effects import NodeEntered, NodeLeft
from brickwork.engines.flow.environment import FlowEnvironment
from brickwork.engines.flow.problems import FlowDefinitionError, FlowProblem
from brickwork.engines.flow.refusals import words_of
from brickwork.engines.flow.validation import validate
from brickwork.engines.rules.calendar import BusinessCalendar
from brickwork.engines.rules.compiler import CompiledModel
from brickwork.engines.rules.rule_definition import (
    CallDecision,
    CreateRecord,
    SetFields,
    UpdateRecords,
)

_TEXT_TYPES = (
    "text textarea rich_text single_select email phone url resident_id uscc bank_card lei iban "
    "swift_bic passport serial_number lookup member department"
)
PEOPLE = frozenset({"member", "department"})
"""Field types holding ids of users or departments (a flow reads them by name, a filter the
database runs by id)."""
FIELD_TYPES: dict[str, t.ExprType] = {
    **dict.fromkeys(_TEXT_TYPES.split(), t.STRING),
    **dict.fromkeys(("integer", "decimal", "money", "percent"), t.NUMBER),
    "boolean": t.BOOLEAN,
    "date": t.DATE,
    "datetime": t.DATETIME,
    "time": t.TIME,
    "multi_select": t.list_of(t.STRING),
}
"""Expression type per field type (anything else, e.g. a subtable, is seen as `any`)."""
_SYSTEM_FILLED = frozenset({"computed", "serial_number"})
"""Field types the form or the platform fills in: no action may set them."""
_DISCRIMINATORS = frozenset(
    {
        *("start", "end", "approval", "task", "cc", "exclusive", "parallel", "inclusive"),
        *("action", "timer", "subflow", "user", "role", "department_head", "manager", "field"),
        *("expression", "initiator", "set_fields", "call_decision", "create_record"),
        "update_records",
    }
)
_ALIASES = {"from_": "from", "except_": "except"}


class VoteRule(NamedTuple):
    """A vote's rules as its decisions read them: ratios as exact fractions (numerator,
    denominator), the comparison as `strict` (`>`)."""

    pass_ratio: tuple[int, int]
    strict: bool
    abstain: str
    early_decision: bool
    quorum: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class NodePlan:
    """What entering and leaving one node reads, gathered at compile time: a step enters and
    leaves several nodes, and one lookup of the plan replaces a lookup per table."""

    node: Node
    kind: str
    """The node's type."""
    entered: NodeEntered
    """Its `NodeEntered` effect (effects are immutable: one per node serves every step)."""
    left_approved: NodeLeft
    left_rejected: NodeLeft
    on_approved: tuple[Edge, ...]
    """The outgoing edges taken on `approved` (no `on`, or `on: approved`), in priority order."""
    on_rejected: tuple[Edge, ...]
    """The outgoing edges with `on: rejected`, in priority order."""
    follow: Edge | None
    """The edge taken on `approved` without choosing: the only one, with no condition."""
    assignees_pointer: str
    """The JSON pointer of its assignees."""
    mode: str | None
    """An approval's or fill-in task's mode (None for other nodes)."""
    vote: VoteRule | None
    """A vote's rules, the defaults when the node gives none (None unless `mode` is vote)."""
    sla: Sla | None
    maker_checker: bool
    """An approval under maker-checker: its tasks never go to the initiator."""
    dedupe: str
    """The approver de-duplication that applies here (`none` for a node it excepts)."""


@dataclass(frozen=True, slots=True)
class CompiledFlow:
    spec: FlowSpec
    env: FlowEnvironment
    nodes: Mapping[str, Node]
    index: Mapping[str, int]
    """Node id -> its position in `spec.nodes` (for pointers)."""
    start: str
    outgoing: Mapping[str, tuple[Edge, ...]]
    """Per node, its outgoing edges by priority (lowest first), then definition order."""
    incoming: Mapping[str, tuple[str, ...]]
    """Per node, the ids of its incoming edges."""
    sources: Mapping[str, str]
    """Edge id -> the node it leaves."""
    reach: Mapping[str, frozenset[str]]
    """Per node, every node reachable from it by one or more edges."""
    conditions: Mapping[str, CompiledExpression]
    """Edge id -> its compiled condition."""
    expressions: Mapping[str, CompiledExpression]
    """JSON pointer -> compiled expression (assignees, timers, actions)."""
    calendar: BusinessCalendar | None
    inclusive_joins: tuple[str, ...]
    joins: frozenset[str]
    """Parallel and inclusive gateways with several incoming edges."""
    plans: Mapping[str, NodePlan]
    """Node id -> its plan: what entering and leaving it reads."""
    people: Mapping[str, str]
    """The bound form's member and department fields: key -> `member` or `department` (the
    record holds ids; the flow reads usernames and department keys, `assignees.named`)."""

    def pointer(self, node: str) -> str:
        return f"/nodes/{self.index[node]}"


def compile_flow(spec: FlowSpec | Mapping[str, Any], env: FlowEnvironment) -> CompiledFlow:
    """Compile a flow's `spec`; raises `FlowDefinitionError` listing every problem."""
    if isinstance(spec, FlowSpec):
        model = spec
    else:
        try:
            model = FlowSpec.model_validate(spec)
        except ValidationError as exc:
            raise FlowDefinitionError(schema_problems(exc)) from None
    problems = validate(model, env)
    if problems:
        raise FlowDefinitionError(problems)
    compiler = _Compiler(model, env)
    compiled = compiler.run()
    if compiler.problems:
        raise FlowDefinitionError(compiler.problems)
    return compiled


def currency_problems(flow: CompiledFlow) -> list[FlowProblem]:
    """The expressions of `flow` that read an amount of the bound form whose currency is chosen
    per record (`env.varying_money`) for more than a null test: `amount > 1000000` would route
    1,000,000 yen like 1,000,000 dollars. Checked when a flow is published and when its form
    changes; a version already running is not refused here."""
    varying = flow.env.varying_money
    return [
        design_problem(pointer, "E_FLOW_MONEY_CURRENCY", "money_currency", field=key)
        for pointer, compiled in flow.expressions.items()
        for key in read_beyond_null_tests(compiled.tree, varying)
    ]


def schema_problems(exc: ValidationError) -> list[FlowProblem]:
    """The problems (`E_FLOW_SCHEMA`) of a pydantic validation error, one per error, each
    with its JSON pointer (discriminator tags left out, `from_` spelled `from`)."""
    problems = []
    for error in exc.errors():
        parts: list[str] = []
        previous: object = None
        for part in error["loc"]:
            if isinstance(part, str) and part in _DISCRIMINATORS and isinstance(previous, int):
                continue
            parts.append(_ALIASES.get(str(part), str(part)))
            previous = part
        pointer = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)
        problems.append(design_problem(pointer, "E_FLOW_SCHEMA", "schema", detail=error["msg"]))
    return problems


class _Compiler:
    def __init__(self, spec: FlowSpec, env: FlowEnvironment) -> None:
        self.spec = spec
        self.env = env
        self.problems: list[FlowProblem] = []
        self.expressions: dict[str, CompiledExpression] = {}
        names = dict(self.typed(spec.form, env.fields))
        names.setdefault("initiator", t.STRING)
        self.names = names

    def run(self) -> CompiledFlow:
        spec = self.spec
        nodes = {node.id: node for node in spec.nodes}
        index = {node.id: i for i, node in enumerate(spec.nodes)}
        order = {edge.id: i for i, edge in enumerate(spec.edges)}
        outgoing: dict[str, list[Edge]] = {node.id: [] for node in spec.nodes}
        incoming: dict[str, list[str]] = {node.id: [] for node in spec.nodes}
        for edge in spec.edges:
            outgoing[edge.from_].append(edge)
            incoming[edge.to].append(edge.id)
        conditions: dict[str, CompiledExpression] = {}
        for position, edge in enumerate(spec.edges):
            if edge.condition is not None:
                compiled = self.expression(
                    edge.condition, f"/edges/{position}/condition", self.names, boolean=True
                )
                if compiled is not None:
                    conditions[edge.id] = compiled
        for position, node in enumerate(spec.nodes):
            self.node(node, f"/nodes/{position}")
        calendar = self.calendar()
        start = next(node.id for node in spec.nodes if node.type == "start")
        successors = {key: tuple(e.to for e in edges) for key, edges in outgoing.items()}
        ordered = {
            key: tuple(sorted(edges, key=lambda e: (e.priority, order[e.id])))
            for key, edges in outgoing.items()
        }
        plans = {
            key: _plan(node, index[key], ordered[key], spec.settings) for key, node in nodes.items()
        }
        return CompiledFlow(
            spec=spec,
            env=self.env,
            nodes=nodes,
            index=index,
            start=start,
            outgoing=ordered,
            incoming={key: tuple(ids) for key, ids in incoming.items()},
            sources={edge.id: edge.from_ for edge in spec.edges},
            plans=plans,
            people={key: kind for key, kind in self.env.fields.items() if kind in PEOPLE},
            reach=Reach(successors),
            conditions=conditions,
            expressions=self.expressions,
            calendar=calendar,
            inclusive_joins=tuple(
                n.id for n in spec.nodes if n.type == "inclusive" and len(incoming[n.id]) > 1
            ),
            joins=frozenset(
                n.id
                for n in spec.nodes
                if n.type in ("parallel", "inclusive") and len(incoming[n.id]) > 1
            ),
        )

    def problem(self, pointer: str, code: str, key: str, /, **params: object) -> None:
        self.problems.append(design_problem(pointer, code, key, **params))

    def calendar(self) -> BusinessCalendar | None:
        key = self.spec.settings.calendar
        if key is None:
            return None
        found = self.env.calendars.get(key)
        if found is None:
            self.problem(
                "/settings/calendar", "E_FLOW_UNKNOWN_CALENDAR", "unknown_calendar", calendar=key
            )
        return found

    def expression(
        self,
        text: str,
        pointer: str,
        names: Mapping[str, t.ExprType],
        *,
        boolean: bool = False,
    ) -> CompiledExpression | None:
        try:
            compiled = compile_expression(text, Scope(fields=dict(names)))
        except ExpressionError as exc:
            for diagnostic in exc.diagnostics:
                self.problems.append(_from_diagnostic(diagnostic, pointer))
            return None
        if names is self.names:
            choices = self.env.options.get(self.spec.form, {})
            for foreign in foreign_options(compiled.tree, choices):
                self.not_an_option(pointer, foreign.field, foreign.value, choices, foreign.span)
        kind = compiled.result_type
        if boolean and t.is_known(kind) and kind.kind != t.BOOLEAN.kind:
            self.problem(pointer, "E_FLOW_CONDITION", "condition_type", type=_said(kind))
        self.expressions[pointer] = compiled
        return compiled

    def node(self, node: Node, pointer: str) -> None:
        assignees: Iterable[tuple[str, Assignee]] = ()
        if node.type in ("approval", "task", "cc"):
            assignees = ((f"{pointer}/assignees/{i}", a) for i, a in enumerate(node.assignees))
        for where, assignee in assignees:
            self.assignee(assignee, where)
        sla = getattr(node, "sla", None)
        if sla is not None:
            for i, assignee in enumerate(sla.escalate_to):
                self.assignee(assignee, f"{pointer}/sla/escalate_to/{i}")
        if isinstance(node, TimerNode) and node.until is not None:
            until = self.expression(node.until, f"{pointer}/until", self.names)
            found = until.result_type if until is not None else t.ANY
            if t.is_known(found) and found.kind not in (t.DATE.kind, t.DATETIME.kind):
                self.problem(
                    f"{pointer}/until", "E_FLOW_EXPRESSION_TYPE", "until_type", found=_said(found)
                )
        if isinstance(node, ActionNode):
            for i, action in enumerate(node.actions):
                self.action(action, f"{pointer}/actions/{i}")

    def assignee(self, assignee: Assignee, pointer: str) -> None:
        if isinstance(assignee, ExpressionAssignee):
            here = f"{pointer}/expression"
            given = self.expression(assignee.expression, here, self.names)
            found = given.result_type if given is not None else t.ANY
            if not t.compatible(found, t.STRING) and not t.compatible(found, _NAMES):
                self.problem(here, "E_FLOW_EXPRESSION_TYPE", "assignee_type", found=_said(found))
            return
        field = None
        if isinstance(assignee, FieldAssignee):
            field, where, wanted = assignee.field, f"{pointer}/field", "member"
        elif isinstance(assignee, RoleAssignee) and assignee.department_field is not None:
            field, where = assignee.department_field, f"{pointer}/department_field"
            wanted = "department"
        elif isinstance(assignee, DepartmentHeadAssignee) and assignee.of_field is not None:
            field, where, wanted = assignee.of_field, f"{pointer}/of_field", "department"
        if field is None:
            return
        kind = self.env.fields.get(field)
        if kind is None:
            self.problem(
                where,
                "E_FLOW_UNKNOWN_FIELD",
                "unknown_assignee_field",
                field=field,
                wanted=words_of(FIELD_KINDS, wanted),
            )
        elif kind != wanted:
            self.problem(
                where,
                "E_FLOW_FIELD_TYPE",
                "assignee_field_type",
                field=field,
                kind=kind,
                wanted=words_of(FIELD_KINDS, wanted),
            )

    def action(
        self, action: SetFields | CallDecision | CreateRecord | UpdateRecords, pointer: str
    ) -> None:
        if isinstance(action, CallDecision):
            self.decision_call(action, pointer)
            return
        if isinstance(action, SetFields):
            target: Mapping[str, str] | None = self.env.fields
        else:
            target = self.env.forms.get(action.form)
            if target is None:
                self.problem(
                    f"{pointer}/form", "E_FLOW_UNKNOWN_FORM", "unknown_form", form=action.form
                )
        for key, text in action.values.items():
            here = f"{pointer}/values/{_token(key)}"
            if target is not None and key not in target:
                self.problem(here, "E_FLOW_UNKNOWN_FIELD", "unknown_set_field", field=key)
            if target is not None and target.get(key) in _SYSTEM_FILLED:
                self.problem(here, "E_FLOW_FIELD_NOT_WRITABLE", "field_not_writable", field=key)
            compiled = self.expression(text, here, self.names)
            if compiled is not None and target is not None and key in target:
                form = self.spec.form if isinstance(action, SetFields) else action.form
                if not self.value_type(compiled.result_type, key, form, here):
                    continue
                choices = self.env.options.get(form, {})
                for literal in literal_results(compiled.tree) if key in choices else ():
                    if literal.value not in choices[key]:
                        self.not_an_option(here, key, literal.value, choices, literal.span)
        if isinstance(action, UpdateRecords) and target is not None:
            self.pushable(action.where, f"{pointer}/where", target, action.form)

    def not_an_option(
        self,
        pointer: str,
        field: str,
        value: str,
        choices: Mapping[str, frozenset[str]],
        span: Span,
    ) -> None:
        """Text a choice field never holds: a comparison with it never matches, a value set to
        it is refused when the action runs."""
        found = design_problem(
            pointer,
            "E_FLOW_NOT_AN_OPTION",
            "not_an_option",
            value=value,
            field=field,
            options=shown(choices[field]),
        )
        self.problems.append(replace(found, line=span.line, column=span.column))

    def typed(self, form: str, fields: Mapping[str, str]) -> dict[str, t.ExprType]:
        """The type an expression sees for each of `fields` of `form`: a member, department or
        lookup field is an id, or a list of ids when it takes several."""
        several = self.env.several.get(form, frozenset())
        return {
            key: t.list_of(t.STRING) if key in several else FIELD_TYPES.get(kind, t.ANY)
            for key, kind in fields.items()
        }

    def value_type(self, found: t.ExprType, key: str, form: str, pointer: str) -> bool:
        """A value an action sets must be of a type its field takes: the records layer would
        refuse it at run time, stopping whoever's command reached the action. Whether it is."""
        fields = self.env.fields if form == self.spec.form else self.env.forms.get(form, {})
        wanted = self.typed(form, {key: fields[key]})[key] if key in fields else t.ANY
        if t.compatible(found, wanted):
            return True
        self.problem(
            pointer,
            "E_FLOW_VALUE_TYPE",
            "value_type",
            field=key,
            wanted=_said(wanted),
            found=_said(found),
        )
        return False

    def pushable(self, where: str, pointer: str, target: Mapping[str, str], form: str) -> None:
        """An `update_records` filter runs in the database, over `it` (a record of the target
        `form`) and `record` (the flow's record); text it compares a choice with is one of the
        choice's options."""
        scope = Scope(
            fields={
                "it": t.context_of(self.typed(form, target)),
                "record": t.context_of(self.typed(self.spec.form, self.env.fields)),
            }
        )
        try:
            to_sql_ir(where, scope, predicate=True)
        except ExpressionError as exc:
            for diagnostic in exc.diagnostics:
                self.problems.append(_from_diagnostic(diagnostic, pointer))
            return
        choices = {
            **{f"it.{k}": v for k, v in self.env.options.get(form, {}).items()},
            **{f"record.{k}": v for k, v in self.env.options.get(self.spec.form, {}).items()},
        }
        tree = parse(where)
        for foreign in foreign_options(tree, choices):
            self.not_an_option(pointer, foreign.field, foreign.value, choices, foreign.span)
        people = {f"it.{k}" for k, kind in target.items() if kind in PEOPLE}
        people.update(f"record.{k}" for k, kind in self.env.fields.items() if kind in PEOPLE)
        for named in names_compared(tree, people):
            found = design_problem(
                pointer,
                "E_FLOW_PEOPLE_BY_NAME",
                "people_by_name",
                value=named.value,
                field=named.field,
            )
            self.problems.append(replace(found, line=named.span.line, column=named.span.column))

    def decision_call(self, action: CallDecision, pointer: str) -> None:
        model = self.env.decisions.get(action.model)
        if model is None:
            self.problem(
                f"{pointer}/model",
                "E_FLOW_UNKNOWN_DECISION",
                "unknown_decision_model",
                model=action.model,
            )
        given: dict[str, t.ExprType] = {}
        for name, text in action.inputs.items():
            compiled = self.expression(text, f"{pointer}/inputs/{_token(name)}", self.names)
            if compiled is not None:
                given[name] = compiled.result_type
        if isinstance(model, CompiledModel):
            for below, kind, said in model.call_gaps(action.decision, action.inputs, given):
                where = f"{pointer}{below}"
                detail = Words(said.zh_cn, said.en)
                if kind == "decision":
                    self.problem(
                        where, "E_FLOW_UNKNOWN_DECISION", "model_lacks_decision", detail=detail
                    )
                elif kind == "input_type":
                    self.problem(where, "E_FLOW_VALUE_TYPE", "model_input_type", detail=detail)
                else:
                    self.problem(where, "E_FLOW_UNKNOWN_INPUT", "model_lacks_input", detail=detail)
        result = model.result_type(action.decision) if isinstance(model, CompiledModel) else t.ANY
        for key, text in action.outputs.items():
            here = f"{pointer}/outputs/{_token(key)}"
            if key not in self.env.fields:
                self.problem(here, "E_FLOW_UNKNOWN_FIELD", "unknown_output_field", field=key)
            output = self.expression(text, here, {"result": result})
            if output is not None and key in self.env.fields:
                self.value_type(output.result_type, key, self.spec.form, here)


def _plan(node: Node, position: int, outgoing: tuple[Edge, ...], settings: Settings) -> NodePlan:
    on_approved = tuple(e for e in outgoing if e.on != "rejected")
    mode: str | None = getattr(node, "mode", None)
    vote: VoteRule | None = None
    if mode == "vote":
        rules: Vote = getattr(node, "vote", None) or Vote()
        vote = VoteRule(
            _ratio(rules.pass_ratio),
            rules.comparison == ">",
            rules.abstain,
            rules.early_decision,
            None if rules.quorum is None else _ratio(rules.quorum),
        )
    single = len(on_approved) == 1 and on_approved[0].condition is None
    dedupe = settings.dedupe_approvers
    return NodePlan(
        node=node,
        kind=node.type,
        entered=NodeEntered(node.id),
        left_approved=NodeLeft(node.id, "approved"),
        left_rejected=NodeLeft(node.id, "rejected"),
        on_approved=on_approved,
        on_rejected=tuple(e for e in outgoing if e.on == "rejected"),
        follow=on_approved[0] if single else None,
        assignees_pointer=f"/nodes/{position}/assignees",
        mode=mode,
        vote=vote,
        sla=getattr(node, "sla", None),
        maker_checker=node.type == "approval" and settings.maker_checker,
        dedupe="none" if node.id in dedupe.except_ else dedupe.mode,
    )


def _ratio(text: str) -> tuple[int, int]:
    """A ratio (`0.6` or `2/3`) as an exact fraction (numerator, denominator)."""
    if "/" in text:
        numerator, denominator = text.split("/")
        return int(numerator), int(denominator)
    ratio = Decimal(text).as_integer_ratio()
    return ratio[0], ratio[1]


_NAMES = t.list_of(t.STRING)


def _said(found: t.ExprType) -> Words:
    """A type as a problem names it, in each language."""
    return Words(zh_type(found), str(found))


def _from_diagnostic(diagnostic: Diagnostic, pointer: str) -> FlowProblem:
    """An expression's diagnostic as a problem: a lead-in before its message, its own hint, each
    in both languages."""
    detail = diagnostic.words()
    problem = design_problem(
        pointer, "E_FLOW_EXPRESSION", "expression", code=diagnostic.code, detail=detail
    )
    return replace(
        problem,
        hint=diagnostic.hint,
        hint_zh_cn=diagnostic.hint_zh_cn or diagnostic.hint,
        line=diagnostic.line,
        column=diagnostic.column,
    )


def _token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class Reach(Mapping[str, frozenset[str]]):
    """Per node, the nodes reachable from it, worked out the first time a node is asked for:
    the full table grows with the square of the nodes (a second on 3,000), while a run asks
    for a few (inclusive joins, returns, views)."""

    __slots__ = ("_found", "_successors")

    def __init__(self, successors: Mapping[str, tuple[str, ...]]) -> None:
        self._successors = successors
        self._found: dict[str, frozenset[str]] = {}

    def __getitem__(self, node: str) -> frozenset[str]:
        found = self._found.get(node)
        if found is None:
            if node not in self._successors:
                raise KeyError(node)
            found = self._found[node] = _reachable(node, self._successors)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._successors)

    def __len__(self) -> int:
        return len(self._successors)


def _reachable(start: str, successors: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    seen: set[str] = set()
    stack = list(successors[start])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(successors[node])
    return frozenset(seen)
