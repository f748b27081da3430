"""Request-scoped dependencies: the unit of work (one commit per request) and the client's
language. Who is acting comes from ``auth.deps`` (sessions and API tokens only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Annotated

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from brickwork.platform.errors import BadRequest

READ_METHODS = frozenset({"GET", "HEAD"})


async def unit_of_work(request: Request) -> AsyncIterator[Session]:
    """The request owns the transaction: commit once when the endpoint succeeds. GET and HEAD
    requests read in a deferred transaction (``make_read_session_factory``); the others take
    the write lock when they begin.

    ``async``: opening a session does no I/O (its connection is taken at the first statement,
    in the worker thread of whoever runs it), so only the end of the unit of work takes a
    worker thread, once. That hop gets a limiter of its own, as FastAPI gives the exit of a
    synchronous generator: a commit that releases the write lock must never wait for a thread
    held by a request waiting for that lock."""
    state = request.app.state
    reads = request.method in READ_METHODS
    session: Session = (state.read_session_factory if reads else state.session_factory)()
    try:
        yield session
    except BaseException:
        await to_thread.run_sync(_end, session, False, limiter=CapacityLimiter(1))
        raise
    await to_thread.run_sync(_end, session, True, limiter=CapacityLimiter(1))


def _end(session: Session, commit: bool) -> None:
    """Commit (rolling back when that fails) or roll back, then close: one worker-thread hop."""
    try:
        if not commit:
            session.rollback()
            return
        try:
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        session.close()


async def refuse_nul_characters(request: Request) -> None:
    """No database stores U+0000 in text: refuse it in the path and query up front (a clear 400,
    never a database error). ``async``: it does no I/O, so it runs on the event loop instead of
    taking a worker thread (see ``tests/meta/test_pure_dependencies.py``)."""
    if "\x00" in request.url.path or "%00" in request.url.query:
        raise BadRequest(
            "the path or query contains the NUL character (%00); remove it",
            code="nul_character",
            zh_cn="路径或查询参数中含有 NUL 字符（%00）：请删除",
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
