"""``Actor`` lives in ``brickwork.platform.actor`` (below every area); this path still names it."""

from brickwork.platform.actor import Actor

__all__ = ["Actor"]
