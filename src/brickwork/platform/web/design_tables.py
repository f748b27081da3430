"""The decision-table designer: a grid of input columns, output columns and rules, edited in
the browser and saved as the draft of a `decision_table` definition, the same JSON the API
reads and writes (so a table built here exports, diffs and imports like any other).

Every change posts the whole grid (htmx) and the server answers the grid again with the
draft's problems next to their cells (the validator's JSON pointers mapped to cells), the
design-time analysis (overlaps, gaps) next to its rules and the embedded examples' results.
Rules and columns move with their buttons, by dragging their handle or with Alt+arrow keys;
each saved step can be undone and redone (the page carries the earlier states of the draft,
as the report builder's does). A cell is checked as it is typed through `cell`, a thin call
of the expression parser. The browser evaluates nothing. Only users with `design` on the app
reach these pages.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.engines.expr import ExpressionError, parse, parse_unary_tests
from brickwork.engines.rules import DecisionModelError, compile_model
from brickwork.engines.rules.definition import HIT_POLICIES
from brickwork.engines.rules.examples import run_examples
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.errors import Conflict, ErrorItem, Invalid, PlatformError
from brickwork.platform.metadata.schemas import DefinitionCreate, DraftUpdate, Kind
from brickwork.platform.vocabulary import KEY_PATTERN
from brickwork.platform.web.params import FormListsDep, first
from brickwork.platform.web.records import navigation
from brickwork.platform.web.report_designer import HISTORY, history_context, history_of
from brickwork.platform.web.views import Viewer, render, viewer_of

router = APIRouter(include_in_schema=False)
AppKey = Annotated[str, Path(pattern=KEY_PATTERN)]
ModelKey = Annotated[str, Path(pattern=KEY_PATTERN)]
TABLE = "/spec/decisions/0/logic"
TYPES = ("", "number", "string", "boolean", "date")
MAX_COLUMNS = 20
MAX_ROWS = 500


@dataclass
class Grid:
    """The table as the editor shows it: one decision whose logic is a decision table, its
    input columns named by the model's input data."""

    label: str
    hit_policy: str = "U"
    inputs: list[dict[str, str]] = field(default_factory=list)
    outputs: list[dict[str, str]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)
    decision: dict[str, Any] = field(default_factory=dict)
    rest: dict[str, Any] = field(default_factory=dict)
    """What the grid does not show (namespace, item definitions...), kept as it is."""


def editable(spec: dict[str, Any]) -> bool:
    decisions = spec.get("decisions") or []
    if not spec:
        return True
    return (
        len(decisions) == 1
        and isinstance(decisions[0].get("logic"), dict)
        and decisions[0]["logic"].get("type") == "decision_table"
        and not spec.get("knowledge")
    )


def grid_of(label: str, spec: dict[str, Any]) -> Grid:
    """The grid of a draft's spec (a new model: one input, one output, one rule)."""
    if not spec.get("decisions"):
        return Grid(
            label=label,
            inputs=[{"id": "in_1", "name": "Input 1", "type_ref": ""}],
            outputs=[{"id": "out_1", "name": "result", "type_ref": ""}],
            rules=[{"id": "r_1", "when": ["-"], "then": ['""']}],
        )
    decision = spec["decisions"][0]
    table = decision["logic"]
    types = {item["name"]: item.get("type_ref") or "" for item in spec.get("inputs", [])}
    return Grid(
        label=label,
        hit_policy=table.get("hit_policy", "U"),
        inputs=[
            {
                "id": column["id"],
                "name": column["expression"],
                "type_ref": column.get("type_ref") or types.get(column["expression"], ""),
            }
            for column in table.get("inputs", [])
        ],
        outputs=[
            {"id": column["id"], "name": column["name"], "type_ref": column.get("type_ref") or ""}
            for column in table.get("outputs", [])
        ],
        rules=[
            {"id": rule["id"], "when": list(rule["when"]), "then": list(rule["then"])}
            for rule in table.get("rules", [])
        ],
        tests=[
            {
                "id": test["id"],
                "inputs": {k: json.dumps(v) for k, v in test.get("inputs", {}).items()},
                "expected": json.dumps(test.get("expected")),
            }
            for test in spec.get("tests", [])
        ],
        decision={k: v for k, v in decision.items() if k not in ("logic", "requires")},
        rest={k: v for k, v in spec.items() if k not in ("inputs", "decisions", "tests")},
    )


