"""The password policy, the argon2id hasher profiles and the identity settings (no database)."""

from __future__ import annotations

import pytest

from brickwork.platform.auth import credentials
from brickwork.platform.auth.passwords import Hasher, PasswordPolicy, character_classes
from brickwork.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Good-pass-2026", []),
        ("Aa1!", ["password_too_short"]),
        ("abcdefghijkl", ["password_classes"]),
        ("abcdefghijk1", []),  # lower + digit = 2 classes, policy min 2 below
        ("Abcdefg-202", ["password_too_short"]),  # 11 characters: the minimum is 12
        ("ZHANG.san-2026", ["password_contains_username"]),
        ("x" * 1025, ["password_too_long", "password_classes"]),
    ],
)
def test_policy_codes(password: str, codes: list[str]) -> None:
    policy = PasswordPolicy() if password != "abcdefghijk1" else PasswordPolicy(min_classes=2)
    found = [p.code for p in policy.problems(password, username="zhang.san")]
    assert found == codes


def test_character_classes_count_symbols_including_non_ascii() -> None:
    assert character_classes("abc") == 1
    assert character_classes("abcDEF") == 2
    assert character_classes("abcDEF123") == 3
    assert character_classes("abcDEF123!") == 4
    assert character_classes("密码abc1") == 3


def test_default_profile_is_the_library_recommendation() -> None:
    assert "m=65536,t=3,p=4" in Hasher().hash("Good-pass-2026")
    cheap = Hasher("test")
    stored = cheap.hash("Good-pass-2026")
    assert stored.startswith("$argon2id$")
    assert cheap.verify(stored, "Good-pass-2026")
    assert not cheap.verify(stored, "good-pass-2026")
    assert not cheap.verify("not a hash", "Good-pass-2026")
    assert not cheap.verify(stored, "x" * 5000)
    with pytest.raises(ValueError, match="unknown argon2 profile"):
        Hasher("fast")


def test_secrets_are_stored_as_digests_compared_in_constant_time() -> None:
    token = credentials.new_api_token()
    assert token.startswith("bwk_")
    assert len(token) == 4 + 43
    assert credentials.same_digest(token, credentials.digest(token))
    assert not credentials.same_digest(token + "x", credentials.digest(token))
    assert credentials.new_secret() != credentials.new_secret()


def test_identity_settings_from_env() -> None:
    settings = load_settings(
        {
            "BRICKWORK_PASSWORD_MIN_LENGTH": "14",
            "BRICKWORK_LOCKOUT_ATTEMPTS": "3",
            "BRICKWORK_LOCKOUT_MINUTES": "15",
            "BRICKWORK_IDLE_TIMEOUT_MINUTES": "10",
            "BRICKWORK_SESSION_HOURS": "8",
            "BRICKWORK_LOCKOUT_PER_SOURCE": "1",
            "BRICKWORK_THROTTLE_FREE_ATTEMPTS": "3",
            "BRICKWORK_THROTTLE_WINDOW_MINUTES": "5",
            "BRICKWORK_THROTTLE_MAX_SECONDS": "60",
            "BRICKWORK_TOKEN_DAYS": "30",
            "BRICKWORK_TOKEN_MAX_DAYS": "60",
            "BRICKWORK_INACTIVE_DAYS": "45",
            "BRICKWORK_INACTIVE_CHECK_MINUTES": "5",
            "BRICKWORK_PASSWORD_MAX_AGE_DAYS": "0",
            "BRICKWORK_INSECURE_COOKIES": "true",
            "BRICKWORK_ARGON2_PROFILE": "test",
            "BRICKWORK_ADMIN_USERNAME": "root",
            "BRICKWORK_ADMIN_PASSWORD": "Secret-pass-2026",
        }
    )
    assert (settings.password_min_length, settings.lockout_attempts) == (14, 3)
    assert (settings.lockout_minutes, settings.idle_timeout_minutes) == (15, 10)
    assert (settings.session_hours, settings.argon2_profile) == (8, "test")
    assert settings.admin_username == "root"
    assert (settings.lockout_per_source, settings.throttle_free_attempts) == (1, 3)
    assert (settings.throttle_window_minutes, settings.throttle_max_seconds) == (5, 60)
    assert (settings.token_days, settings.token_max_days) == (30, 60)
    assert (settings.inactive_days, settings.inactive_check_minutes) == (45, 5)
    assert (settings.password_max_age_days, settings.insecure_cookies) == (0, True)
    assert "Secret-pass-2026" not in repr(settings)
    defaults = load_settings({})
    assert (defaults.password_min_length, defaults.password_min_classes) == (12, 3)
    assert (defaults.lockout_attempts, defaults.lockout_minutes) == (5, 30)
    assert (defaults.idle_timeout_minutes, defaults.session_hours) == (15, 12)
    assert (defaults.password_history, defaults.argon2_profile) == (4, "default")
    with pytest.raises(SettingsError, match="ARGON2_PROFILE"):
        load_settings({"BRICKWORK_ARGON2_PROFILE": "fast"})
