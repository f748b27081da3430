"""The approval inbox: tabs to do / done / initiated / copied with their counts, a task page
(the record as the step shows it, the flow's timeline, and the commands the step allows:
approve, reject, return, transfer, comment) and batch approval with a confirmation.

Every command goes through `FlowService.task_command`, as the API's do: the same checks of who
may act, the task's expected version (a task someone else closed meanwhile is refused with the
reason, never done twice), the timeline and the audit trail.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brickwork.engines.flow import (
    Abstain,
    AddSigner,
    Approve,
    Comment,
    Complete,
    Delegate,
    Reject,
    Return,
    Transfer,
)
from brickwork.platform.api.deps import SessionDep
from brickwork.platform.api.errors import status_of
from brickwork.platform.auth.policy import FieldLevel
from brickwork.platform.errors import Invalid, PlatformError
from brickwork.platform.metadata.schemas import Kind
from brickwork.platform.web.i18n import translations
from brickwork.platform.web.params import AppKey, FormListsDep, first
from brickwork.platform.web.people import Names
from brickwork.platform.web.records import (
    TASK_KINDS,
    People,
    flow_label,
    navigation,
    node_name,
    shown,
    title_of,
    when,
)
from brickwork.platform.web.views import Viewer, render, text_in, viewer_of

router = APIRouter(include_in_schema=False)
TaskId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Tab = Literal["todo", "done", "initiated", "cc"]
TABS: tuple[Tab, ...] = ("todo", "done", "initiated", "cc")
PAGE = 20
DUE_SOON = timedelta(hours=24)
COMMANDS = (
    "approve",
    "reject",
    "complete",
    "abstain",
    "return",
    "transfer",
    "delegate",
    "add-signer",
    "comment",
)
POSITIONS = ("before", "after", "parallel")


@router.get("/inbox", response_model=None)
def inbox_page(
    request: Request,
    session: SessionDep,
    tab: Tab = "todo",
    page: Annotated[int, Query(ge=0, le=10_000)] = 0,
    message: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    viewer = viewer_of(request, session)
    flows = request.app.state.runs
    found = flows.inbox(session, viewer.actor, tab, limit=PAGE, offset=page * PAGE)
    now = request.app.state.clock()
    labels = FormLabels(request, session, viewer.language, viewer)
    labels.read_titles(found["items"])
    items = [entry(item, tab, now, labels, viewer.language) for item in found["items"]]
    context = {
        "tab": tab,
        "tabs": TABS,
        "counts": found["counts"],
        "items": items,
        "total": found["total"],
        "page": page,
        "has_more": (page + 1) * PAGE < found["total"],
        "message": message,
        "person": Names(request, session, (item["initiator"] for item in items), viewer.language),
    }
    partial = (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-target") == "inbox-list"
    )
    return render(
        request, "inbox/_list.html" if partial else "inbox/inbox.html", context, viewer=viewer
    )


@router.get("/inbox/tasks/{task_id}", response_model=None)
def task_page(request: Request, session: SessionDep, task_id: TaskId) -> Response:
    viewer = viewer_of(request, session)
    return TaskPage(request, session, viewer, task_id).render()


@router.post("/inbox/tasks/{task_id}", response_model=None)
def task_command(
    request: Request, session: SessionDep, task_id: TaskId, sent: FormListsDep
) -> Response:
    """Approve, reject, return, transfer or comment, with the comment of the form."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    action = first(sent, "action", "")
    comment = (first(sent, "comment", "") or "").strip() or None
    version_text = first(sent, "version", "")
    version = int(version_text) if version_text and version_text.isdigit() else None
    page = TaskPage(request, session, viewer, task_id)
    me = viewer.username
    _ = translations(viewer.language).gettext
    try:
        if action not in COMMANDS:
            raise Invalid(
                f"unknown action {action!r}",
                code="validation_failed",
                zh_cn=f"未知的操作 {action!r}",
            )
        target = first(sent, "target", "initiator") or "initiator"
        field = "delegate_to" if action == "delegate" else "to"
        to = (first(sent, field, "") or "").strip()
        signers = tuple(dict.fromkeys((first(sent, "signers", "") or "").replace(",", " ").split()))
        position = first(sent, "position", "before")
        if action in ("transfer", "delegate") and not to:
            raise Invalid(
                _("name the user who takes the task"),
                code="validation_failed",
                zh_cn="请填写接手任务的用户",
            )
        if action == "add-signer" and (not signers or position not in POSITIONS):
            raise Invalid(
                _("name the users to add and where"),
                code="validation_failed",
                zh_cn="请填写要加签的用户及加签位置",
            )
        if action == "comment" and not comment:
            raise Invalid(
                _("a comment needs its text"),
                code="validation_failed",
                zh_cn="请填写评论内容",
            )
        makers = {
            "approve": lambda task, expected: Approve(me, task, expected, comment),
            "reject": lambda task, expected: Reject(me, task, expected, comment),
            "complete": lambda task, expected: Complete(me, task, expected, comment),
            "abstain": lambda task, expected: Abstain(me, task, expected, comment),
            "return": lambda task, expected: Return(me, task, target, "rerun", expected, comment),
            "transfer": lambda task, expected: Transfer(me, task, to, expected, comment),
            "delegate": lambda task, expected: Delegate(me, task, to, expected, comment),
            "add-signer": lambda task, expected: AddSigner(
                me, task, signers, position, expected, comment
            ),
            "comment": lambda task, expected: Comment(me, comment or "", task, expected),
        }
        request.app.state.runs.task_command(
            session,
            viewer.actor,
            task_id,
            makers[action],
            expected_version=version,
            key=None,
            comment=comment,
            action=action,
        )
    except PlatformError as exc:
        session.rollback()
        return page.render(problem=exc, comment=comment or "")
    if action in ("comment", "add-signer"):  # the task stays the viewer's: back to it
        return RedirectResponse(f"/inbox/tasks/{task_id}", status_code=303)
    return RedirectResponse(f"/inbox?tab=done&message={action}", status_code=303)


