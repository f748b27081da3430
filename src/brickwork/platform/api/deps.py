"""Request-scoped dependencies: the unit of work (one commit per request) and the actor."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from brickwork.platform.auth.actor import Actor

ACTOR_HEADER = "X-Brickwork-User"


def unit_of_work(request: Request) -> Iterator[Session]:
    """The request owns the transaction: commit once when the endpoint succeeds."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def current_actor(
    request: Request,
    user: Annotated[str | None, Header(alias=ACTOR_HEADER, max_length=128)] = None,
) -> Actor:
    """Until sign-in exists, the acting user is named by header or is the bootstrap admin."""
    return Actor(
        username=user or request.app.state.settings.bootstrap_admin,
        ip=request.client.host if request.client else None,
        request_id=getattr(request.state, "request_id", None),
        locale=preferred_locale(request.headers.get("accept-language", "")),
    )


def preferred_locale(accept_language: str) -> str:
    """ "zh-CN" when the client prefers Chinese, else "en" (the two languages of the UI)."""
    ranked: list[tuple[Decimal, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = Decimal(1)
        if params.strip().startswith("q="):
            try:
                quality = Decimal(params.strip()[2:])
            except ArithmeticError:
                quality = Decimal(0)
        ranked.append((quality, tag.strip().lower()))
    for _quality, tag in sorted(ranked, key=lambda item: -item[0]):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"


SessionDep = Annotated[Session, Depends(unit_of_work, scope="function")]
ActorDep = Annotated[Actor, Depends(current_actor)]
