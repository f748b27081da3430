"""Settings come from BRICKWORK_* variables only, with clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from brickwork.settings import SettingsError, load_settings


def test_embedded_default_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"BRICKWORK_DATA_DIR": str(tmp_path)})
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'brickwork.db'}"
    assert settings.is_embedded
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_database_url_and_limits_are_read() -> None:
    settings = load_settings(
        {
            "BRICKWORK_DATABASE_URL": "postgresql+psycopg://db/bw",
            "BRICKWORK_MAX_BODY_BYTES": "1024",
            "BRICKWORK_AUTO_UPGRADE": "no",
        }
    )
    assert settings.effective_database_url == "postgresql+psycopg://db/bw"
    assert (settings.max_body_bytes, settings.auto_upgrade, settings.is_embedded) == (
        1024,
        False,
        False,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BRICKWORK_PORT", "http", "must be an integer"),
        ("BRICKWORK_MAX_BODY_BYTES", "0", "at least 1"),
        ("BRICKWORK_AUTO_UPGRADE", "maybe", "true or false"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"{name}.*{message}"):
        load_settings({name: value})
