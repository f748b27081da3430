"""Identifier fields through the HTTP API: numbers that pass their check arithmetic but break
their standard's structure are refused with a specific code and a pointer to the field, and a
passport given as its machine-readable zone is stored as its number."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from brickwork.engines.identifiers import iban_check_digits, resident_id_check_char, uscc_check_char

API = "/api/v1"
FORM = f"{API}/apps/kyc/definitions/form/company"
RECORDS = f"{API}/apps/kyc/forms/company/records"
FIELDS: list[dict[str, Any]] = [
    {"id": "f_name", "key": "name", "type": "text", "label": "Name", "required": True},
    {"id": "f_rid", "key": "director_id", "type": "resident_id", "label": "Director"},
    {"id": "f_uscc", "key": "uscc", "type": "uscc", "label": "USCC"},
    {"id": "f_iban", "key": "iban", "type": "iban", "label": "IBAN"},
    {"id": "f_pass", "key": "passport", "type": "passport", "label": "Passport"},
]
MRZ_LINE_2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"


def _province_99() -> str:
    return "99010519491231002" + resident_id_check_char("99010519491231002")


def _uscc_with_letters_in_region() -> str:
    return "91AB0000600037341" + uscc_check_char("91AB0000600037341")


def _cn_iban() -> str:
    return "CN" + iban_check_digits("CN", "1234567890123456") + "1234567890123456"


@pytest.fixture
def kyc(client: TestClient) -> TestClient:
    assert client.post(f"{API}/apps", json={"key": "kyc", "label": "KYC"}).status_code == 201
    created = client.post(
        f"{API}/apps/kyc/definitions",
        json={"kind": "form", "key": "company", "label": "Company", "spec": {"fields": FIELDS}},
    )
    assert created.status_code == 201, created.text
    published = client.post(f"{FORM}/publish", json={})
    assert published.status_code == 201, published.text
    return client


def test_structural_faults_are_refused_with_specific_codes_and_pointers(kyc: TestClient) -> None:
    values = {
        "name": "Acme",
        "director_id": _province_99(),
        "uscc": _uscc_with_letters_in_region(),
        "iban": _cn_iban(),
    }
    response = kyc.post(RECORDS, json=values, headers={"Accept-Language": "en"})
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert {(e["pointer"], e["code"]) for e in errors} == {
        ("/director_id", "resident_id_province"),
        ("/uscc", "uscc_region_chars"),
        ("/iban", "iban_country_not_in_registry"),
    }
    messages = {e["code"]: e["message"] for e in errors}
    assert "positions 2-3" in messages["resident_id_province"]
    assert "positions 3-8" in messages["uscc_region_chars"]
    assert "positions 1-2" in messages["iban_country_not_in_registry"]
    assert kyc.get(RECORDS).json()["total"] == 0


def test_a_passport_zone_is_checked_and_its_number_kept(kyc: TestClient) -> None:
    broken = kyc.post(RECORDS, json={"name": "A", "passport": MRZ_LINE_2.replace("C36", "C37")})
    assert broken.status_code == 422
    assert {e["code"] for e in broken.json()["errors"]} == {"mrz_checksum"}
    assert all(e["pointer"].startswith("/passport") for e in broken.json()["errors"])
    created = kyc.post(RECORDS, json={"name": "A", "passport": MRZ_LINE_2})
    assert created.status_code == 201, created.text
    assert created.json()["passport"] == "L898902C3"
