"""Password hashing (argon2id through argon2-cffi) and the password policy.

Pure apart from hashing: no database, no clock, no logging. A password never leaves this module
except as an argon2id hash; error messages never quote it.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from brickwork.platform.errors import ErrorItem

MAX_PASSWORD_LENGTH = 1024
"""Longer inputs are refused before hashing, so nobody can make the server hash megabytes."""

CLASSES = (
    ("lower", frozenset(string.ascii_lowercase)),
    ("upper", frozenset(string.ascii_uppercase)),
    ("digit", frozenset(string.digits)),
)


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Deployment rules for new passwords (``BRICKWORK_PASSWORD_*`` settings)."""

    min_length: int = 12
    min_classes: int = 3
    history: int = 4

    def problems(
        self, password: str, *, username: str, pointer: str = "/new_password"
    ) -> list[ErrorItem]:
        """Every rule the password breaks, each with its stable code (reuse is checked apart,
        because it needs the stored hashes)."""
        found: list[ErrorItem] = []
        if len(password) < self.min_length:
            found.append(
                ErrorItem(
                    pointer,
                    "password_too_short",
                    f"use at least {self.min_length} characters",
                )
            )
        if len(password) > MAX_PASSWORD_LENGTH:
            found.append(
                ErrorItem(
                    pointer,
                    "password_too_long",
                    f"use at most {MAX_PASSWORD_LENGTH} characters",
                )
            )
        if character_classes(password) < min(self.min_classes, 4):
            found.append(
                ErrorItem(
                    pointer,
                    "password_classes",
                    f"mix at least {self.min_classes} of: lower-case letters, upper-case letters,"
                    " digits, symbols",
                )
            )
        name = username.strip().casefold()
        if name and name in password.casefold():
            found.append(
                ErrorItem(
                    pointer,
                    "password_contains_username",
                    "the password must not contain the user name",
                )
            )
        return found


def character_classes(password: str) -> int:
    """How many of lower, upper, digit and symbol (anything else) the password uses."""
    used = {name for name, chars in CLASSES for c in password if c in chars}
    if any(not any(c in chars for _name, chars in CLASSES) for c in password):
        used.add("symbol")
    return len(used)


class Hasher:
    """argon2id hashing with a named cost profile (``BRICKWORK_ARGON2_PROFILE``)."""

    def __init__(self, profile: str = "default") -> None:
        if profile == "default":
            self._hasher = PasswordHasher()  # argon2-cffi's RFC 9106 recommendation
        elif profile == "test":
            self._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        else:
            raise ValueError(f"unknown argon2 profile {profile!r}")
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        """True when the password matches; False for a mismatch or an unreadable hash."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return False
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def prime(self) -> None:
        """Create the dummy hash now (once per process), so that the first unknown name does not
        answer more slowly than a known one; sign-in calls it whatever the name."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hash(secrets.token_urlsafe(16))

    def verify_dummy(self, password: str) -> None:
        """Spend the time of one verification, so an unknown user name answers as slowly as a
        wrong password (no user enumeration by timing)."""
        self.prime()
        assert self._dummy_hash is not None
        self.verify(self._dummy_hash, password[:MAX_PASSWORD_LENGTH])

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def matches_any(self, hashes: Iterable[str], password: str) -> bool:
        # Check every hash (no early exit), so timing says nothing about which one matched.
        results = [self.verify(stored, password) for stored in hashes]
        return any(results)
