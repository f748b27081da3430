"""Compiling flow definitions: schema problems and FEEL problems with pointers."""

from __future__ import annotations

from typing import Any

import pytest
from flow_support import FIELDS, RATING, approval, chain, credit_spec, env

from brickwork.engines.flow import FlowDefinitionError, FlowEnvironment, compile_flow
from brickwork.engines.rules import compile_model


def problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env())
    return [(p.code, p.pointer) for p in refused.value.problems]


def gated() -> dict[str, Any]:
    """start -> gate (exclusive) -[e1: condition]-> a -> end, gate -[e3: default]-> end."""
    spec = chain({"id": "gate", "type": "exclusive"}, approval("a", "ua"))
    spec["edges"][1]["condition"] = "amount > 1"
    spec["edges"].append({"id": "e3", "from": "gate", "to": "end", "default": True})
    return spec


def test_the_credit_scenario_compiles() -> None:
    flow = compile_flow(credit_spec(), env())
    assert flow.start == "submit"
    assert [e.id for e in flow.outgoing["large"]] == ["e3", "e4"]
    assert "committee" in flow.reach["president"]
    assert flow.incoming["join"] == ("e7", "e8")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["nodes"][1].update(mode="majority"), ("E_FLOW_SCHEMA", "/nodes/1/mode")),
        (lambda s: s["nodes"][1].update(extra=1), ("E_FLOW_SCHEMA", "/nodes/1/extra")),
        (lambda s: s["edges"][0].update(to="ghost"), ("E_FLOW_UNKNOWN_NODE", "/edges/0/to")),
        (lambda s: s["nodes"].append(dict(s["nodes"][1])), ("E_FLOW_DUPLICATE_ID", "/nodes/3/id")),
        (lambda s: s["nodes"].append({"id": "s2", "type": "start"}), ("E_FLOW_START", "/nodes/3")),
        (
            lambda s: s["nodes"][1]["assignees"].append({"type": "field", "field": "nope"}),
            ("E_FLOW_UNKNOWN_FIELD", "/nodes/1/assignees/1/field"),
        ),
        (  # a text field names no users: its values would resolve to nobody at run time
            lambda s: s["nodes"][1]["assignees"].append({"type": "field", "field": "note"}),
            ("E_FLOW_FIELD_TYPE", "/nodes/1/assignees/1/field"),
        ),
        (
            lambda s: s["nodes"][1]["assignees"].append(
                {"type": "department_head", "of_field": "relationship_manager"}
            ),
            ("E_FLOW_FIELD_TYPE", "/nodes/1/assignees/1/of_field"),
        ),
        (
            lambda s: s["nodes"][1]["assignees"].append(
                {"type": "role", "role": "teller", "department_field": "note"}
            ),
            ("E_FLOW_FIELD_TYPE", "/nodes/1/assignees/1/department_field"),
        ),
        (
            lambda s: s["settings"].update(calendar="mars"),
            ("E_FLOW_UNKNOWN_CALENDAR", "/settings/calendar"),
        ),
    ],
)
def test_problems_point_into_the_spec(change: Any, expected: tuple[str, str]) -> None:
    spec = chain(approval("a", "ua"))
    change(spec)
    assert expected in problems(spec)


@pytest.mark.parametrize(
    ("condition", "code"),
    [("amount >", "E_FLOW_EXPRESSION"), ("amount + 1", "E_FLOW_CONDITION")],
)
def test_a_gateway_condition_is_checked(condition: str, code: str) -> None:
    spec = gated()
    spec["edges"][1]["condition"] = condition
    assert (code, "/edges/1/condition") in problems(spec)


def test_feel_problems_carry_line_and_column() -> None:
    spec = gated()
    spec["edges"][1]["condition"] = "amount > 1 and\n  unknown_field = 2"
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env())
    problem = refused.value.problems[0]
    assert (problem.code, problem.line, problem.column) == ("E_FLOW_EXPRESSION", 2, 3)


@pytest.mark.parametrize(
    ("action", "code", "pointer"),
    [
        (
            {"type": "create_record", "form": "ghost", "values": {"a": "1"}},
            "E_FLOW_UNKNOWN_FORM",
            "/nodes/1/actions/0/form",
        ),
        (
            {"type": "set_fields", "values": {"ghost": "1"}},
            "E_FLOW_UNKNOWN_FIELD",
            "/nodes/1/actions/0/values/ghost",
        ),
        (
            {"type": "call_decision", "model": "ghost", "outputs": {"note": "result"}},
            "E_FLOW_UNKNOWN_DECISION",
            "/nodes/1/actions/0/model",
        ),
    ],
)
def test_action_references_are_checked(action: dict[str, Any], code: str, pointer: str) -> None:
    spec = chain({"id": "act", "type": "action", "actions": [action]})
    assert (code, pointer) in problems(spec)