def spec_of(grid: Grid, key: str, before: dict[str, Any] | None = None) -> dict[str, Any]:
    """The decision model the grid stands for; what the grid does not show (allowed values,
    defaults, labels, annotations, input data ids) is kept from the spec `before` it."""
    kept = _kept(before or {})
    names = [column["name"] for column in grid.inputs]
    notes = len(kept["table"].get("annotations", ()))
    decision = {"id": "d_" + re.sub(r"[^A-Za-z0-9_]", "_", key), "name": key, **grid.decision}
    logic = {
        **kept["table"],
        "type": "decision_table",
        "hit_policy": grid.hit_policy,
        "inputs": [
            {**kept["in"].get(c["id"], {}), "id": c["id"], "expression": c["name"], **_typed(c)}
            for c in grid.inputs
        ],
        "outputs": [
            {**kept["out"].get(c["id"], {}), "id": c["id"], "name": c["name"], **_typed(c)}
            for c in grid.outputs
        ],
        "rules": [
            {
                "id": rule["id"],
                "when": rule["when"],
                "then": rule["then"],
                **_annotations(kept["rules"].get(rule["id"]), notes),
            }
            for rule in grid.rules
        ],
    }
    spec: dict[str, Any] = {
        **grid.rest,
        "inputs": [
            {**kept["data"].get(c["name"], {"id": f"i_{c['id']}"}), "name": c["name"], **_typed(c)}
            for c in grid.inputs
        ],
        "decisions": [{**decision, "requires": {"inputs": names}, "logic": logic}],
    }
    if grid.tests:
        spec["tests"] = [
            {
                "id": test["id"],
                "inputs": {name: _value(test["inputs"].get(name, "")) for name in names},
                "expected": _value(test["expected"]),
            }
            for test in grid.tests
        ]
    return spec


