"""Who is acting. Authentication fills this in; until then requests name a user by header."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    username: str
