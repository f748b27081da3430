"""The security rules a security administrator may change while the platform runs: password
policy, lockout, idle timeout, session and API-token lifetimes.

The deployment's settings (``BRICKWORK_*``) are the defaults; changed values are kept in the
database (``instance_settings``, key ``security``), audited with before and after
(``security.settings``), applied at once in the process that saved them and read by every
other server process within ``REFRESH_SECONDS``. Each value has bounds that keep it within
what a regulated bank accepts (a password of at least 8 characters, at most 20 wrong
passwords before a lock, ...); a value outside them is refused with its pointer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from brickwork.platform.actor import Actor
from brickwork.platform.auth.identity import IdentityConfig
from brickwork.platform.auth.permissions import PermissionService
from brickwork.platform.auth.roles import SECURITY_ADMIN
from brickwork.platform.auth.service import IdentityService
from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.errors import ErrorItem, Invalid
from brickwork.platform.models import InstanceSetting
from brickwork.settings import Settings

KEY = "security"
REFRESH_SECONDS = 30
BOUNDS: dict[str, tuple[int, int]] = {
    "password_min_length": (8, 128),
    "password_min_classes": (1, 4),
    "password_history": (0, 24),
    "password_max_age_days": (0, 365),
    "lockout_attempts": (3, 20),
    "lockout_minutes": (1, 1440),
    "lockout_per_source": (1, 20),
    "idle_timeout_minutes": (1, 480),
    "session_hours": (1, 72),
    "token_days": (1, 3650),
    "token_max_days": (1, 3650),
}
"""What may be changed, with the least and greatest value of each."""


class SecuritySettings:
    def __init__(
        self, *, identities: IdentityService, settings: Settings, clock: Clock = system_clock
    ) -> None:
        self.identities = identities
        self.settings = settings
        self.clock = clock
        self.changed: dict[str, int] = {}

    def values(self) -> dict[str, Any]:
        """Every changeable rule in force, whether it was changed here, and its bounds."""
        return {
            key: {
                "value": self.changed.get(key, getattr(self.settings, key)),
                "default": getattr(self.settings, key),
                "changed": key in self.changed,
                "min": low,
                "max": high,
            }
            for key, (low, high) in BOUNDS.items()
        }

    def load(self, session: Session) -> None:
        """The rules as saved (a server process calls this at start and every 30 seconds)."""
        row = session.get(InstanceSetting, KEY)
        found = row.value if row is not None and isinstance(row.value, dict) else {}
        changed = {k: v for k, v in found.items() if k in BOUNDS and isinstance(v, int)}
        if changed != self.changed:
            self._apply(changed)

    def change(self, session: Session, actor: Actor, sent: dict[str, Any]) -> dict[str, Any]:
        """Change some rules (the security administrator's); every refused value is named."""
        PermissionService.require_admin(actor, SECURITY_ADMIN, "identity")
        self.load(session)
        wanted = {**self.changed}
        problems: list[ErrorItem] = []
        for key, value in sent.items():
            if key not in BOUNDS:
                problems.append(ErrorItem(f"/{key}", "unknown_setting", "not a changeable rule"))
                continue
            low, high = BOUNDS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                message = f"a whole number from {low} to {high}"
                problems.append(ErrorItem(f"/{key}", "setting_out_of_range", message))
                continue
            wanted[key] = value
        merged = {key: wanted.get(key, getattr(self.settings, key)) for key in BOUNDS}
        if merged["lockout_per_source"] > merged["lockout_attempts"]:
            problems.append(
                ErrorItem(
                    "/lockout_per_source",
                    "setting_out_of_range",
                    "at most the wrong passwords before a lock",
                )
            )
        if merged["token_days"] > merged["token_max_days"]:
            problems.append(
                ErrorItem("/token_days", "setting_out_of_range", "at most the longest lifetime")
            )
        if problems:
            raise Invalid(
                f"{len(problems)} rule(s) refused; nothing was changed",
                code="settings_invalid",
                errors=problems,
                zh_cn=f"有 {len(problems)} 条规则被拒绝：未做任何更改",
            )
        wanted = {k: v for k, v in wanted.items() if v != getattr(self.settings, k)}
        before = {key: self.changed.get(key, getattr(self.settings, key)) for key in BOUNDS}
        row = session.get(InstanceSetting, KEY)
        if row is None:
            session.add(InstanceSetting(key=KEY, value=wanted, updated_at=self.clock()))
        else:
            row.value = wanted
            row.updated_at = self.clock()
        session.flush()
        self._apply(wanted)
        after = {key: self.changed.get(key, getattr(self.settings, key)) for key in BOUNDS}
        differences = {
            key: {"before": before[key], "after": after[key]}
            for key in BOUNDS
            if before[key] != after[key]
        }
        self.identities.audit.record(
            session,
            actor,
            "security.settings",
            object_type="settings",
            object_id=KEY,
            details={"changes": differences},
        )
        return self.values()

    def _apply(self, changed: dict[str, int]) -> None:
        self.changed = dict(changed)
        overrides: dict[str, Any] = dict(changed)
        effective = replace(self.settings, **overrides)
        self.identities.use_config(IdentityConfig.from_settings(effective))
