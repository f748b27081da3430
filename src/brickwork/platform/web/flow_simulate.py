"""The flow simulation page: sample values for the flow's form, the outcome each approval would
give, and the path a record would take, drawn on the flow's diagram with the steps in order.

The page posts the values as the record form does (amounts as exact text, dates and times in
the user's zone, people by user name and departments by key) and the simulation runs on the
server (`FlowSimulator`, the API's path: nothing is stored). A value the form refuses is said
next to its input; a draft that does not compile lists its problems, and a published version
can be simulated instead. Only users with `design` on the app reach it; it needs no script.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from brickwork.engines.flow import CompiledFlow
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.errors import ErrorItem, Invalid, PlatformError
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.records.published import PublishedForm
from brickwork.platform.records.service import PEOPLE
from brickwork.platform.runs.simulation import DECIDING, FlowSimulator, Outcome
from brickwork.platform.vocabulary import KEY_PATTERN
from brickwork.platform.web.diagram import layout
from brickwork.platform.web.forms import (
    local_input,
    options,
    plain,
    reference_ids,
    value_of,
)
from brickwork.platform.web.params import AppKey, FormListsDep, first
from brickwork.platform.web.records import navigation
from brickwork.platform.web.views import Viewer, render, text_in, viewer_of

router = APIRouter(include_in_schema=False)
FlowKey = Annotated[str, Path(pattern=KEY_PATTERN)]
PREFIX = "v."
"""Inputs of the sample values are named `v.<field key>`; outcome selects `o.<node id>`."""
OUTCOME = "o."
NOT_TYPED = frozenset(
    {"subtable", "computed", "serial_number", "attachment", "signature", "location", "rich_text"}
)
"""Field types without an input here: computed by the form, files to upload, or rows."""
OUTCOMES: tuple[Outcome, ...] = ("approved", "rejected")


def _version(raw: str | None) -> int | None:
    """The version chosen in the page's select ("" or "draft": the draft)."""
    text = (raw or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


@router.get("/apps/{app}/design/flows/{key}/simulate", response_model=None)
def simulation_page(
    request: Request,
    session: SessionDep,
    app: AppKey,
    key: FlowKey,
    version: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    """The inputs of a simulation of the flow's draft (or of a published `version`)."""
    viewer = viewer_of(request, session)
    return SimulationPage(request, session, viewer, app, key, _version(version)).render({})


@router.post("/apps/{app}/design/flows/{key}/simulate", response_model=None)
def simulate(
    request: Request, session: SessionDep, app: AppKey, key: FlowKey, sent: FormListsDep
) -> Response:
    """Simulate with the values and outcomes sent; the page again with the path, or with what
    is wrong with the values next to their inputs."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    page = SimulationPage(request, session, viewer, app, key, _version(first(sent, "version")))
    return page.run(sent)


class SimulationPage:
    """One simulation page: the flow (compiled, or the problems of its draft), its form's
    inputs and its deciding nodes."""

    def __init__(
        self,
        request: Request,
        session: Session,
        viewer: Viewer,
        app: str,
        key: str,
        version: int | None,
    ) -> None:
        self.request = request
        self.session = session
        self.viewer = viewer
        self.app = app
        self.key = key
        self.version = version
        runs = request.app.state.runs
        self.simulator = FlowSimulator(
            records=runs.records, compiler=runs.compiler, clock=runs.clock
        )
        self.problems: list[ErrorItem] = []
        self.flow: CompiledFlow | None = None
        try:
            self.flow = self.simulator.compiled(session, viewer.actor, app, key, version)
        except Invalid as refused:
            self.problems = list(refused.errors)
        metadata = request.app.state.metadata
        self.definition = metadata.definition(session, app, Kind.FLOW, key)
        self.versions = [row.version for row in metadata.versions(session, app, Kind.FLOW, key)]
        draft = self.definition.draft or {}
        spec = draft.get("spec")
        form_key = (
            self.flow.spec.form
            if self.flow is not None
            else spec.get("form")
            if isinstance(spec, Mapping)
            else None
        )
        self.form: PublishedForm | None = None
        if isinstance(form_key, str):
            try:
                self.form = runs.records.form(session, app, form_key)
            except PlatformError:
                self.form = None
        self.fields = (
            [item for item in self.form.definition.fields if item.type not in NOT_TYPED]
            if self.form is not None
            else []
        )

    @property
    def address(self) -> str:
        return f"/apps/{self.app}/design/flows/{self.key}/simulate"

    def values(self, sent: Mapping[str, list[str]]) -> dict[str, Any]:
        """The sample values from the inputs: blank inputs are left out (as if not given)."""
        found: dict[str, Any] = {}
        for item in self.fields:
            texts = sent.get(PREFIX + item.key, [])
            if item.type == "boolean":
                text = texts[-1] if texts else ""
                if text in ("true", "false"):
                    found[item.key] = text == "true"
                continue
            value = value_of(item, texts)
            if value in (None, "", []):
                continue
            if item.type in PEOPLE:
                value = reference_ids(self.request, self.session, item.type, value)
            found[item.key] = value
        return found

    def outcomes(self, sent: Mapping[str, list[str]]) -> dict[str, Outcome]:
        chosen: dict[str, Outcome] = {}
        for node in self.deciding():
            values = sent.get(OUTCOME + node["id"])
            if values and values[-1] == "rejected":
                chosen[node["id"]] = "rejected"
        return chosen

    def deciding(self) -> list[dict[str, Any]]:
        """The approval, fill-in task and subflow nodes, in the flow's order."""
        if self.flow is None:
            return []
        return [
            {
                "id": node.id,
                "type": node.type,
                "label": text_in(node.label, self.viewer.language) or node.id,
                "choose": node.type in DECIDING,
            }
            for node in self.flow.spec.nodes
            if node.type in DECIDING or node.type == "task"
        ]

    def run(self, sent: Mapping[str, list[str]]) -> Response:
        values = self.values(sent)
        outcomes = self.outcomes(sent)
        if self.flow is None:
            return self.render(sent, outcomes=outcomes)
        try:
            found = self.simulator.simulate(
                self.session,
                self.viewer.actor,
                self.app,
                self.key,
                values,
                outcomes,
                version=self.version,
            )
        except Invalid as refused:  # said next to the inputs, as the record form does
            return self.render(sent, outcomes=outcomes, errors=list(refused.errors))
        return self.render(sent, outcomes=outcomes, result=found)

    def render(
        self,
        sent: Mapping[str, list[str]],
        *,
        outcomes: Mapping[str, str] | None = None,
        errors: list[ErrorItem] | None = None,
        result: dict[str, Any] | None = None,
    ) -> Response:
        shown = {item.key for item in self.fields}
        by_field: dict[str, str] = {}
        others: list[ErrorItem] = []
        for item in errors or ():
            parts = item.pointer.split("/")
            if len(parts) > 2 and parts[1] == "values" and parts[2] in shown:
                by_field.setdefault(parts[2], item.message)
            else:
                others.append(item)
        language = self.viewer.language
        draft = self.definition.draft or {}
        context = {
            "app": self.app,
            "key": self.key,
            "flow_label": text_in(draft.get("label"), language) or self.key,
            "address": self.address,
            "canvas": f"/apps/{self.app}/design/flows/{self.key}",
            "version": self.version,
            "versions": self.versions,
            "problems": [item.as_dict(language) for item in (*self.problems, *others)],
            "compiled": self.flow is not None,
            "inputs": [self.widget(item, sent, by_field.get(item.key)) for item in self.fields],
            "field_errors": by_field,
            "deciding": self.deciding(),
            "outcomes": outcomes or {},
            "result": None if result is None else self.shown(result),
            "nav": navigation(self.request, self.session, self.viewer, self.app),
        }
        return render(self.request, "design/flow_simulate.html", context, viewer=self.viewer)

    def widget(self, item: Any, sent: Mapping[str, list[str]], error: str | None) -> dict[str, Any]:
        texts = sent.get(PREFIX + item.key, [])
        widget: dict[str, Any] = {
            "key": item.key,
            "name": PREFIX + item.key,
            "label": text_in(item.label, self.viewer.language) or item.key,
            "kind": item.type,
            "error": error,
            "text": texts[-1] if texts else "",
            "chosen": set(texts),
            "multiple": bool(getattr(item, "multiple", False)),
        }
        if item.type == "money":
            widget["currency"] = getattr(item, "currency", None)
        elif item.type in ("single_select", "multi_select"):
            widget["options"] = options(item, self.viewer.language)
        elif item.type == "datetime" and widget["text"]:
            widget["text"] = local_input(widget["text"])
        return widget

    def shown(self, result: dict[str, Any]) -> dict[str, Any]:
        """The result as the page shows it: the diagram laid out, each step's words."""
        language = self.viewer.language
        names = {
            node["id"]: text_in(node.get("label"), language) or node["id"]
            for node in result["diagram"]["nodes"]
        }
        labels = {
            item.key: text_in(item.label, language) or item.key
            for item in (self.form.definition.fields if self.form is not None else ())
        }
        people = self.people(result["steps"])
        steps = [
            {
                **step,
                "name": text_in(step["label"], language),
                "assignees": [people.get(u, u) for u in step["assignees"]],
                "cc": [people.get(u, u) for u in step["cc"]],
                "decisions": [
                    {"user": people.get(d["user"], d["user"]), "outcome": d["outcome"]}
                    for d in step["decisions"]
                ],
                "effects": [self.effect(e, labels, people) for e in step["effects"]],
                "incident": _incident_in(step.get("incident"), language),
            }
            for step in result["steps"]
        ]
        incident = _incident_in(result["incident"], language)
        return {
            **result,
            "incident": incident,
            "steps": steps,
            "drawing": layout(result["diagram"], names),
            "incident_node": names.get(incident["node"], incident["node"]) if incident else "",
        }

    def effect(
        self, effect: dict[str, Any], labels: Mapping[str, str], people: Mapping[str, str]
    ) -> dict[str, Any]:
        shown = dict(effect)
        if "values" in effect:
            shown["pairs"] = [
                {"field": labels.get(key, key), "value": plain(value)}
                for key, value in effect["values"].items()
            ]
        if "users" in effect:
            shown["users"] = [people.get(u, u) for u in effect["users"]]
        return shown

    def people(self, steps: list[dict[str, Any]]) -> dict[str, str]:
        """The users the steps name, as `display name · user name`."""
        named = {
            user
            for step in steps
            for user in (
                *step["assignees"],
                *step["cc"],
                *(d["user"] for d in step["decisions"]),
                *(u for e in step["effects"] for u in e.get("users", ())),
            )
        }
        repo = self.request.app.state.identities.repo
        found: dict[str, str] = {}
        for username in sorted(named):
            user = repo.user_by_username(self.session, username)
            if user is not None and user.display_name and user.display_name != username:
                found[username] = f"{user.display_name} · {username}"
        return found


def _incident_in(incident: Mapping[str, Any] | None, language: str) -> dict[str, Any] | None:
    """An incident with its message in the reader's language (Chinese when it has it)."""
    if incident is None:
        return None
    chinese = language == "zh-CN" and incident.get("zh_cn")
    return {**incident, "message": incident["zh_cn"] if chinese else incident["message"]}
