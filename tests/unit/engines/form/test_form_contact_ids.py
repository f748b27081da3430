"""Mainland mobile numbers, E.164 numbers, e-mail addresses and URLs."""

from __future__ import annotations

import pytest
from form_support import fullwidth

from brickwork.engines.identifiers import (
    check_cn_mobile,
    check_e164,
    check_email,
    check_url,
)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("13800138000", "13800138000"),
        ("19912345678", "19912345678"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        (fullwidth("13800138000"), "13800138000"),
    ],
)
def test_valid_mobile_numbers(raw: str, normalized: str) -> None:
    result = check_cn_mobile(raw)
    assert result.ok
    assert result.normalized == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "12800138000",
        "10800138000",
        "1380013800",
        "138001380000",
        "23800138000",
        "+85291234567",
        "1380013800a",
        "",
    ],
)
def test_invalid_mobile_numbers(raw: str) -> None:
    assert check_cn_mobile(raw).codes == ("mobile_format",)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("+8613800138000", "+8613800138000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("0085291234567", "+85291234567"),
        ("+1.415.555.2671", "+14155552671"),
        ("+123456789012345", "+123456789012345"),
    ],
)
def test_valid_e164_numbers(raw: str, normalized: str) -> None:
    result = check_e164(raw)
    assert result.ok
    assert result.normalized == normalized


@pytest.mark.parametrize(
    "raw",
    ["13800138000", "+0123456789", "+1234567890123456", "+12345", "+86 138 abc", "++8613800138000"],
)
def test_invalid_e164_numbers(raw: str) -> None:
    assert check_e164(raw).codes == ("phone_format",)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("user@example.com", "user@example.com"),
        ("  Foo.Bar@Example.COM ", "Foo.Bar@example.com"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("x@example.xn--fiqs8s", "x@example.xn--fiqs8s"),
        ("a@b-c.io", "a@b-c.io"),
        ("a" * 64 + "@example.com", "a" * 64 + "@example.com"),
    ],
)
def test_valid_emails(raw: str, normalized: str) -> None:
    result = check_email(raw)
    assert result.ok
    assert result.normalized == normalized


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("plainaddress", "email_format"),
        ("@example.com", "email_format"),
        ("user@", "email_format"),
        ("user@localhost", "email_format"),
        ("user@example", "email_format"),
        ("user@@example.com", "email_format"),
        ("us er@example.com", "email_format"),
        (".user@example.com", "email_format"),
        ("user.@example.com", "email_format"),
        ("us..er@example.com", "email_format"),
        ("user@-example.com", "email_format"),
        ("user@example.c", "email_format"),
        ("user@example.123", "email_format"),
        ("用户@example.com", "email_format"),
        ("a" * 65 + "@example.com", "email_length"),
        ("a@" + "b" * 250 + ".com", "email_length"),
    ],
)
def test_invalid_emails(raw: str, code: str) -> None:
    assert check_email(raw).codes == (code,)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("https://example.com", "https://example.com"),
        ("HTTPS://Example.COM/Path?Q=1#Frag", "https://example.com/Path?Q=1#Frag"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://10.0.0.1/x", "https://10.0.0.1/x"),
        ("https://[2001:db8::1]/", "https://[2001:db8::1]/"),
        ("  https://example.com/a%20b  ", "https://example.com/a%20b"),
    ],
)
def test_valid_urls(raw: str, normalized: str) -> None:
    result = check_url(raw)
    assert result.ok, result.problems
    assert result.normalized == normalized


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("ftp://example.com", "url_scheme"),
        ("javascript:alert(1)", "url_scheme"),
        ("data:text/html,hi", "url_scheme"),
        ("example.com", "url_scheme"),
        ("https://user:pw@example.com", "url_credentials"),
        ("https://user@example.com", "url_credentials"),
        ("https://exa mple.com", "url_format"),
        ("https://", "url_format"),
        ("https://localhost/", "url_format"),
        ("https://300.1.1.1/", "url_format"),
        ("https://[zz::1]/", "url_format"),
        ("https://example.com:99999/", "url_format"),
        ("https://example.com:0/", "url_format"),
        ("https://example.com/\x00", "url_format"),
        ("https://例子.测试/", "url_format"),
        ("https://example.com/" + "a" * 2100, "url_length"),
    ],
)
def test_invalid_urls(raw: str, code: str) -> None:
    assert check_url(raw).codes == (code,)
