"""Schema sync on a real database: columns are added, retired, revived and moved, never dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, insert, inspect, select

from brickwork.platform.records.layout import TableLayout, build_tables
from brickwork.platform.records.schema_sync import (
    DesiredChild,
    DesiredColumn,
    DesiredLayout,
    apply_plan,
    describe,
    plan_sync,
)

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def desired(*columns: tuple[str, str], children: tuple[DesiredChild, ...] = ()) -> DesiredLayout:
    return DesiredLayout(
        "f_kyc_customer",
        tuple(DesiredColumn(f, t, f"/spec/fields/{i}") for i, (f, t) in enumerate(columns)),
        children,
    )


def sync(
    connection: Connection, current: TableLayout | None, want: DesiredLayout, **kwargs: Any
) -> TableLayout:
    plan = plan_sync(current, want, kwargs.pop("conversions", None))
    assert plan.problems == ()
    apply_plan(plan, connection, **kwargs)
    return plan.layout


def insert_record(
    connection: Connection, layout: TableLayout, record_id: str, **values: Any
) -> None:
    table = build_tables(layout).main
    columns = layout.live()
    row = {
        "id": record_id,
        "created_at": NOW,
        "created_by": "a",
        "updated_at": NOW,
        "updated_by": "a",
        "owner": "a",
        "version": 1,
        "form_version": 1,
    }
    row.update({columns[k].column: v for k, v in values.items()})
    connection.execute(insert(table), row)


def read(
    connection: Connection, layout: TableLayout, field_id: str, *, retired: bool = False
) -> list[Any]:
    table = build_tables(layout).main
    matches = [c for c in layout.columns if c.field_id == field_id and c.retired == retired]
    return list(
        connection.execute(select(table.c[matches[-1].column]).order_by(table.c.id)).scalars()
    )


def test_publish_add_remove_rename_keeps_old_data(connection: Connection) -> None:
    v1 = sync(
        connection, None, desired(("f_name", "text"), ("f_aum", "decimal:2"), ("f_note", "text"))
    )
    insert_record(connection, v1, "r1", f_name="Li", f_aum=Decimal("1234.50"), f_note="vip")

    # v2: note removed, risk added; "name" renamed to "full_name" (same id: no DDL at all)
    plan = plan_sync(v1, desired(("f_name", "text"), ("f_aum", "decimal:2"), ("f_risk", "text")))
    assert [(s.action, s.field_id) for s in plan.steps] == [
        ("retire_column", "f_note"),
        ("add_column", "f_risk"),
    ]
    apply_plan(plan, connection)
    v2 = plan.layout
    insert_record(connection, v2, "r2", f_name="Wang", f_risk="high")

    assert read(connection, v2, "f_name") == ["Li", "Wang"]
    assert read(connection, v2, "f_aum") == [Decimal("1234.50"), None]
    assert read(connection, v2, "f_note", retired=True) == ["vip", None]
    columns = {c["name"] for c in inspect(connection).get_columns("f_kyc_customer")}
    assert {"c_f_note", "c_f_risk", "c_f_name"} <= columns

    # v3: note comes back with the same type and finds its data again
    v3 = sync(connection, v2, desired(("f_name", "text"), ("f_note", "text")))
    assert read(connection, v3, "f_note") == ["vip", None]


def test_lossless_type_change_moves_and_converts(connection: Connection) -> None:
    v1 = sync(connection, None, desired(("f_term", "bigint")))
    insert_record(connection, v1, "r1", f_term=12)
    v2 = sync(connection, v1, desired(("f_term", "decimal:1")))
    assert read(connection, v2, "f_term") == [Decimal("12.0")]
    assert read(connection, v2, "f_term", retired=True) == [12]


def test_unsafe_type_change_needs_an_explicit_conversion(connection: Connection) -> None:
    v1 = sync(connection, None, desired(("f_level", "text")))
    insert_record(connection, v1, "r1", f_level="3")
    refused = plan_sync(v1, desired(("f_level", "bigint")))
    assert [(p.pointer, p.code) for p in refused.problems] == [
        ("/spec/fields/0", "unsafe_type_change")
    ]
    with pytest.raises(ValueError, match="problems"):
        apply_plan(refused, connection)

    v2 = sync(
        connection,
        v1,
        desired(("f_level", "bigint")),
        conversions={"f_level": "cast"},
        converters={"f_level": int},
    )
    assert read(connection, v2, "f_level") == [3]
    assert read(connection, v2, "f_level", retired=True) == ["3"]


def test_subtables_become_child_tables(connection: Connection) -> None:
    guarantors = DesiredChild(
        "f_guarantors",
        (DesiredColumn("f_g_name", "text"), DesiredColumn("f_g_amount", "decimal:2")),
    )
    v1 = sync(connection, None, desired(("f_name", "text"), children=(guarantors,)))
    child = v1.children[0]
    assert child.table == "f_kyc_customer__f_guarantors"
    assert inspect(connection).has_table(child.table)

    v2 = sync(connection, v1, desired(("f_name", "text")))
    assert v2.children[0].retired
    assert inspect(connection).has_table(child.table)


def test_dry_run_describes_the_ddl(connection: Connection) -> None:
    plan = plan_sync(None, desired(("f_name", "text"), ("f_aum", "decimal:2")))
    statements = describe(plan, connection)
    assert statements[0].startswith("CREATE TABLE f_kyc_customer")
    assert "c_f_aum" in statements[0]
    later = plan_sync(plan.layout, desired(("f_name", "text"), ("f_x", "date")))
    assert describe(later, connection) == [
        "-- retire column f_kyc_customer (f_aum); nothing is dropped",
        "ALTER TABLE f_kyc_customer ADD COLUMN c_f_x DATE",
    ]
    assert not inspect(connection).has_table("f_kyc_customer")


def test_layout_round_trips_through_json() -> None:
    plan = plan_sync(
        None,
        desired(
            ("f_a", "text"), children=(DesiredChild("f_rows", (DesiredColumn("f_b", "bigint"),)),)
        ),
    )
    assert TableLayout.from_json(plan.layout.to_json()) == plan.layout


def test_money_keeps_amount_and_currency_and_widens_losslessly(connection: Connection) -> None:
    v1 = sync(connection, None, desired(("f_limit", "money:2")))
    table = build_tables(v1).main
    connection.execute(
        insert(table),
        {
            "id": "r1",
            "created_at": NOW,
            "created_by": "a",
            "updated_at": NOW,
            "updated_by": "a",
            "owner": "a",
            "version": 1,
            "form_version": 1,
            "c_f_limit": Decimal("1000.25"),
            "c_f_limit_ccy": "CNY",
        },
    )
    v2 = sync(connection, v1, desired(("f_limit", "money:3")))
    moved = build_tables(v2).main
    row = connection.execute(select(moved.c.c_f_limit_2, moved.c.c_f_limit_2_ccy)).one()
    assert tuple(row) == (Decimal("1000.250"), "CNY")
