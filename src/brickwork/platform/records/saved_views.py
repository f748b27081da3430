"""Saved views of a form's record list: a user names what a list shows (quick search, builder
conditions, filter expression, sort, page size, columns) to open it again; a view may be
shared with everyone who may read the form. Only its owner changes or deletes it.

A view is what its owner typed, kept as typed: the list checks it against the form when it is
opened (a field renamed or removed since is named there; rows and fields stay as the reader's
roles allow). Views belong to signed-in users (an API token acts for its user).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brickwork.platform.actor import Actor
from brickwork.platform.clock import Clock, new_id, system_clock
from brickwork.platform.errors import Conflict, ErrorItem, Forbidden, NotFound
from brickwork.platform.models import SavedView
from brickwork.platform.vocabulary import KEY_PATTERN

MAX_VIEWS = 200
Name = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$"
    ),
]
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ViewCondition(Strict):
    field: Key
    operator: Annotated[str, StringConstraints(max_length=16)]
    value: Annotated[str, StringConstraints(max_length=400)] = ""


class ViewQuery(Strict):
    """What the list shows, as its address has it."""

    q: Annotated[str, StringConstraints(max_length=200)] = ""
    filter: Annotated[str, StringConstraints(max_length=4000)] = Field(
        default="", description="A filter expression."
    )
    conditions: list[ViewCondition] = Field(default_factory=list, max_length=20)
    sort: Annotated[str, StringConstraints(max_length=200)] = ""
    size: int = Field(default=20, ge=1, le=100)
    columns: list[Key] = Field(default_factory=list, max_length=100)


class ViewBody(Strict):
    name: Name
    query: ViewQuery = Field(default_factory=ViewQuery)
    shared: bool = Field(default=False, description="Everyone who may read the form sees it.")


class ViewChange(Strict):
    name: Name | None = Field(default=None, description="null: unchanged.")
    query: ViewQuery | None = Field(default=None, description="null: unchanged.")
    shared: bool | None = Field(default=None, description="null: unchanged.")


def view_json(view: SavedView, actor: Actor) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "query": view.query,
        "shared": view.shared,
        "mine": view.user_id == actor.user_id,
        "created_at": view.created_at,
        "updated_at": view.updated_at,
    }


class SavedViews:
    """Saved views, for whoever may read the form (`RecordService.access` decides)."""

    def __init__(self, *, records: Any, clock: Clock = system_clock) -> None:
        self.records = records
        self.clock = clock

    def listing(
        self, session: Session, actor: Actor, app_key: str, form_key: str
    ) -> list[dict[str, Any]]:
        """The actor's views of the form and those shared with its readers, by name."""
        self._reader(session, actor, app_key, form_key)
        rows = session.scalars(
            select(SavedView)
            .where(
                SavedView.app_key == app_key,
                SavedView.form_key == form_key,
                or_(SavedView.user_id == actor.user_id, SavedView.shared.is_(True)),
            )
            .order_by(SavedView.name, SavedView.id)
            .limit(MAX_VIEWS)
        ).all()
        return [view_json(row, actor) for row in rows]

    def create(
        self, session: Session, actor: Actor, app_key: str, form_key: str, body: ViewBody
    ) -> dict[str, Any]:
        user_id = self._reader(session, actor, app_key, form_key)
        self._name_free(session, user_id, app_key, form_key, body.name, None)
        now = self.clock()
        view = SavedView(
            id=new_id(),
            user_id=user_id,
            app_key=app_key,
            form_key=form_key,
            name=body.name.strip(),
            query=body.query.model_dump(),
            shared=body.shared,
            created_at=now,
            updated_at=now,
        )
        session.add(view)
        session.flush()
        return view_json(view, actor)

    def change(
        self,
        session: Session,
        actor: Actor,
        app_key: str,
        form_key: str,
        view_id: str,
        body: ViewChange,
    ) -> dict[str, Any]:
        view = self._own(session, actor, app_key, form_key, view_id)
        if body.name is not None:
            self._name_free(session, view.user_id, app_key, form_key, body.name, view.id)
            view.name = body.name.strip()
        if body.query is not None:
            view.query = body.query.model_dump()
        if body.shared is not None:
            view.shared = body.shared
        view.updated_at = self.clock()
        session.flush()
        return view_json(view, actor)

    def delete(
        self, session: Session, actor: Actor, app_key: str, form_key: str, view_id: str
    ) -> None:
        session.delete(self._own(session, actor, app_key, form_key, view_id))
        session.flush()

    def _reader(self, session: Session, actor: Actor, app_key: str, form_key: str) -> str:
        if actor.user_id is None:
            raise Forbidden(
                "saved views belong to a signed-in user",
                code="views_need_a_user",
                zh_cn="只有登录的用户才能保存视图",
            )
        form = self.records.form(session, app_key, form_key)
        self.records.access(session, actor, form, "read")
        return actor.user_id

    def _own(
        self, session: Session, actor: Actor, app_key: str, form_key: str, view_id: str
    ) -> SavedView:
        self._reader(session, actor, app_key, form_key)
        view = session.get(SavedView, view_id)
        visible = view is not None and (view.user_id == actor.user_id or view.shared)
        if view is None or not visible or (view.app_key, view.form_key) != (app_key, form_key):
            raise NotFound(
                f"there is no view {view_id!r} of this form",
                code="view_not_found",
                zh_cn=f"此表单没有视图 {view_id}",
            )
        if view.user_id != actor.user_id:
            raise Forbidden(
                "only its owner changes a shared view",
                code="view_not_yours",
                zh_cn="共享的视图只能由其创建者修改",
            )
        return view

    def _name_free(
        self,
        session: Session,
        user_id: str,
        app_key: str,
        form_key: str,
        name: str,
        other_than: str | None,
    ) -> None:
        taken = session.scalars(
            select(SavedView.id).where(
                SavedView.user_id == user_id,
                SavedView.app_key == app_key,
                SavedView.form_key == form_key,
                SavedView.name == name.strip(),
            )
        ).first()
        if taken is not None and taken != other_than:
            raise Conflict(
                f"you have a view named {name.strip()!r} of this form; choose another name",
                code="view_name_taken",
                zh_cn=f"您在此表单已有名为“{name.strip()}”的视图：请换一个名称",
                errors=[ErrorItem("/name", "view_name_taken", "this name is taken")],
            )
