"""The acting user, as the auth area hands it out. Defined in ``brickwork.platform.actor``, below
every area, because the audit trail records actors too and sits below auth."""

from brickwork.platform.actor import Actor

__all__ = ["Actor"]
