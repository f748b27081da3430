"""Sending outbound notices: e-mail over SMTP and webhooks over HTTP(S), each a job of the
job queue (decision 0008), so a notice is sent only if its cause committed, and a failed
attempt (an unreachable server, a non-2xx answer) is retried with backoff.

Webhook requests are signed: `X-Brickwork-Signature: sha256=<hex>` is the HMAC-SHA256, under
the target's secret, of `<X-Brickwork-Timestamp>.<body>`; `X-Brickwork-Delivery` is the same on
every attempt of one notice (receivers de-duplicate by it). Redirects are not followed and no
proxy from the environment is used: a request goes to the registered URL only.
"""

from __future__ import annotations

import hmac
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from brickwork.settings import Settings, SettingsError

SIGNATURE_HEADER = "X-Brickwork-Signature"
TIMESTAMP_HEADER = "X-Brickwork-Timestamp"
DELIVERY_HEADER = "X-Brickwork-Delivery"
SMTP_SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: str
    """`plain`, `starttls` (upgrade after connecting) or `tls` (TLS from the start)."""
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP server of `BRICKWORK_SMTP_URL` (None when not configured)."""
    if not settings.smtp_url:
        return None
    parts = urlsplit(settings.smtp_url)
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise SettingsError(
            "BRICKWORK_SMTP_URL must be smtp://, smtp+starttls:// or smtps://[user:password@]"
            "host[:port]"
        )
    security, default_port = SMTP_SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise SettingsError("BRICKWORK_SMTP_URL has an invalid port") from None
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        security=security,
        sender=settings.mail_from or f"brickwork@{parts.hostname}",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=settings.smtp_timeout_seconds,
    )


def one_line(text: str) -> str:
    """Header-safe text: no line breaks (no header injection from a rendered subject)."""
    return " ".join(text.split())


def send_mail(config: SmtpConfig, *, to: str, subject: str, body: str, message_id: str) -> None:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = one_line(subject)
    message["Message-ID"] = message_id
    message.set_content(body)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.security == "tls":
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with client:
        if config.security == "starttls":
            client.starttls(context=context)
        if config.username:
            client.login(config.username, config.password or "")
        client.send_message(message)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of `X-Brickwork-Signature` for a request."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, "sha256")
    return f"sha256={digest.hexdigest()}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx answer fails the attempt


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


class WebhookFailed(Exception):
    """The receiver did not answer 2xx (the job is retried)."""


def post_webhook(
    url: str, secret: str, body: bytes, *, delivery: str, timestamp: str, timeout: float
) -> int:
    """POST `body` (JSON) to `url`, signed; the status, or `WebhookFailed` unless 2xx."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Brickwork-Webhook",
            SIGNATURE_HEADER: signature(secret, timestamp, body),
            TIMESTAMP_HEADER: timestamp,
            DELIVERY_HEADER: delivery,
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        raise WebhookFailed(f"the webhook answered {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise WebhookFailed(f"the webhook could not be reached: {exc}") from None
    if not 200 <= status < 300:
        raise WebhookFailed(f"the webhook answered {status}")
    return status