def refusal(
    action: dict[str, Any], environment: FlowEnvironment | None = None
) -> list[tuple[str, str, str, str]]:
    """(code, pointer, English, Chinese) of each problem of a flow with `action`."""
    spec = chain({"id": "act", "type": "action", "actions": [action]})
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, environment or env())
    return [(p.code, p.pointer, p.message, p.zh_cn or "") for p in refused.value.problems]


@pytest.mark.parametrize(
    ("action", "key", "english", "chinese"),
    [
        (  # the bound form's money field from text
            {"type": "set_fields", "values": {"amount": '"lots"'}},
            "amount",
            "field `amount` takes a number; this expression gives a string",
            "字段 `amount` 的值应为数字，这个表达式的结果是文本",
        ),
        (
            {"type": "set_fields", "values": {"note": "amount * 2"}},
            "note",
            "field `note` takes a string; this expression gives a number",
            "字段 `note` 的值应为文本，这个表达式的结果是数字",
        ),
        (  # another form's field
            {"type": "create_record", "form": "credit_log", "values": {"amount": "today()"}},
            "amount",
            "field `amount` takes a number; this expression gives a date",
            "字段 `amount` 的值应为数字，这个表达式的结果是日期",
        ),
        (
            {
                "type": "update_records",
                "form": "credit_log",
                "where": "it.note = record.note",
                "values": {"note": "amount > 5"},
            },
            "note",
            "field `note` takes a string; this expression gives a boolean",
            "字段 `note` 的值应为文本，这个表达式的结果是布尔值",
        ),
    ],
)
def test_a_value_is_refused_when_its_field_cannot_take_it(
    action: dict[str, Any], key: str, english: str, chinese: str
) -> None:
    """The records layer would refuse such a value when the action runs: the command of
    whoever reached the node (a submit, an approval) would fail on fields they never touched."""
    [(code, pointer, message, zh_cn)] = refusal(action)
    assert (code, pointer) == ("E_FLOW_VALUE_TYPE", f"/nodes/1/actions/0/values/{key}")
    assert (message, zh_cn) == (english, chinese)


@pytest.mark.parametrize(
    "values",
    [
        {"amount": "amount * 2", "note": 'string(amount) + " CNY"'},
        {"amount": "null", "note": "null"},  # clearing a field
        {"amount": 'number("12.5")', "risk_level": 'if amount > 1 then "high" else null'},
        {"relationship_manager": "initiator", "branch": '"north"'},  # a username, a key
        {"reviewers": "[initiator, relationship_manager]", "note": "string(count(reviewers))"},
    ],
)
def test_values_of_the_types_their_fields_take_are_accepted(values: dict[str, str]) -> None:
    spec = chain(
        {"id": "act", "type": "action", "actions": [{"type": "set_fields", "values": values}]}
    )
    assert compile_flow(spec, with_reviewers()).spec.nodes[1].type == "action"


def with_reviewers() -> FlowEnvironment:
    """The credit form with `reviewers`, a member field taking several people."""
    return env(
        fields={**FIELDS, "reviewers": "member"},
        several={"credit_application": frozenset({"reviewers"})},
    )


@pytest.mark.parametrize(
    ("values", "english"),
    [
        ({"relationship_manager": "amount"}, "takes a string; this expression gives a number"),
        ({"branch": "today()"}, "takes a string; this expression gives a date"),
        ({"reviewers": "initiator"}, "takes a list<string>; this expression gives a string"),
        ({"note": "reviewers"}, "takes a string; this expression gives a list<string>"),
    ],
)
def test_people_and_departments_are_ids_or_lists_of_them(
    values: dict[str, str], english: str
) -> None:
    """A member or department field holds an id (a username or a department key is taken for
    one), or a list of them when it takes several; an expression reads it so."""
    action = {"type": "set_fields", "values": values}
    [(code, _pointer, message, _zh_cn)] = refusal(action, with_reviewers())
    assert code == "E_FLOW_VALUE_TYPE"
    assert english in message


