"""Acceptance scenarios of a pack: steps through the HTTP API with expected outcomes.

A scenario (`scenarios/*.json` in a pack) is::

    {
      "title": "Cash exactly at CNY 50,000 is a large-value transaction",
      "covers": "boundary: exactly at the threshold",
      "users": {"teller": {"roles": ["aml_teller"], "departments": ["sh"]}},
      "steps": [
        {"as": "teller", "method": "POST", "path": "/apps/aml/forms/transaction/records",
         "body": {"amount": 50000, ...},
         "expect": {"status": 201, "body": {"large_value": true}},
         "save": {"txn": "id"}},
        {"as": "teller", "method": "GET", "path": "/apps/aml/forms/transaction/records/{txn}",
         "expect": {"status": 200}}
      ]
    }

Paths are under `/api/v1`; `{name}` in a path or in a string of a body is replaced by a value
saved by an earlier step (`save` names a top-level field of the reply, or a JSON pointer). The
expected body is matched as a subset: objects by the keys given, lists element by element (same
length), numbers by value (`50000` matches `"50000.00"`), other values exactly. Users are
created with the roles named (and departments, created when missing) and signed in with a
one-off password; each scenario starts from the pack as installed, with no records of earlier
scenarios when the runner gives it a fresh database.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from brickwork import jsonio

API = "/api/v1"
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


class Client(Protocol):
    """What a scenario needs of an HTTP client (an `httpx.Client` or a test client)."""

    headers: Any

    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScenarioUser(_Strict):
    roles: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()


class Expectation(_Strict):
    status: int = Field(ge=100, le=599)
    body: Any = None


class Step(_Strict):
    as_: str = Field(alias="as")
    method: str = Field(pattern=r"^(GET|POST|PUT|PATCH|DELETE)$")
    path: str = Field(pattern=r"^/")
    body: Any = None
    expect: Expectation
    save: dict[str, str] = Field(default_factory=dict)
    note: str = ""


class Scenario(_Strict):
    title: str = Field(min_length=1, max_length=300)
    covers: str = Field(default="", max_length=500)
    users: dict[str, ScenarioUser] = Field(min_length=1)
    steps: tuple[Step, ...] = Field(min_length=1)


@dataclass
class StepFailure:
    step: int
    message: str


@dataclass
class ScenarioResult:
    name: str
    title: str
    failures: list[StepFailure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def parse_scenario(document: Any) -> Scenario:
    return Scenario.model_validate(document)


def scenario_problems(document: Any) -> list[str]:
    try:
        scenario = parse_scenario(document)
    except ValidationError as exc:
        return [
            "".join(f"/{part}" for part in error["loc"]) + f": {error['msg']}"
            for error in exc.errors()
        ]
    unknown = sorted({step.as_ for step in scenario.steps} - set(scenario.users))
    return [f"/steps: unknown user {name!r}" for name in unknown]


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def mismatch(expected: Any, actual: Any, pointer: str = "") -> str | None:
    """Where `actual` does not match `expected` (a subset match), or None."""
    if isinstance(expected, dict):
        return _object_mismatch(expected, actual, pointer)
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{pointer or '/'}: expected {len(expected)} item(s), got {actual!r}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            found = mismatch(want, got, f"{pointer}/{index}")
            if found:
                return found
        return None
    if isinstance(expected, bool) or isinstance(actual, bool):
        same = type(expected) is type(actual) and expected == actual
    elif not isinstance(expected, str) and expected is not None:
        want, got = _number(expected), _number(actual)
        same = want == got if want is not None and got is not None else expected == actual
    else:
        same = expected == actual
    return None if same else f"{pointer}: expected {expected!r}, got {actual!r}"


def _object_mismatch(expected: dict[str, Any], actual: Any, pointer: str) -> str | None:
    if not isinstance(actual, dict):
        return f"{pointer or '/'}: expected an object, got {actual!r}"
    for key, value in expected.items():
        if key not in actual:
            return f"{pointer}/{key}: missing"
        found = mismatch(value, actual[key], f"{pointer}/{key}")
        if found:
            return found
    return None


def _fill(value: Any, saved: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole and whole.group(1) in saved:
            return saved[whole.group(1)]
        return PLACEHOLDER.sub(lambda m: str(saved.get(m.group(1), m.group(0))), value)
    if isinstance(value, list):
        return [_fill(item, saved) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, saved) for key, item in value.items()}
    return value


def _pick(body: Any, where: str) -> Any:
    if not where.startswith("/"):
        return body.get(where) if isinstance(body, dict) else None
    for part in where.strip("/").split("/"):
        if isinstance(body, dict):
            body = body.get(part)
        elif isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        else:
            return None
    return body


def one_off_password() -> str:
    return f"Sc-{secrets.token_urlsafe(12)}-9b"


class ScenarioRunner:
    """Runs scenarios with clients of one server. `add_user(username, password, roles,
    departments)` creates a user the platform's way (the caller commits it); `new_client()`
    returns a client without credentials."""

    def __init__(
        self,
        *,
        new_client: Callable[[], Any],
        add_user: Callable[[str, str, tuple[str, ...], tuple[str, ...]], None],
    ) -> None:
        self.new_client = new_client
        self.add_user = add_user
        self._runs = 0

    def run(self, name: str, document: Any) -> ScenarioResult:
        problems = scenario_problems(document)
        title = document.get("title", name) if isinstance(document, dict) else name
        result = ScenarioResult(name, str(title))
        if problems:
            result.failures = [StepFailure(0, problem) for problem in problems]
            return result
        scenario = parse_scenario(document)
        self._runs += 1
        clients = {
            alias: self._signed_in(f"{alias}.s{self._runs}", user)
            for alias, user in scenario.users.items()
        }
        saved: dict[str, Any] = {}
        for number, step in enumerate(scenario.steps, start=1):
            failure = self._step(clients[step.as_], step, saved)
            if failure:
                result.failures.append(StepFailure(number, failure))
                break
        return result

    def _signed_in(self, username: str, user: ScenarioUser) -> Client:
        password = one_off_password()
        self.add_user(username, password, user.roles, user.departments)
        client: Client = self.new_client()
        reply = client.request(
            "POST", f"{API}/auth/login", json={"username": username, "password": password}
        )
        if reply.status_code != 200:
            raise RuntimeError(f"{username} cannot sign in: {reply.status_code} {reply.text}")
        client.headers["X-CSRF-Token"] = reply.json()["csrf_token"]
        return client

    @staticmethod
    def _step(client: Client, step: Step, saved: dict[str, Any]) -> str | None:
        path = _fill(step.path, saved)
        options: dict[str, Any] = {}
        if step.body is not None:  # exact numbers as written (Decimal), never through a float
            options["content"] = jsonio.dumps(_fill(step.body, saved))
            options["headers"] = {"Content-Type": "application/json"}
        reply = client.request(step.method, f"{API}{path}", **options)
        try:
            body = reply.json()
        except ValueError:
            body = None
        if reply.status_code != step.expect.status:
            return (
                f"{step.method} {path}: expected status {step.expect.status}, got "
                f"{reply.status_code}: {reply.text[:500]}"
            )
        if step.expect.body is not None:
            found = mismatch(_fill(step.expect.body, saved), body)
            if found:
                return f"{step.method} {path}: {found}"
        for name, where in step.save.items():
            saved[name] = _pick(body, where)
        return None