@router.post("/inbox/batch", response_model=None)
def batch_confirm(request: Request, session: SessionDep, sent: FormListsDep) -> Response:
    """What will be approved, for a last look before it is done."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    chosen = [int(v) for v in sent.get("task", []) if v.isdigit()][:100]
    flows = request.app.state.runs
    found = flows.inbox(session, viewer.actor, "todo", limit=200, offset=0)
    now = request.app.state.clock()
    labels = FormLabels(request, session, viewer.language, viewer)
    labels.read_titles([item for item in found["items"] if item["id"] in chosen])
    items = [
        entry(item, "todo", now, labels, viewer.language)
        for item in found["items"]
        if item["id"] in chosen
    ]
    if first(sent, "confirmed") != "yes":
        person = Names(request, session, (i["initiator"] for i in items), viewer.language)
        context = {"items": items, "person": person}
        return render(request, "inbox/batch.html", context, viewer=viewer)
    comment = (first(sent, "comment", "") or "").strip() or None
    pairs = [(item["id"], item["version"]) for item in items]
    results = flows.batch_approve(session, viewer.actor, pairs, comment)
    approved = sum(1 for result in results if result.get("ok"))
    refused = [result for result in results if not result.get("ok")]
    return render(
        request,
        "inbox/batch_done.html",
        {"approved": approved, "refused": refused},
        viewer=viewer,
    )


# ---------------------------------------------------------------- helpers


class TaskPage:
    def __init__(self, request: Request, session: Session, viewer: Viewer, task_id: int) -> None:
        self.request = request
        self.session = session
        self.viewer = viewer
        flows = request.app.state.runs
        self.view = flows.task_view(session, viewer.actor, task_id)
        self.detail = flows.detail(session, viewer.actor, self.view["task"]["instance"])

    def render(self, *, problem: PlatformError | None = None, comment: str = "") -> Response:
        view, detail, language = self.view, self.detail, self.viewer.language
        records = self.request.app.state.records
        form = records.form(self.session, detail["app"], detail["form"])
        levels = view["fields"]
        fields = []
        named = People(
            self.request, self.session, self.viewer, form.definition.fields, [view["record"]]
        )
        for item in form.definition.fields:
            if item.key not in levels or item.key not in view["record"]:
                continue
            value = named.named(view["record"][item.key], item)
            cell = shown(value, item, Levels(item.key, levels[item.key]), language)
            fields.append({"label": text_in(item.label, language), "value": cell})
        labels = FormLabels(self.request, self.session, language)
        steps = [step for step in detail["timeline"] if step["action"] != "notified"]
        labels_of = {node["id"]: node.get("label") for node in detail["diagram"]["nodes"]}
        names = {
            node["id"]: node_name(node.get("label"), node["type"], node["id"], language)
            for node in detail["diagram"]["nodes"]
        }
        people = [detail["initiator"], *(step["actor"] for step in steps)]
        return render(
            self.request,
            "inbox/task.html",
            {
                "task": view["task"],
                "node": names[view["node"]["id"]],
                "form_label": labels.of(detail["app"], detail["form"]),
                "title": title_of(view["record"], form.definition.fields),
                "detail": detail,
                "started": when(detail["started_at"]),
                "fields": fields,
                "commands": [c for c in view["commands"] if c in COMMANDS],
                "targets": [
                    {"id": target, "label": names.get(target, target)}
                    for target in view.get("return_targets", [])
                ],
                "timeline": [
                    {
                        "at": when(step["at"]),
                        "actor": step["actor"],
                        "node": text_in(labels_of.get(step.get("node") or ""), language),
                        "action": step["action"],
                        "comment": step.get("comment"),
                    }
                    for step in steps
                ],
                "person": Names(self.request, self.session, people, language),
                "problem": problem,
                "comment": comment,
            },
            viewer=self.viewer,
        )


class Levels:
    """The one field level a task view gives, in the shape `shown` reads (`levels.get`)."""

    def __init__(self, key: str, level: str) -> None:
        self.levels = {key: FieldLevel.MASKED if level == "masked" else FieldLevel.READ}


class FormLabels:
    """Published forms' labels, read once per page, and the titles of records the viewer may
    read (an approver without rights on the form sees the form's label only)."""

    def __init__(
        self, request: Request, session: Session, language: str, viewer: Viewer | None = None
    ) -> None:
        self.metadata = request.app.state.metadata
        self.records = request.app.state.records
        self.session = session
        self.language = language
        self.viewer = viewer
        self.found: dict[tuple[str, str], str] = {}
        self.titles: dict[str, str] = {}

    def read_titles(self, items: list[dict[str, Any]]) -> None:
        """The titles of the records of a page of the inbox, one read per form."""
        if self.viewer is None:
            return
        wanted: dict[tuple[str, str], list[str]] = {}
        for item in items:
            flow = item.get("flow") or item
            if flow.get("record"):
                wanted.setdefault((flow["app"], flow["form"]), []).append(flow["record"])
        for (app, form), ids in wanted.items():
            found = self.records.titles(self.session, self.viewer.actor, app, form, ids)
            self.titles.update(found)

    def title(self, record: str) -> str:
        return self.titles.get(record, "")

    def of(self, app: str, form: str) -> str:
        if (app, form) not in self.found:
            try:
                definition = self.metadata.definition(self.session, app, Kind.FORM, form)
                label = text_in((definition.draft or {}).get("label"), self.language)
            except PlatformError:
                label = ""
            self.found[(app, form)] = label or form
        return self.found[(app, form)]


def entry(
    item: dict[str, Any], tab: str, now: datetime, labels: FormLabels, language: str
) -> dict[str, Any]:
    """One row of the inbox."""
    flow = item.get("flow") or item
    started = parse(flow.get("started_at"))
    created = parse(item.get("created_at")) or started
    due = parse(item.get("due"))
    sla = None
    if tab == "todo" and due is not None:
        sla = "overdue" if due < now else "soon" if due - now < DUE_SOON else "on_time"
    return {
        "id": item.get("id") if tab != "initiated" else None,
        "version": item.get("version"),
        "instance": flow.get("id"),
        "app": flow.get("app"),
        "form": flow.get("form"),
        "record": flow.get("record"),
        "form_label": labels.of(flow.get("app", ""), flow.get("form", "")),
        "title": labels.title(flow.get("record", "")),
        "node": node_name(
            item.get("node_label"),
            TASK_KINDS.get(item.get("kind", "")),
            item.get("node", ""),
            language,
        )
        if item.get("node")
        else "",
        "initiator": flow.get("initiator"),
        "status": flow.get("status"),
        "outcome": item.get("outcome"),
        "waited": waited(now - created, language) if created else "",
        "at": when(item.get("closed_at") or item.get("created_at") or flow.get("started_at")),
        "due": when(due) if due else "",
        "sla": sla,
    }


def parse(value: Any) -> datetime | None:
    if not value:
        return None
    found = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def waited(span: timedelta, language: str) -> str:
    hours = int(span.total_seconds() // 3600)
    if hours >= 48:
        return f"{hours // 24} 天" if language == "zh-CN" else f"{hours // 24} days"
    if hours >= 1:
        return f"{hours} 小时" if language == "zh-CN" else f"{hours} h"
    minutes = max(0, int(span.total_seconds() // 60))
    return f"{minutes} 分钟" if language == "zh-CN" else f"{minutes} min"


# ---------------------------------------------------------------- administering an app's tasks


@router.get("/apps/{app}/flow-tasks", response_model=None)
def app_tasks_page(
    request: Request,
    session: SessionDep,
    app: AppKey,
    assignee: Annotated[str, Query(max_length=128)] = "",
    overdue: bool = False,
    page: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """The open tasks of the app's flows for its administrators: who holds what, what is
    overdue, and a form that gives all of one holder's tasks to someone else."""
    viewer = viewer_of(request, session)
    return _app_tasks(request, session, viewer, app, assignee.strip(), overdue, page, {})


@router.post("/apps/{app}/flow-tasks/handover", response_model=None)
def hand_over_page(
    request: Request, session: SessionDep, app: AppKey, sent: FormListsDep
) -> Response:
    """Give every open task of one holder to someone else; the list of what that holder
    still holds then shows how many went and why any was refused."""
    viewer = viewer_of(request, session, csrf=first(sent, "csrf_token"))
    holder = (first(sent, "from", "") or "").strip()
    to = (first(sent, "to", "") or "").strip()
    reason = first(sent, "reason", "") or ""
    try:
        if not holder or not to:
            said = translations(viewer.language).gettext("name whose tasks go and who takes them")
            raise Invalid(said, code="validation_failed", zh_cn="请填写交出任务的人和接手任务的人")
        done = request.app.state.runs.hand_over(session, viewer.actor, app, holder, to, reason)
    except PlatformError as exc:
        session.rollback()
        return _app_tasks(request, session, viewer, app, holder, False, 0, {"problem": exc})
    refusals = [result for result in done["results"] if not result["ok"]]
    outcome = {"moved": len(done["results"]) - len(refusals), "refusals": refusals}
    return _app_tasks(request, session, viewer, app, holder, False, 0, outcome)


def _app_tasks(
    request: Request,
    session: Session,
    viewer: Viewer,
    app: str,
    assignee: str,
    overdue: bool,
    page: int,
    outcome: dict[str, Any],
) -> Response:
    found = request.app.state.runs.app_tasks(
        session,
        viewer.actor,
        app,
        assignee=assignee or None,
        overdue=overdue,
        limit=PAGE,
        offset=page * PAGE,
    )
    now = request.app.state.clock()
    labels = FormLabels(request, session, viewer.language, viewer)
    labels.read_titles(found["items"])
    items = [
        {**entry(item, "todo", now, labels, viewer.language), "assignee": item["assignee"]}
        for item in found["items"]
    ]
    stopped = request.app.state.runs.app_instances(
        session, viewer.actor, app, status="incident", limit=PAGE
    )
    labels.read_titles([{"flow": item} for item in stopped["items"]])  # as the inbox lists them
    flow_labels = {
        key: flow_label(request, session, app, key, viewer.language)
        for key in {item["flow"] for item in stopped["items"]}
    }
    context = {
        "app": app,
        "stopped": [
            {
                "title": labels.title(item["record"]),
                "form_label": labels.of(item["app"], item["form"]),
                "href": f"/apps/{item['app']}/forms/{item['form']}/records/{item['record']}",
                "flow": flow_labels[item["flow"]],
                "started": when(item["started_at"]),
            }
            for item in stopped["items"]
        ],
        "stopped_total": stopped["total"],
        "items": items,
        "total": found["total"],
        "assignee": assignee,
        "overdue": overdue,
        "page": page,
        "has_more": (page + 1) * PAGE < found["total"],
        "person": Names(
            request,
            session,
            (name for i in items for name in (i["assignee"], i["initiator"])),
            viewer.language,
        ),
        "nav": navigation(request, session, viewer, app),
        **outcome,
    }
    problem = outcome.get("problem")
    status = 200 if problem is None else status_of(problem)
    return render(request, "inbox/app_tasks.html", context, viewer=viewer, status=status)
