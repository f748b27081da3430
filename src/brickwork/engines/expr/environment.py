"""What an evaluation may know about the world: the injected clock, the user and the limits.

The platform builds one `EvaluationContext` per request (or per flow step) and passes it to
`evaluate`. Nothing in the engine reads the real clock or the environment; `NOW()`/`TODAY()`
and `$now`/`$today`/`$user` come from here, and so does the business calendar the working-day
functions (`add working days`, ...) use: without one they yield null plus `E_NO_CALENDAR`; and
the parameter tables the `parameter` functions read: without them null plus `E_NO_PARAMETERS`.
This module must stay free of I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from brickwork.engines.expr.limits import DEFAULT_LIMITS, Limits


class WorkingCalendar(Protocol):
    """What the working-day functions need from a business calendar (the platform passes one,
    e.g. `brickwork.engines.rules.calendar.BusinessCalendar`). Methods raise `ValueError` for
    dates they cannot work with (out of range)."""

    def is_working_day(self, day: date) -> bool: ...

    def add_working_days(self, day: date, days: int) -> date: ...

    def working_days_between(self, start: date, end: date) -> int: ...


class ParameterSource(Protocol):
    """What the parameter functions need (the platform passes one, e.g.
    `brickwork.engines.rules.parameters.ParameterSet`). Values are expression values (Decimal,
    str, bool, date, lists, dicts). A missing table or key, or no value in force on `day`,
    raises a `LookupError` whose `code` attribute is a stable code."""

    def parameter(self, table: str, key: str, day: date) -> Any: ...

    def parameters(self, table: str, day: date) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class EvaluationContext:
    now: datetime | None = None
    user: Mapping[str, Any] | None = None
    limits: Limits = DEFAULT_LIMITS
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Further `$name` values the platform wants to expose (e.g. `$record`)."""
    calendar: WorkingCalendar | None = None
    """The business calendar of this evaluation (working-day functions); None: no calendar."""
    parameters: ParameterSource | None = None
    """The parameter tables this evaluation may read; None: none."""

    @property
    def today(self) -> date | None:
        return None if self.now is None else self.now.date()

    def dollar(self, name: str) -> Any:
        """The value of `$name` (`$now`, `$today`, `$user`, or an `extra` entry)."""
        if name == "$now":
            return self.now
        if name == "$today":
            return self.today
        if name == "$user":
            return dict(self.user) if self.user is not None else None
        return self.extra.get(name[1:])


EMPTY_CONTEXT = EvaluationContext()
