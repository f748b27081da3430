"""Initialising an installation: its id and the name of the administrator who set it up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from brickwork import __version__
from brickwork.platform.clock import Clock, new_id, system_clock
from brickwork.platform.models import InstanceSetting
from brickwork.platform.system.repository import InstanceRepository


@dataclass(frozen=True, slots=True)
class InstanceInfo:
    instance_id: str
    admin: str
    created: bool


class InstanceService:
    def __init__(self, *, clock: Clock = system_clock) -> None:
        self.clock = clock
        self.repo = InstanceRepository()

    def initialise(self, session: Session, *, admin: str) -> InstanceInfo:
        """Record the instance once; running it again reports what is there."""
        existing = self.repo.value(session, "instance")
        if existing is not None:
            return InstanceInfo(existing["id"], existing["admin"], created=False)
        now = self.clock()
        value = {
            "id": new_id(),
            "admin": admin,
            "initialised_at": now.isoformat(),
            "initialised_with": __version__,
        }
        self.repo.put(session, InstanceSetting(key="instance", value=value, updated_at=now))
        return InstanceInfo(value["id"], admin, created=True)
