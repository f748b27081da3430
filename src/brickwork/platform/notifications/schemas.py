"""Bodies and replies of the notification endpoints."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class WebhookBody(BaseModel):
    """A webhook target: where notices are POSTed and the secret that signs them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Annotated[str, StringConstraints(min_length=8, max_length=2000)] = Field(
        description="https://... (http:// only to hosts in BRICKWORK_WEBHOOK_HTTP_HOSTS)"
    )
    secret: Annotated[str, StringConstraints(min_length=16, max_length=500)] | None = Field(
        default=None,
        description="The HMAC-SHA256 signing secret (at least 16 characters); required when "
        "the webhook is created, kept when left out of a change. Never shown again.",
    )
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
