"""Time and identifiers, supplied by the platform so engines and services can be tested exactly.

Instants are UTC everywhere they are kept. The business works in Asia/Shanghai: its date
(`today()`, the date in a serial number, the day a rule comes into force, a report's periods)
and its working days are those of Shanghai, which between 00:00 and 08:00 there is a day
ahead of UTC. Engines read dates off the `now` they are given, so the platform gives them
`business_time(now)`: the same instant, seen in Shanghai.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]
BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")
"""Where the business works: its dates, working days and the times the web pages show."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def business_time(moment: datetime) -> datetime:
    """`moment` (an aware instant) as the business's clock on the wall shows it."""
    return moment.astimezone(BUSINESS_ZONE)


def wall_time(moment: datetime) -> datetime:
    """A date-time typed without an offset (a form's input, a spreadsheet cell) as the
    business's wall-clock time; one with an offset as it is."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=BUSINESS_ZONE)


def business_date(moment: datetime) -> date:
    """The business's date at `moment`: the date in Shanghai."""
    return moment.astimezone(BUSINESS_ZONE).date()


def new_id() -> str:
    return str(uuid.uuid4())