def _kept(before: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The parts of an editable spec the grid does not show, by column, rule and input name."""
    if not before.get("decisions") or not editable(before):
        return {"table": {}, "in": {}, "out": {}, "rules": {}, "data": {}}
    table = before["decisions"][0]["logic"]
    hidden = ("id", "expression", "name", "type_ref")
    return {
        "table": {k: v for k, v in table.items() if k in ("id", "annotations")},
        "in": {
            c["id"]: {k: v for k, v in c.items() if k not in hidden}
            for c in table.get("inputs", [])
        },
        "out": {
            c["id"]: {k: v for k, v in c.items() if k not in hidden}
            for c in table.get("outputs", [])
        },
        "rules": {r["id"]: r.get("annotations") for r in table.get("rules", [])},
        "data": {
            d["name"]: {k: v for k, v in d.items() if k not in ("name", "type_ref")}
            for d in before.get("inputs", [])
        },
    }


def _annotations(found: list[str] | None, columns: int) -> dict[str, Any]:
    if not columns:
        return {}
    texts = list(found or [])[:columns]
    return {"annotations": texts + [""] * (columns - len(texts))}


def _typed(column: dict[str, str]) -> dict[str, str]:
    return {"type_ref": column["type_ref"]} if column.get("type_ref") else {}


def _value(text: str) -> Any:
    """An example's value as typed: JSON (`41`, `"KP"`, `true`, `null`), else the text."""
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def grid_from_form(sent: dict[str, list[str]], key: str) -> Grid:
    """The grid as the page sent it (rows in the page's order)."""
    inputs = [
        {"id": i, "name": n.strip(), "type_ref": t if t in TYPES else ""}
        for i, n, t in zip(
            sent.get("in_id", []), sent.get("in_name", []), sent.get("in_type", []), strict=False
        )
    ][:MAX_COLUMNS]
    outputs = [
        {"id": i, "name": n.strip(), "type_ref": t if t in TYPES else ""}
        for i, n, t in zip(
            sent.get("out_id", []), sent.get("out_name", []), sent.get("out_type", []), strict=False
        )
    ][:MAX_COLUMNS]
    rules = []
    for row, rule_id in enumerate(sent.get("rule_id", [])[:MAX_ROWS]):
        when = [first(sent, f"when-{row}-{c}", "") or "-" for c in range(len(inputs))]
        then = [first(sent, f"then-{row}-{c}", "") for c in range(len(outputs))]
        rules.append({"id": rule_id, "when": when, "then": then})
    tests = []
    for row, test_id in enumerate(sent.get("test_id", [])[:MAX_ROWS]):
        values = {c["name"]: first(sent, f"test-{row}-{n}", "") for n, c in enumerate(inputs)}
        tests.append(
            {"id": test_id, "inputs": values, "expected": first(sent, f"expect-{row}", "")}
        )
    policy = first(sent, "hit_policy", "U")
    decision = json.loads(first(sent, "decision", "{}") or "{}")
    rest = json.loads(first(sent, "rest", "{}") or "{}")
    return Grid(
        label=first(sent, "label", key) or key,
        hit_policy=policy if policy in HIT_POLICIES else "U",
        inputs=inputs,
        outputs=outputs,
        rules=rules,
        tests=tests,
        decision=decision if isinstance(decision, dict) else {},
        rest=rest if isinstance(rest, dict) else {},
    )


def _fresh(prefix: str, taken: list[str]) -> str:
    number = len(taken) + 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def _add_rule(grid: Grid, _index: int) -> None:
    if len(grid.rules) < MAX_ROWS:
        rule_id = _fresh("r_", [r["id"] for r in grid.rules])
        when, then = ["-"] * len(grid.inputs), [""] * len(grid.outputs)
        grid.rules.append({"id": rule_id, "when": when, "then": then})


def _delete_rule(grid: Grid, index: int) -> None:
    if 0 <= index < len(grid.rules):
        del grid.rules[index]


def _up(grid: Grid, index: int) -> None:
    if 0 < index < len(grid.rules):
        grid.rules[index - 1], grid.rules[index] = grid.rules[index], grid.rules[index - 1]


def _down(grid: Grid, index: int) -> None:
    _up(grid, index + 1)


def _move(grid: Grid, origin: int, target: int) -> None:
    """The rule at `origin` taken out and put back at `target` (a drag of its handle)."""
    if 0 <= origin < len(grid.rules) and 0 <= target < len(grid.rules):
        grid.rules.insert(target, grid.rules.pop(origin))


def _move_column(side: str) -> Callable[[Grid, int, int], None]:
    columns, cells = ("inputs", "when") if side == "in" else ("outputs", "then")

    def move(grid: Grid, origin: int, target: int) -> None:
        """The column at `origin` put at `target`, its cell in every rule with it."""
        found: list[dict[str, str]] = getattr(grid, columns)
        if 0 <= origin < len(found) and 0 <= target < len(found):
            found.insert(target, found.pop(origin))
            for rule in grid.rules:
                rule[cells].insert(target, rule[cells].pop(origin))

    return move


def _shift_column(side: str, step: int) -> Callable[[Grid, int], None]:
    move = _move_column(side)

    def shift(grid: Grid, index: int) -> None:
        if index >= 0:
            move(grid, index, index + step)

    return shift


def _add_column(side: str) -> Callable[[Grid, int], None]:
    columns, cells = ("inputs", "when") if side == "in" else ("outputs", "then")

    def add(grid: Grid, _index: int) -> None:
        found: list[dict[str, str]] = getattr(grid, columns)
        if len(found) >= MAX_COLUMNS:
            return
        number = len(found) + 1
        name = f"Input {number}" if side == "in" else f"output{number}"
        found.append({"id": _fresh(f"{side}_", [c["id"] for c in found]), "name": name})
        found[-1]["type_ref"] = ""
        for rule in grid.rules:
            rule[cells].append("-" if side == "in" else "")

    return add


def _delete_column(side: str) -> Callable[[Grid, int], None]:
    columns, cells = ("inputs", "when") if side == "in" else ("outputs", "then")

    def delete(grid: Grid, index: int) -> None:
        found: list[dict[str, str]] = getattr(grid, columns)
        if 0 <= index < len(found) and len(found) > 1:
            del found[index]
            for rule in grid.rules:
                del rule[cells][index]

    return delete


def _add_test(grid: Grid, _index: int) -> None:
    test_id = _fresh("t_", [t["id"] for t in grid.tests])
    grid.tests.append({"id": test_id, "inputs": {}, "expected": ""})


def _delete_test(grid: Grid, index: int) -> None:
    if 0 <= index < len(grid.tests):
        del grid.tests[index]


MOVES: dict[str, Callable[[Grid, int, int], None]] = {
    "move": _move,
    "move-input": _move_column("in"),
    "move-output": _move_column("out"),
}
"""What a drag does: a rule or a column from one place to another (`move:4:0`)."""
STEPS: dict[str, Callable[[Grid, int], None]] = {
    "add-rule": _add_rule,
    "delete-rule": _delete_rule,
    "up": _up,
    "down": _down,
    "add-input": _add_column("in"),
    "delete-input": _delete_column("in"),
    "add-output": _add_column("out"),
    "delete-output": _delete_column("out"),
    "left-input": _shift_column("in", -1),
    "right-input": _shift_column("in", 1),
    "left-output": _shift_column("out", -1),
    "right-output": _shift_column("out", 1),
    "add-test": _add_test,
    "delete-test": _delete_test,
}


def apply(grid: Grid, action: str) -> None:
    """One editing step named by the button pressed (`add-rule`, `up:3`, `move:4:0`,
    `right-input:0`, `move-output:1:0`, ...); saving, running the tests and publishing change
    nothing in the grid."""
    verb, _, where = action.partition(":")
    if verb in MOVES:
        origin, _, target = where.partition(":")
        if origin.isdigit() and target.isdigit():
            MOVES[verb](grid, int(origin), int(target))
        return
    step = STEPS.get(verb)
    if step is not None:
        step(grid, int(where) if where.isdigit() else -1)


_PLACES = (
    (re.compile(rf"^{TABLE}/rules/(\d+)/when/(\d+)"), "when-{0}-{1}"),
    (re.compile(rf"^{TABLE}/rules/(\d+)/then/(\d+)"), "then-{0}-{1}"),
    (re.compile(rf"^{TABLE}/rules/(\d+)"), "rule-{0}"),
    (re.compile(rf"^{TABLE}/inputs/(\d+)"), "in-{0}"),
    (re.compile(rf"^{TABLE}/outputs/(\d+)"), "out-{0}"),
    (re.compile(r"^/spec/inputs/(\d+)"), "in-{0}"),
    (re.compile(r"^/spec/tests/(\d+)"), "test-{0}"),
    (re.compile(rf"^{TABLE}/hit_policy"), "hit_policy"),
)


def place_of(pointer: str) -> str:
    """The element of the grid a problem's pointer names ("" for the model as a whole)."""
    for pattern, place in _PLACES:
        found = pattern.match(pointer)
        if found:
            return place.format(*found.groups())
    return ""


def placed(items: list[ErrorItem], language: str) -> dict[str, list[str]]:
    """Each problem's text in `language`, by the element of the grid it names."""
    found: dict[str, list[str]] = {}
    for item in items:
        found.setdefault(place_of(item.pointer), []).append(item.as_dict(language)["message"])
    return found


def findings_of(
    request: Request, session: Session, viewer: Viewer, app: str, key: str
) -> list[dict[str, Any]]:
    try:
        found: list[dict[str, Any]] = request.app.state.decisions.analysis(
            session, viewer.actor, app, key
        )["findings"]
    except PlatformError:
        return []
    return found


def examples_of(spec: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The embedded examples run on the draft (None when the draft does not compile)."""
    try:
        model = compile_model(spec)
    except DecisionModelError:
        return None
    return [
        {"passed": o.passed, "actual": json.dumps(o.actual, ensure_ascii=False)}
        for o in run_examples(model)
    ]


def _editor(
    request: Request,
    session: Session,
    viewer: Viewer,
    app: str,
    key: str,
    *,
    grid: Grid | None = None,
    message: str = "",
    published: int | None = None,
    ran: bool = False,
    problems: list[ErrorItem] | None = None,
    fragment: bool = False,
    history: tuple[list[Any], list[Any]] = ([], []),
) -> Response:
    metadata = request.app.state.metadata
    definition = metadata.definition(session, app, Kind.DECISION_TABLE, key)
    draft = definition.draft or {}
    spec = draft.get("spec", {})
    can_edit = editable(spec)
    if grid is None:
        grid = grid_of(str(draft.get("label") or key), spec) if can_edit else Grid(label=key)
    if problems is None:
        problems = metadata.problems(definition)
    rule_ids = {rule["id"]: index for index, rule in enumerate(grid.rules)}
    findings = findings_of(request, session, viewer, app, key) if can_edit else []
    by_rule: dict[int, list[str]] = {}
    for finding in findings:
        for rule_id in finding["rules"]:
            if rule_id in rule_ids:
                by_rule.setdefault(rule_ids[rule_id], []).append(finding["message"])
    context = {
        "app": app,
        "key": key,
        "grid": grid,
        "editable": can_edit,
        "revision": definition.draft_revision,
        "version": definition.latest_version,
        "errors": placed(problems, viewer.language),
        "problems": problems,
        "findings": findings,
        "by_rule": by_rule,
        "examples": examples_of(spec) if ran and can_edit else None,
        "message": message,
        "ran": ran,
        "published": published,
        "policies": HIT_POLICIES,
        "types": TYPES,
        "decision_json": json.dumps(grid.decision, ensure_ascii=False),
        "rest_json": json.dumps(grid.rest, ensure_ascii=False),
        **history_context(history),
    }
    if fragment:
        return render(request, "design/_table.html", context, viewer=viewer)
    context["nav"] = navigation(request, session, viewer, app)
    return render(request, "design/table.html", context, viewer=viewer)


@router.get("/apps/{app}/design/decisions", response_model=None)
def decisions_page(request: Request, session: SessionDep, app: AppKey) -> Response:
    """The app's decision models, and a form to start a new one."""
    viewer = viewer_of(request, session)
    request.app.state.metadata.require(session, viewer.actor, "design", app)
    return _listing(request, session, viewer, app)


def _listing(
    request: Request,
    session: Session,
    viewer: Viewer,
    app: str,
    *,
    sent: dict[str, str] | None = None,
    problem: PlatformError | None = None,
) -> Response:
    models = request.app.state.metadata.list_definitions(session, app, kind=Kind.DECISION_TABLE)
    return render(
        request,
        "design/tables.html",
        {
            "app": app,
            "models": models,
            "sent": sent or {},
            "problem": problem,
            "nav": navigation(request, session, viewer, app),
        },
        viewer=viewer,
        status=422 if problem is not None else 200,
    )


@router.post("/apps/{app}/design/decisions", response_model=None)
def create_decision(
    request: Request, session: SessionDep, app: AppKey, sent: FormListsDep
) -> Response:
    """A new decision model (one input, one output, one rule) and its editor; a key that is
    not one, or is taken, is said next to the key."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    metadata = request.app.state.metadata
    key = (first(sent, "key", "") or "").strip()
    label = (first(sent, "label", "") or "").strip() or key
    typed = {"key": key, "label": label}
    try:
        body = DefinitionCreate.model_validate(
            {"kind": "decision_table", "key": key, "label": label, "spec": {}}
        )
    except ValueError:
        refusal = Invalid(
            f"{key!r} is not a key: use lower-case letters, digits and underscores, starting "
            "with a letter",
            code="validation_failed",
            errors=[ErrorItem("/key", "invalid_value", "not a key")],
            zh_cn=f"{key!r} 不是有效的编码：请用小写字母、数字和下划线，并以字母开头",
        )
        return _listing(request, session, viewer, app, sent=typed, problem=refusal)
    try:
        metadata.create_definition(session, viewer.actor, app, body)
    except Conflict as exc:
        return _listing(request, session, viewer, app, sent=typed, problem=exc)
    grid = grid_of(label, {})
    update = DraftUpdate.model_validate({"label": label, "spec": spec_of(grid, key)})
    metadata.update_draft(session, viewer.actor, app, Kind.DECISION_TABLE, key, update)
    return RedirectResponse(f"/apps/{app}/design/decisions/{key}", status_code=303)


@router.get("/apps/{app}/design/decisions/{key}", response_model=None)
def table_page(request: Request, session: SessionDep, app: AppKey, key: ModelKey) -> Response:
    """The grid editor of one decision model's draft."""
    viewer = viewer_of(request, session)
    request.app.state.metadata.require(session, viewer.actor, "design", app)
    return _editor(request, session, viewer, app, key)


@router.post("/apps/{app}/design/decisions/{key}", response_model=None)
def table_edit(
    request: Request, session: SessionDep, app: AppKey, key: ModelKey, sent: FormListsDep
) -> Response:
    """Apply one step (the button pressed: `action`), save the draft, answer the grid with
    its problems, findings and, for `run-tests` and `publish`, their results (to htmx the
    grid alone, otherwise the whole page: the editor works without scripts too)."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    metadata = request.app.state.metadata
    metadata.require(session, viewer.actor, "design", app)
    grid = grid_from_form(sent, key)
    typed = copy.deepcopy(grid)
    action = first(sent, "action", "save") or "save"
    apply(grid, action)
    revision = first(sent, "revision")
    before = metadata.definition(session, app, Kind.DECISION_TABLE, key).draft or {}
    if not editable(before.get("spec") or {}):
        return _editor(request, session, viewer, app, key, fragment=_htmx(request))
    spec = before.get("spec") or {}
    label = str(before.get("label") or key)

    def state(shown: Grid) -> dict[str, Any]:
        return {"label": shown.label, "spec": spec_of(shown, key, spec)}

    stored = {"label": label, "spec": spec}
    chosen, undo, redo = with_history(
        stored, state(grid_of(label, spec)), state(typed), state(grid), sent
    )
    update = DraftUpdate.model_validate(
        {
            "label": chosen["label"],
            "spec": chosen["spec"],
            "base_revision": int(revision) if revision and revision.isdigit() else None,
        }
    )
    message = ""
    published = None
    problems: list[ErrorItem] | None = None
    try:
        metadata.update_draft(session, viewer.actor, app, Kind.DECISION_TABLE, key, update)
        if action == "publish":
            outcome = metadata.publish(session, viewer.actor, app, Kind.DECISION_TABLE, key)
            published = outcome.version_number
    except PlatformError as exc:
        message = exc.text(viewer.language)
        problems = list(exc.errors) or None
        undo, redo = states_of(sent, "undo"), states_of(sent, "redo")
    return _editor(
        request,
        session,
        viewer,
        app,
        key,
        message=message,
        published=published,
        ran=action in ("run-tests", "publish"),
        problems=problems,
        fragment=_htmx(request),
        history=(undo, redo),
    )


def states_of(sent: dict[str, list[str]], name: str) -> list[dict[str, Any]]:
    """The earlier drafts the page carries (`undo` or `redo`): each a name and a spec; anything
    else reads as none."""
    return [
        state
        for state in history_of(sent, name)
        if isinstance(state.get("label"), str) and isinstance(state.get("spec"), dict)
    ]


def with_history(
    stored: dict[str, Any],
    shown: dict[str, Any],
    typed: dict[str, Any],
    edited: dict[str, Any],
    sent: dict[str, list[str]],
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The draft to save (name and spec) and the undo and redo stacks after the pressed
    button. `stored` is the saved draft, `shown` the same as the grid shows it, `typed` the
    grid as sent and `edited` the grid after the button's step. Undo first takes back what
    was typed but not saved yet (redo brings it back); any other change forgets what was
    undone."""
    undo, redo = states_of(sent, "undo"), states_of(sent, "redo")
    action = first(sent, "action", "")
    unsaved = typed != shown
    if action == "undo" and unsaved:
        return stored, undo, [*redo, typed][-HISTORY:]
    if action == "undo" and undo:
        return undo.pop(), undo, [*redo, stored][-HISTORY:]
    if action == "redo" and redo and not unsaved:
        return redo.pop(), [*undo, stored][-HISTORY:], redo
    if edited == shown:
        return stored, undo, redo
    return edited, [*undo, stored][-HISTORY:], []


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


@router.post("/apps/{app}/design/decisions/{key}/cell", response_model=None)
def check_cell(
    request: Request, session: SessionDep, app: AppKey, key: ModelKey, sent: FormListsDep
) -> Response:
    """The syntax of one cell as it is typed: a condition cell is unary tests, an output cell
    an expression; the first problem with its line and column (names are checked on save)."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    request.app.state.metadata.require(session, viewer.actor, "design", app)
    cell = first(sent, "cell", "") or ""
    text = first(sent, cell, "") or ""
    problem = None
    try:
        if cell.startswith("when-"):
            parse_unary_tests(text or "-")
        elif text.strip():
            parse(text)
    except ExpressionError as exc:
        said = exc.diagnostic.words()
        message = said.zh_cn if viewer.language == "zh-CN" else said.en
        problem = {"line": exc.line, "column": exc.column, "message": message}
    return render(request, "design/_cell.html", {"cell": cell, "problem": problem}, viewer=viewer)
