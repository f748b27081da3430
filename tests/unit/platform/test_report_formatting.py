"""Report values as people read them, per locale: exact values in, rounded text out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from brickwork.engines.report.plan import Format
from brickwork.platform.reports.formatting import display

MONEY = Format("money", 2, "CNY")


@pytest.mark.parametrize(
    ("value", "kind", "found", "grain", "zh", "en"),
    [
        (Decimal("3500000.50"), "money", MONEY, None, "¥3,500,000.50", "CN¥3,500,000.50"),
        (
            Decimal("1166666.916666666666666667"),
            "money",
            None,
            None,
            "¥1,166,666.92",
            "CN¥1,166,666.92",
        ),
        (Decimal("12.5"), "money", Format("money", 0, "USD"), None, "US$13", "$13"),
        (Decimal("0.005"), "money", Format("money", None, "JPY"), None, "JP¥0", "¥0"),
        (Decimal("1234567"), "number", None, None, "1,234,567", "1,234,567"),
        (Decimal("2.1234567891"), "number", None, None, "2.123457", "2.123457"),
        (Decimal("2.5"), "number", Format("number", 3), None, "2.500", "2.500"),
        (
            Decimal("12345678901234567890.125"),
            "number",
            Format("number", 2),
            None,
            "12,345,678,901,234,567,890.13",
            "12,345,678,901,234,567,890.13",
        ),
        (Decimal("0.2512"), "percent", None, None, "25.12%", "25.12%"),
        (Decimal("1") / Decimal("3"), "percent", Format("percent", 0), None, "33%", "33%"),
        (date(2026, 1, 5), "date", None, None, "2026年1月5日", "Jan 5, 2026"),
        (date(2026, 4, 1), "date", None, "quarter", "2026年第2季度", "Q2 2026"),
        (date(2026, 1, 1), "date", None, "month", "2026年1月", "Jan 2026"),
        (date(2026, 1, 1), "date", None, "year", "2026年", "2026"),
        (
            date(2026, 1, 5),
            "date",
            Format("date", pattern="yyyy-MM-dd"),
            None,
            "2026-01-05",
            "2026-01-05",
        ),
        (True, "boolean", None, None, "是", "Yes"),
        ("North", "text", None, None, "North", "North"),
        (None, "money", MONEY, None, None, None),
        # a money field's value in a detail report: its own amount and currency
        (
            {"amount": Decimal("3200000.00"), "currency": "CNY"},
            "money",
            None,
            None,
            "¥3,200,000.00",
            "CN¥3,200,000.00",
        ),
        ({"amount": Decimal("12.5"), "currency": "USD"}, "money", None, None, "US$12.50", "$12.50"),
        ({"amount": None, "currency": "CNY"}, "money", None, None, None, None),
        (["gold", "vip"], "multi_select", None, None, "gold、vip", "gold, vip"),
    ],
)
def test_values_read_in_each_locale(
    value: object, kind: str, found: Format | None, grain: str | None, zh: str, en: str
) -> None:
    assert display(value, kind, found, "zh_CN", grain=grain) == zh
    assert display(value, kind, found, "en", grain=grain) == en


def test_date_times_show_in_the_reports_time_zone() -> None:
    late = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)  # 01:30 the next day in Shanghai
    shown = display(late, "datetime", None, "en", zone="Asia/Shanghai")
    assert shown == "Jan 6, 2026, 1:30:00\u202fAM"  # CLDR's narrow space before AM
    assert display(late, "datetime", None, "en", zone="UTC").startswith("Jan 5, 2026")
