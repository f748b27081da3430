"""Settings of outbound notifications: the SMTP server (checked at start), the sender, the
hosts a webhook may reach over plain http, and timeouts."""

from __future__ import annotations

import pytest

from brickwork.platform.notifications.delivery import smtp_config
from brickwork.settings import SettingsError, load_settings


def test_without_smtp_no_mail_is_configured() -> None:
    settings = load_settings({})
    assert smtp_config(settings) is None
    assert (settings.webhook_http_hosts, settings.webhook_timeout_seconds) == ((), 10)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.bank.test", ("mail.bank.test", 25, "plain", None, None)),
        (
            "smtp+starttls://relay%40bank:p%3Ass@mail.bank.test",
            ("mail.bank.test", 587, "starttls", "relay@bank", "p:ss"),
        ),
        ("smtps://mail.bank.test:2465", ("mail.bank.test", 2465, "tls", None, None)),
        ("smtp://relay:pw@127.0.0.1:2525", ("127.0.0.1", 2525, "plain", "relay", "pw")),
    ],
)
def test_the_smtp_url_gives_host_port_security_and_credentials(
    url: str, expected: tuple[object, ...]
) -> None:
    config = smtp_config(load_settings({"BRICKWORK_SMTP_URL": url}))
    assert config is not None
    assert (config.host, config.port, config.security, config.username, config.password) == (
        expected
    )
    assert config.sender == f"brickwork@{config.host}"
    assert config.password is None or config.password not in repr(config)


def test_sender_hosts_and_timeouts_are_read() -> None:
    settings = load_settings(
        {
            "BRICKWORK_SMTP_URL": "smtp://mail.bank.test:2525",
            "BRICKWORK_MAIL_FROM": "alerts@bank.test",
            "BRICKWORK_WEBHOOK_HTTP_HOSTS": " 127.0.0.1, Intranet.Bank ,",
            "BRICKWORK_WEBHOOK_TIMEOUT_SECONDS": "3",
            "BRICKWORK_SMTP_TIMEOUT_SECONDS": "7",
        }
    )
    config = smtp_config(settings)
    assert config is not None
    assert (config.sender, config.timeout) == ("alerts@bank.test", 7)
    assert settings.webhook_http_hosts == ("127.0.0.1", "intranet.bank")
    assert settings.webhook_timeout_seconds == 3
    assert "mail.bank.test" not in repr(settings), "the URL may hold a password"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.bank.test", "must be smtp://"),
        ("smtp://", "must be smtp://"),
        ("smtp://mail.bank.test:port", "invalid port"),
        ("smtp://relay:secret@mail.bank.test", "password in clear"),
        ("smtp://relay@mail.bank.test:2525", "password in clear"),
    ],
)
def test_a_bad_smtp_url_stops_the_process_at_start(url: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"BRICKWORK_SMTP_URL": url})
