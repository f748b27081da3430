"""A record list's columns, filter builder, exports and actions on chosen rows, over HTTP on
SQLite and PostgreSQL: the builder writes values as literals (never pasted into the
expression), a list saved as an address survives a renamed field with a message, and every
action on chosen rows goes through the service's own checks, row by row."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from test_web_pages import API, APP, CLERK, FIELDS, PAGE, clerk, page, wealth  # noqa: F401 (fixtures)

from conftest import Users

EN = {"Accept-Language": "en"}


def headers_of(html: str) -> list[str]:
    head = html[html.index("<thead>") : html.index("</thead>")]
    return [
        re.sub(r"<[^>]+>|[▲▼]", "", cell).strip()
        for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ][1:]


def test_the_columns_are_chosen_in_the_address_and_a_stale_one_is_named(
    clerk: TestClient,  # noqa: F811 (the fixture)
) -> None:
    chosen = page(clerk, PAGE, params={"cols": "aum,name"}, headers=EN)
    assert headers_of(chosen) == ["AUM", "Name"]
    assert "138****5678" not in chosen, "the masked column is not chosen"
    ticked = page(clerk, f"{PAGE}?col=name&col=mobile", headers=EN)
    assert headers_of(ticked) == ["Name", "Mobile"]
    assert "138****5678" in ticked, "masked when shown"
    stale = page(clerk, PAGE, params={"cols": "ghost,name"}, headers=EN)
    assert 'id="list-problems"' in stale
    assert "Column “ghost” is not a field you can see" in stale
    assert headers_of(stale) == ["Name"]
    sort_link = re.search(r'<a href="([^"]+)"[^>]*>Name', stale)
    assert sort_link is not None
    assert "cols=name" in sort_link.group(1), "sorting keeps the chosen columns"


def test_the_builder_compiles_conditions_with_literals_of_each_fields_type(
    clerk: TestClient,  # noqa: F811 (the fixture)
) -> None:
    rich = page(clerk, PAGE, params={"bf": "aum", "bo": "gt", "bv": "1,000,000"}, headers=EN)
    assert "Li Lei" in rich
    assert "Han Meimei" not in rich
    assert "1 record" in rich
    kept = re.search(r'href="(/apps/wealth/forms/customer\?[^"]*page=1[^"]*)"', rich)
    assert kept is None or "bf=aum" in kept.group(1)
    sort_link = re.search(r'<a href="([^"]+)"[^>]*>AUM', rich)
    assert sort_link is not None
    assert "bf=aum" in sort_link.group(1)
    assert "bv=1%2C000%2C000" in sort_link.group(1)
    sneaky = 'Li") or true or contains(name, "'
    injected = page(clerk, PAGE, params={"bf": "name", "bo": "contains", "bv": sneaky}, headers=EN)
    assert "No records match." in injected, "the value is a string, not expression text"
    wrong = page(clerk, PAGE, params={"bf": "aum", "bo": "gt", "bv": "lots"}, headers=EN)
    assert "“lots” is not a value of this field" in wrong
    unfit = page(clerk, PAGE, params={"bf": "name", "bo": "gt", "bv": "x"}, headers=EN)
    assert "this comparison does not fit the field" in unfit
    masked = page(clerk, PAGE, params={"bf": "mobile", "bo": "eq", "bv": "13812345678"}, headers=EN)
    assert "you see this field masked" in masked
    rows = masked[masked.index("<tbody>") : masked.index("</tbody>")]
    assert "13812345678" not in rows, "the rows show it masked, whatever was typed"
    assert "138****5678" in rows
    both = page(
        clerk,
        f"{PAGE}?bf=aum&bo=lt&bv=0&bf=name&bo=contains&bv=Han&filter=aum+%3C+0",
        headers=EN,
    )
    assert "Han Meimei" in both
    assert "1 record" in both


def test_a_saved_address_meets_a_renamed_field_with_a_message_not_an_error(
    clerk: TestClient,  # noqa: F811 (the fixture)
    wealth: TestClient,  # noqa: F811 (the fixture)
) -> None:
    address = f"{PAGE}?cols=name,mobile&bf=mobile&bo=filled&bv="
    before = page(clerk, address, headers=EN)
    assert "you see this field masked" in before
    renamed = [dict(f, key="cell") if f["key"] == "mobile" else f for f in FIELDS]
    saved = wealth.put(
        f"{APP}/definitions/form/customer", json={"label": "Customer", "spec": {"fields": renamed}}
    )
    assert saved.status_code == 200, saved.text
    assert wealth.post(f"{APP}/definitions/form/customer/publish").status_code == 201
    after = page(clerk, address, headers=EN)
    assert "Column “mobile” is not a field you can see" in after
    assert "Condition on “mobile”: not a field you can see" in after
    assert "Li Lei" in after


def test_chosen_rows_are_deleted_each_by_its_own_right(
    wealth: TestClient,  # noqa: F811 (the fixture)
    users: Users,
) -> None:
    ids = []
    for name in ("One", "Two", "Three"):
        made = wealth.post(f"{APP}/forms/customer/records", json={"name": name})
        ids.append(made.json()["id"])
    keeper = users.client(
        "keeper",
        grants=[
            {
                "app": "wealth",
                "form": "customer",
                "actions": ["read", "create", "delete"],
                "rows": "own",
            }
        ],
    )
    own = keeper.post(f"{APP}/forms/customer/records", json={"name": "Mine"}).json()["id"]
    listed = page(keeper, PAGE, headers=EN)
    assert 'id="bulk-delete"' in listed
    result = keeper.post(
        f"{PAGE}/bulk", data={"action": "delete", "ids": [own, ids[0]]}, headers=EN
    )
    assert result.status_code == 200, result.text
    assert "1 record deleted." in result.text
    assert 'id="bulk-refused"' in result.text
    assert ids[0] in result.text
    assert wealth.get(f"{APP}/forms/customer/records/{ids[0]}").json()["deleted_at"] is None
    assert wealth.get(f"{APP}/forms/customer/records/{own}").json()["deleted_at"] is not None
    every = wealth.post(
        f"{PAGE}/bulk", data={"action": "delete", "all": "page", "page": ids[1:]}, headers=EN
    )
    assert "2 records deleted." in every.text
    nothing = wealth.post(f"{PAGE}/bulk", data={"action": "delete"}, headers=EN)
    assert nothing.status_code == 422
    assert "select the rows" in nothing.text
    reader = users.client("reader", grants=CLERK)
    assert 'id="bulk-delete"' not in page(reader, PAGE)


def test_the_export_links_give_the_rows_of_the_list(
    wealth: TestClient,  # noqa: F811 (the fixture)
) -> None:
    for name, aum in (("Rich", "5000000"), ("Poor", "10")):
        wealth.post(f"{APP}/forms/customer/records", json={"name": name, "aum": aum})
    listed = page(wealth, PAGE, params={"bf": "aum", "bo": "gt", "bv": "1000"}, headers=EN)
    link = re.search(r'href="([^"]+format=csv)"', listed)
    assert link is not None
    exported = wealth.get(link.group(1).replace("&amp;", "&"))
    assert exported.status_code == 200, exported.text
    assert "Rich" in exported.text
    assert "Poor" not in exported.text


def test_a_flow_starts_on_chosen_rows_and_a_running_one_is_named(
    client: TestClient, users: Users
) -> None:
    from credit_flow import application, credit_app, todo

    bank = credit_app(client, users)
    first, second = application(bank, "50000.00", "A Co"), application(bank, "60000.00", "B Co")
    rm = bank["rm"]
    listed = page(rm, "/apps/credit/forms/credit_application", headers=EN)
    assert 'id="bulk-start"' in listed
    started = rm.post(
        "/apps/credit/forms/credit_application/bulk",
        data={"action": "start", "flow": "large_credit", "ids": [first["id"], second["id"]]},
        headers=EN,
    )
    assert "The flow started on 2 records." in started.text
    assert len(todo(bank["president"])) == 2
    again = rm.post(
        "/apps/credit/forms/credit_application/bulk",
        data={"action": "start", "flow": "large_credit", "ids": [first["id"]]},
        headers=EN,
    )
    assert "The flow started on 0 records." in again.text
    assert 'id="bulk-refused"' in again.text


VIEWS = f"{APP}/forms/customer/views"


def test_views_are_saved_shared_and_changed_only_by_their_owner(
    clerk: TestClient,  # noqa: F811 (the fixture)
    users: Users,
) -> None:
    body = {
        "name": "Rich clients",
        "query": {
            "conditions": [{"field": "aum", "operator": "gt", "value": "1000000"}],
            "columns": ["name", "aum"],
            "sort": "-aum",
        },
    }
    made = clerk.post(VIEWS, json=body)
    assert made.status_code == 201, made.text
    view = made.json()
    assert (view["name"], view["shared"], view["mine"]) == ("Rich clients", False, True)
    taken = clerk.post(VIEWS, json=body)
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["pointer"] == "/name"
    bad = clerk.post(VIEWS, json={"name": "  ", "query": {"size": 1000}})
    assert bad.status_code == 422
    colleague = users.client("colleague", grants=CLERK)
    assert colleague.get(VIEWS).json()["items"] == [], "private until shared"
    shared = clerk.patch(f"{VIEWS}/{view['id']}", json={"shared": True})
    assert shared.status_code == 200, shared.text
    seen = colleague.get(VIEWS).json()["items"]
    assert [(v["name"], v["mine"]) for v in seen] == [("Rich clients", False)]
    assert colleague.patch(f"{VIEWS}/{view['id']}", json={"name": "Mine now"}).status_code == 403
    assert colleague.delete(f"{VIEWS}/{view['id']}").status_code == 403
    outsider = users.client("outsider", grants=[])
    assert outsider.get(VIEWS).status_code == 403, "only readers of the form"
    assert clerk.delete(f"{VIEWS}/{view['id']}").status_code == 204
    assert clerk.get(VIEWS).json()["items"] == []
    assert clerk.delete(f"{VIEWS}/{view['id']}").status_code == 404


def test_a_view_is_saved_from_the_page_opened_again_and_survives_a_rename(
    clerk: TestClient,  # noqa: F811 (the fixture)
    wealth: TestClient,  # noqa: F811 (the fixture)
) -> None:
    address = f"{PAGE}?cols=name,mobile&bf=aum&bo=gt&bv=0&sort=name"
    listed = page(clerk, address, headers=EN)
    hidden = dict(
        re.findall(r'<input type="hidden" name="(cols|sort|size)" value="([^"]*)"', listed)
    )
    assert hidden == {"cols": "name,mobile", "sort": "name", "size": "20"}
    saved = clerk.post(
        f"{PAGE}/views",
        data={
            "name": "Positive",
            "cols": "name,mobile",
            "bf": "aum",
            "bo": "gt",
            "bv": "0",
            "sort": "name",
            "size": "20",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    opened_at = saved.headers["location"]
    assert "view=" in opened_at
    shown = page(clerk, opened_at, headers=EN)
    assert headers_of(shown) == ["Name", "Mobile"]
    assert "Li Lei" in shown
    assert "Han Meimei" not in shown
    assert 'aria-current="page">Positive</a>' in shown
    again = clerk.post(
        f"{PAGE}/views", data={"name": "Positive"}, headers=EN, follow_redirects=False
    )
    assert again.status_code == 200
    assert "you have a view named" in again.text
    renamed = [dict(f, key="cell") if f["key"] == "mobile" else f for f in FIELDS]
    put = wealth.put(
        f"{APP}/definitions/form/customer", json={"label": "Customer", "spec": {"fields": renamed}}
    )
    assert put.status_code == 200, put.text
    assert wealth.post(f"{APP}/definitions/form/customer/publish").status_code == 201
    stale = page(clerk, opened_at, headers=EN)
    assert "Column “mobile” is not a field you can see" in stale
    assert "Li Lei" in stale
    view_id = opened_at.rsplit("view=", 1)[1]
    gone = clerk.post(f"{PAGE}/views/{view_id}/delete", data={"csrf_token": ""})
    assert gone.status_code == 200
    assert "Positive" not in gone.text


def test_an_encrypted_column_offers_no_sort(client: TestClient) -> None:
    """The database cannot order encrypted values: the header offers no sort for them, and
    an address that asks for one says why in the viewer's language."""
    assert client.post(f"{API}/apps", json={"key": "vault", "label": "Vault"}).status_code == 201
    fields = [
        {"id": "v_name", "key": "name", "type": "text", "label": "Name"},
        {"id": "v_mobile", "key": "mobile", "type": "phone", "label": "Mobile", "encrypted": True},
    ]
    body = {"kind": "form", "key": "holder", "label": "Holder", "spec": {"fields": fields}}
    assert client.post(f"{API}/apps/vault/definitions", json=body).status_code == 201
    assert client.post(f"{API}/apps/vault/definitions/form/holder/publish").status_code == 201
    made = client.post(
        f"{API}/apps/vault/forms/holder/records", json={"name": "a", "mobile": "13812345678"}
    )
    assert made.status_code == 201, made.text
    listed = page(client, "/apps/vault/forms/holder", params={"cols": "name,mobile"})
    assert "sort=name" in listed
    assert "sort=mobile" not in listed
    refused = page(client, "/apps/vault/forms/holder", params={"sort": "mobile"},
                   headers={"accept-language": "zh-CN"})  # fmt: skip
    assert "字段 mobile 加密存储，不能用来排序" in refused


def test_the_filter_box_suggests_a_filter_over_the_forms_own_fields(
    clerk: TestClient,  # noqa: F811 (the fixture)
) -> None:
    html = page(clerk, PAGE)
    assert 'placeholder="aum &gt; 1000"' in html
    assert "customer_type" not in html


def test_the_suggested_filter_names_a_choice_and_skips_what_the_viewer_cannot_filter() -> None:
    from types import SimpleNamespace

    from brickwork.platform.auth.policy import FieldLevel
    from brickwork.platform.web.records import example_filter

    def field(key: str, kind: str, **more: Any) -> SimpleNamespace:
        return SimpleNamespace(key=key, type=kind, **more)

    access = SimpleNamespace(levels={"salary": FieldLevel.MASKED})
    fields = [
        field("salary", "money"),
        field("card", "integer", encrypted=True),
        field("score", "integer"),
        field("tier", "single_select", options=(SimpleNamespace(value="gold"),)),
    ]
    assert example_filter(fields, access) == 'score > 1000 and tier = "gold"'
    assert example_filter([field("name", "text")], access) == "version > 1"