@pytest.mark.parametrize(
    ("where", "code", "english"),
    [
        ("it.note = (", "E_UNBALANCED", "`(` is never closed"),
        ("it.ghost = record.note", "E_UNKNOWN_FIELD", "`ghost` is not a field here"),
        ("it.note = record.ghost", "E_UNKNOWN_FIELD", "`ghost` is not a field here"),
        ("amount > 1", "E_UNKNOWN_NAME", "unknown name `amount`"),
        ('"all"', "E_NOT_BOOLEAN", "a condition (true/false) is needed here, not a string"),
    ],
)
def test_an_update_filter_is_checked_as_the_database_will_run_it(
    where: str, code: str, english: str
) -> None:
    action = {
        "type": "update_records",
        "form": "credit_log",
        "where": where,
        "values": {"note": '"x"'},
    }
    [(problem, pointer, message, zh_cn)] = refusal(action)
    assert (problem, pointer) == ("E_FLOW_EXPRESSION", "/nodes/1/actions/0/where")
    assert message == f"{code}: {english}"
    assert zh_cn


@pytest.mark.parametrize("kind", ["computed", "serial_number"])
def test_no_action_sets_a_field_the_form_or_the_platform_fills_in(kind: str) -> None:
    forms = {"credit_log": {"amount": "money", "note": "text", "ref": kind}}
    action = {"type": "create_record", "form": "credit_log", "values": {"ref": '"L-1"'}}
    spec = chain({"id": "act", "type": "action", "actions": [action]})
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env(forms=forms))
    [problem] = refused.value.problems
    assert (problem.code, problem.pointer) == (
        "E_FLOW_FIELD_NOT_WRITABLE",
        "/nodes/1/actions/0/values/ref",
    )
    assert problem.message == (
        "field `ref` is computed by its form or numbered by the system: an action cannot set it"
    )
    assert problem.zh_cn == "字段 `ref` 由表单计算或由系统编号，动作不能设置它"


GRADED = env(
    fields={**FIELDS, "grade": "single_select"},
    forms={"credit_log": {"amount": "money", "note": "text", "kind": "multi_select"}},
    options={
        "credit_application": {"grade": frozenset({"A", "B"})},
        "credit_log": {"kind": frozenset({"fee", "limit"})},
    },
)


def test_a_condition_comparing_a_choice_with_none_of_its_options_is_refused() -> None:
    spec = gated()
    spec["edges"][1]["condition"] = 'amount > 1 and grade = "a"'
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, GRADED)
    [problem] = refused.value.problems
    assert (problem.code, problem.pointer, problem.line, problem.column) == (
        "E_FLOW_NOT_AN_OPTION",
        "/edges/1/condition",
        1,
        24,
    )
    assert problem.message == '"a" is not an option of `grade` ("A", "B")'
    assert problem.zh_cn == '"a" 不是 `grade` 的选项（"A", "B"）'
    assert problem.hint == (
        "a comparison never matches it and setting it is refused: use one of them (case matters)"
    )
    spec["edges"][1]["condition"] = 'amount > 1 and grade in ["A", "B"]'
    assert compile_flow(spec, GRADED).spec.form == "credit_application"


@pytest.mark.parametrize(
    ("action", "pointer"),
    [
        ({"type": "set_fields", "values": {"grade": '"C"'}}, "/nodes/1/actions/0/values/grade"),
        (
            {"type": "set_fields", "values": {"grade": 'if amount > 5 then "A" else "c"'}},
            "/nodes/1/actions/0/values/grade",
        ),
        (
            {"type": "create_record", "form": "credit_log", "values": {"kind": '["fee", "Limit"]'}},
            "/nodes/1/actions/0/values/kind",
        ),
    ],
)
def test_an_action_setting_a_choice_to_none_of_its_options_is_refused(
    action: dict[str, Any], pointer: str
) -> None:
    spec = chain({"id": "act", "type": "action", "actions": [action]})
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, GRADED)
    assert [(p.code, p.pointer) for p in refused.value.problems] == [
        ("E_FLOW_NOT_AN_OPTION", pointer)
    ]


@pytest.mark.parametrize(
    ("node", "pointer", "english"),
    [
        (
            {"id": "t", "type": "timer", "until": "amount"},
            "/nodes/1/until",
            "a timer waits until a date or a date and time; this expression gives a number",
        ),
        (
            {"id": "t", "type": "timer", "until": '"2026-12-31"'},
            "/nodes/1/until",
            "a timer waits until a date or a date and time; this expression gives a string",
        ),
        (
            approval("a", assignees=[{"type": "expression", "expression": "amount > 5"}]),
            "/nodes/1/assignees/0/expression",
            "an assignee expression gives a username or a list of them (text); this expression "
            "gives a boolean",
        ),
    ],
)
def test_an_expression_giving_what_its_place_cannot_use_is_refused(
    node: dict[str, Any], pointer: str, english: str
) -> None:
    """A timer would stop at an incident; an approval whose assignees resolve to nobody falls
    to the empty-assignee policy, which may skip it."""
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(chain(node), env())
    [problem] = refused.value.problems
    assert (problem.code, problem.pointer, problem.message) == (
        "E_FLOW_EXPRESSION_TYPE",
        pointer,
        english,
    )
    assert problem.zh_cn


