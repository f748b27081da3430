"""Every synchronous FastAPI dependency costs a hop to a worker thread and back. On the records
endpoints (the busiest ones) only dependencies that do I/O may be synchronous; the others
(service look-ups, the actor, request checks) are ``async`` and run on the event loop."""

from __future__ import annotations

import inspect

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from brickwork.platform.api.deps import refuse_nul_characters
from brickwork.platform.records.endpoints import router as records_router

DOING_IO = {"signed_in_identity"}
"""The one dependency that reads the database (it authenticates the caller) and so runs in the
thread pool; the unit of work is ``async`` (opening a session does no I/O; its end takes one hop
of its own)."""


def _sync_dependencies(dependant: Dependant) -> set[str]:
    found: set[str] = set()
    for sub in dependant.dependencies:
        call = sub.call
        if call is not None and not (
            inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)
        ):
            found.add(getattr(call, "__name__", repr(call)))
        found |= _sync_dependencies(sub)
    return found


def test_records_endpoints_take_a_worker_thread_only_for_dependencies_that_do_io() -> None:
    routes = [r for r in records_router.routes if isinstance(r, APIRoute)]
    hot = [r for r in routes if r.name in {"list_records", "create_record", "get_record"}]
    assert len(hot) == 3
    for route in hot:
        assert _sync_dependencies(route.dependant) == DOING_IO, route.name
    # Added to every route of /api/v1 by ``api_router``.
    assert inspect.iscoroutinefunction(refuse_nul_characters)


def test_a_synchronous_pure_dependency_is_noticed() -> None:
    def records() -> None:
        return None

    dependant = Dependant(dependencies=[Dependant(call=records)])
    assert _sync_dependencies(dependant) == {"records"}
