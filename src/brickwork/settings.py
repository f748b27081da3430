"""Deployment settings. This is the only module that reads environment variables.

Every other module receives a ``Settings`` value; nothing else looks at ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

ENV_PREFIX = "BRICKWORK_"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DEFAULT_UPLOAD_QUOTA_BYTES = 1024 * 1024 * 1024
ARGON2_PROFILES = ("default", "test")
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")


class SettingsError(ValueError):
    """An environment variable holds a value that cannot be used."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a Brickwork process needs to know about its deployment."""

    data_dir: Path = field(default_factory=lambda: Path("data").resolve())
    database_url: str | None = None
    secret_key_file: Path | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_import_bytes: int = 50 * 1024 * 1024
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    upload_quota_bytes: int = DEFAULT_UPLOAD_QUOTA_BYTES
    """Bytes of stored uploads one user may hold (all their uploads, deduplicated or not)."""
    max_import_rows: int = 100_000
    auto_upgrade: bool = True
    log_level: str = "INFO"
    bootstrap_admin: str = "admin"
    # Identities (DESIGN §8): password policy, lockout, throttling, session and token lifetimes.
    # The defaults follow 等保 2.0 level 3, PCI DSS 4.0 and JR/T 0171.
    password_min_length: int = 12
    password_min_classes: int = 3
    password_history: int = 4
    password_max_age_days: int = 90
    """0: passwords never expire."""
    lockout_attempts: int = 5
    lockout_minutes: int = 30
    lockout_per_source: int = 2
    """At most this many failures of one source address count toward an account's lock."""
    throttle_free_attempts: int = 5
    throttle_window_minutes: int = 15
    throttle_max_seconds: int = 900
    idle_timeout_minutes: int = 15
    session_hours: int = 12
    token_days: int = 90
    token_max_days: int = 365
    inactive_days: int = 90
    """0: accounts are never disabled for inactivity."""
    inactive_check_minutes: int = 60
    worker: bool = True
    """Run the job worker and scheduler inside the server (scheduled rules, background jobs)."""
    worker_poll_seconds: int = 2
    insecure_cookies: bool = False
    """Development only: the session cookie without ``Secure`` (plain http)."""
    argon2_profile: str = "default"
    """"default": argon2-cffi's recommended cost (RFC 9106); "test": cheap, for test suites only."""
    admin_username: str | None = None
    admin_password: str | None = field(default=None, repr=False)
    # Refusals in the audit trail (see platform/audit/denials.py): per window, the first
    # refusals per source (actor and address) are written one by one, the rest summarised.
    audit_denials_per_source: int = 20
    audit_denials_per_window: int = 600
    audit_denial_window_seconds: int = 60
    secret_keys: str | None = field(default=None, repr=False)
    """The key file's JSON document itself (``BRICKWORK_SECRET_KEYS``), for deployments whose
    secrets arrive in the environment; it then replaces the key file (read only)."""
    # Outbound notifications (platform/notifications): e-mail over SMTP and signed webhooks.
    smtp_url: str | None = field(default=None, repr=False)
    """``smtp://[user:password@]host[:port]`` (``smtp+starttls://`` upgrades with STARTTLS,
    ``smtps://`` speaks TLS from the start); None: e-mail notifications are refused at publish."""
    mail_from: str | None = None
    """The sender of e-mail notifications (default ``brickwork@<SMTP host>``)."""
    smtp_timeout_seconds: int = 30
    webhook_http_hosts: tuple[str, ...] = ()
    """Hosts a webhook may reach over plain http (every other webhook must be https)."""
    webhook_timeout_seconds: int = 10

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite database in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'brickwork.db'}"

    @property
    def is_embedded(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    raw = env.get(ENV_PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{ENV_PREFIX}{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{ENV_PREFIX}{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(ENV_PREFIX + name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{ENV_PREFIX}{name} must be true or false, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = (env.get(ENV_PREFIX + name) or choices[0]).strip().lower()
    if raw not in choices:
        raise SettingsError(f"{ENV_PREFIX}{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _smtp_url(env: Mapping[str, str]) -> str | None:
    """``BRICKWORK_SMTP_URL``, checked now so that a typo stops the process at start."""
    raw = env.get(ENV_PREFIX + "SMTP_URL")
    if not raw:
        return None
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018 - reading it checks the port
    except ValueError:
        raise SettingsError(f"{ENV_PREFIX}SMTP_URL has an invalid port") from None
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise SettingsError(
            f"{ENV_PREFIX}SMTP_URL must be smtp://, smtp+starttls:// or smtps:// "
            "[user:password@]host[:port]"
        )
    if parts.scheme == "smtp" and (parts.username or parts.password) and not _loopback(parts):
        raise SettingsError(
            f"{ENV_PREFIX}SMTP_URL sends its password in clear over plain smtp://: use "
            "smtp+starttls:// or smtps:// (plain smtp:// with credentials only to a relay on "
            "this machine)"
        )
    return raw


def _loopback(parts: SplitResult) -> bool:
    host = (parts.hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the environment (``BRICKWORK_*`` variables)."""
    source = os.environ if env is None else env
    data_dir = Path(source.get(ENV_PREFIX + "DATA_DIR") or "data").expanduser().resolve()
    key_file = source.get(ENV_PREFIX + "SECRET_KEY_FILE")
    return Settings(
        data_dir=data_dir,
        database_url=source.get(ENV_PREFIX + "DATABASE_URL") or None,
        secret_key_file=Path(key_file).expanduser() if key_file else None,
        host=source.get(ENV_PREFIX + "HOST") or DEFAULT_HOST,
        port=_int(source, "PORT", DEFAULT_PORT),
        max_body_bytes=_int(source, "MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
        max_import_bytes=_int(source, "MAX_IMPORT_BYTES", 50 * 1024 * 1024),
        max_upload_bytes=_int(source, "MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES),
        upload_quota_bytes=_int(source, "UPLOAD_QUOTA_BYTES", DEFAULT_UPLOAD_QUOTA_BYTES),
        max_import_rows=_int(source, "MAX_IMPORT_ROWS", 100_000),
        auto_upgrade=_bool(source, "AUTO_UPGRADE", True),
        log_level=(source.get(ENV_PREFIX + "LOG_LEVEL") or "INFO").upper(),
        bootstrap_admin=source.get(ENV_PREFIX + "ADMIN") or "admin",
        password_min_length=_int(source, "PASSWORD_MIN_LENGTH", 12),
        password_min_classes=_int(source, "PASSWORD_MIN_CLASSES", 3),
        password_history=_int(source, "PASSWORD_HISTORY", 4, minimum=0),
        password_max_age_days=_int(source, "PASSWORD_MAX_AGE_DAYS", 90, minimum=0),
        lockout_attempts=_int(source, "LOCKOUT_ATTEMPTS", 5),
        lockout_minutes=_int(source, "LOCKOUT_MINUTES", 30),
        lockout_per_source=_int(source, "LOCKOUT_PER_SOURCE", 2),
        throttle_free_attempts=_int(source, "THROTTLE_FREE_ATTEMPTS", 5),
        throttle_window_minutes=_int(source, "THROTTLE_WINDOW_MINUTES", 15),
        throttle_max_seconds=_int(source, "THROTTLE_MAX_SECONDS", 900),
        idle_timeout_minutes=_int(source, "IDLE_TIMEOUT_MINUTES", 15),
        session_hours=_int(source, "SESSION_HOURS", 12),
        token_days=_int(source, "TOKEN_DAYS", 90),
        token_max_days=_int(source, "TOKEN_MAX_DAYS", 365),
        inactive_days=_int(source, "INACTIVE_DAYS", 90, minimum=0),
        inactive_check_minutes=_int(source, "INACTIVE_CHECK_MINUTES", 60),
        worker=_bool(source, "WORKER", True),
        worker_poll_seconds=_int(source, "WORKER_POLL_SECONDS", 2),
        insecure_cookies=_bool(source, "INSECURE_COOKIES", False),
        argon2_profile=_choice(source, "ARGON2_PROFILE", ARGON2_PROFILES),
        admin_username=source.get(ENV_PREFIX + "ADMIN_USERNAME") or None,
        admin_password=source.get(ENV_PREFIX + "ADMIN_PASSWORD") or None,
        audit_denials_per_source=_int(source, "AUDIT_DENIALS_PER_SOURCE", 20),
        audit_denials_per_window=_int(source, "AUDIT_DENIALS_PER_WINDOW", 600),
        audit_denial_window_seconds=_int(source, "AUDIT_DENIAL_WINDOW_SECONDS", 60),
        secret_keys=source.get(ENV_PREFIX + "SECRET_KEYS") or None,
        smtp_url=_smtp_url(source),
        mail_from=source.get(ENV_PREFIX + "MAIL_FROM") or None,
        smtp_timeout_seconds=_int(source, "SMTP_TIMEOUT_SECONDS", 30),
        webhook_http_hosts=tuple(
            host.strip().lower()
            for host in (source.get(ENV_PREFIX + "WEBHOOK_HTTP_HOSTS") or "").split(",")
            if host.strip()
        ),
        webhook_timeout_seconds=_int(source, "WEBHOOK_TIMEOUT_SECONDS", 10),
    )