@pytest.mark.parametrize(
    "node",
    [
        {"id": "t", "type": "timer", "until": 'date("2026-12-31")'},
        {"id": "t", "type": "timer", "until": 'now() + duration("PT4H")'},
        approval("a", assignees=[{"type": "expression", "expression": "relationship_manager"}]),
        approval("a", assignees=[{"type": "expression", "expression": '["u1", initiator]'}]),
        approval(
            "a",
            assignees=[{"type": "expression", "expression": 'if amount > 5 then "u1" else null'}],
        ),
    ],
)
def test_expressions_giving_what_their_place_uses_are_accepted(node: dict[str, Any]) -> None:
    assert compile_flow(chain(node), env()).spec.nodes[1].id == node["id"]


def test_a_decision_input_passed_what_its_type_does_not_take_is_refused() -> None:
    """The rating model's `amount` is a number: a text passed fails the decision every time."""
    call = {"type": "call_decision", "model": "rating", "inputs": {"amount": "note"}}
    spec = chain(
        {"id": "rate", "type": "action", "actions": [{**call, "outputs": {"risk_level": "result"}}]}
    )
    typed = RATING.model.model_dump(by_alias=True, exclude_none=True)
    typed["inputs"][0]["type_ref"] = "number"
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env(decisions={"rating": compile_model(typed)}))
    [problem] = refused.value.problems
    assert (problem.code, problem.pointer) == (
        "E_FLOW_VALUE_TYPE",
        "/nodes/1/actions/0/inputs/amount",
    )
    assert problem.message == (
        "decision input `amount` takes a number; the expression passed gives a string"
    )
    assert problem.zh_cn == "决策调用有误：决策输入 `amount` 应为数字，传入的表达式的结果是文本"


def test_a_decision_output_giving_what_its_field_cannot_take_is_refused() -> None:
    """The rating gives a text (its level): an amount cannot take it."""
    typed = RATING.model.model_dump(by_alias=True, exclude_none=True)
    typed["decisions"][0]["logic"]["outputs"][0]["type_ref"] = "string"
    call = {"type": "call_decision", "model": "rating", "inputs": {"amount": "amount"}}
    outputs = {"amount": "result", "note": 'result + " risk"'}
    spec = chain({"id": "rate", "type": "action", "actions": [{**call, "outputs": outputs}]})
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env(decisions={"rating": compile_model(typed)}))
    [problem] = refused.value.problems
    assert (problem.code, problem.pointer, problem.message) == (
        "E_FLOW_VALUE_TYPE",
        "/nodes/1/actions/0/outputs/amount",
        "field `amount` takes a number; this expression gives a string",
    )


def test_actions_may_create_and_update_records_of_the_bound_form() -> None:
    bound = {"credit_application": {**FIELDS}, "credit_log": {"amount": "money", "note": "text"}}
    action = {
        "type": "update_records",
        "form": "credit_application",
        "where": "it.relationship_manager = record.relationship_manager",
        "values": {"note": '"superseded"'},
    }
    spec = chain({"id": "act", "type": "action", "actions": [action]})
    assert compile_flow(spec, env(forms=bound)).spec.nodes[1].type == "action"


def test_a_decision_call_names_a_decision_and_inputs_of_its_model() -> None:
    """An input the model does not declare would be dropped and the decision made on null; a
    decision it does not have would fail every run: both are refused when the flow compiles."""
    call = {
        "type": "call_decision",
        "model": "rating",
        "decision": "grade",
        "inputs": {"amount": "amount", "amout": "amount"},
        "outputs": {"note": "result.level"},
    }
    spec = chain({"id": "act", "type": "action", "actions": [call]})
    with pytest.raises(FlowDefinitionError) as refused:
        compile_flow(spec, env(decisions={"rating": RATING}))
    assert [(p.code, p.pointer) for p in refused.value.problems] == [
        ("E_FLOW_UNKNOWN_DECISION", "/nodes/1/actions/0/decision"),
        ("E_FLOW_UNKNOWN_INPUT", "/nodes/1/actions/0/inputs/amout"),
    ]
    decision, unknown = refused.value.problems
    assert decision.message.startswith("the model has no decision `grade`")
    assert unknown.zh_cn is not None
    assert unknown.zh_cn.startswith("决策调用有误：决策模型中没有输入 `amout`")
    del call["decision"], call["inputs"]["amout"]
    compile_flow(spec, env(decisions={"rating": RATING}))
