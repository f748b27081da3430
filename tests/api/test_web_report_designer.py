"""The report builder and the dashboard layout editor over HTTP: every edit saves the draft
(the definition the API reads), problems come back next to their elements by pointer, the
preview runs the draft like a published report, publishing is refused while problems remain,
and only those who may design the app reach the designers."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from test_reports_api import APP, CLERK, wealth

from conftest import Users

__all__ = ["wealth"]
DESIGN = "/apps/wealth/design"


def page(client: TestClient, url: str) -> str:
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    return response.text


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def post(client: TestClient, url: str, csrf: str, **fields: str) -> str:
    response = client.post(
        url,
        data={"csrf_token": csrf, **fields},
        headers={"Accept-Language": "en", "HX-Request": "true"},
    )
    assert response.status_code in (200, 422), response.text
    return response.text


def draft(client: TestClient, kind: str, key: str) -> dict[str, Any]:
    found = client.get(f"{APP}/definitions/{kind}/{key}")
    assert found.status_code == 200, found.text
    return dict(found.json()["draft"]["spec"])


def new_report(client: TestClient, key: str = "by_tier") -> str:
    csrf = token(page(client, DESIGN))
    made = client.post(
        f"{DESIGN}/reports",
        data={"csrf_token": csrf, "key": key, "label": "By tier", "form": "customer"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"{DESIGN}/reports/{key}"
    return csrf


def test_a_bar_chart_report_is_built_previewed_and_published(wealth: TestClient) -> None:
    csrf = new_report(wealth)
    url = f"{DESIGN}/reports/by_tier"
    html = page(wealth, url)
    assert 'id="publish"' in html
    assert 'id="publish" disabled' in html  # no dimension nor measure yet
    post(wealth, url, csrf, action="add:dimensions", **{"new-dimension-field": "tier"})
    post(
        wealth,
        url,
        csrf,
        action="add:measures",
        **{"new-measure-function": "sum", "new-measure-field": "aum"},
    )
    post(wealth, url, csrf, action="add:measures", **{"new-measure-function": "count"})
    html = post(wealth, url, csrf, chart="bar")
    spec = draft(wealth, "report", "by_tier")
    assert spec["dimensions"] == [{"key": "tier", "field": "tier"}]
    assert [m["key"] for m in spec["measures"]] == ["sum_aum", "count"]
    assert spec["chart"] == {"type": "bar", "x": "tier", "y": ["sum_aum", "count"]}
    option = re.search(r'id="preview-chart" data-option="([^"]+)"', html)
    assert option is not None
    assert json.loads(unescape(option.group(1)))["series"][0]["type"] == "bar"
    assert 'id="publish" disabled' not in html
    # the count moves above the sum by keyboard (a button), and the order is the draft's
    post(wealth, url, csrf, action="up:measures:1")
    assert [m["key"] for m in draft(wealth, "report", "by_tier")["measures"]] == [
        "count",
        "sum_aum",
    ]
    published = wealth.post(f"{url}/publish", data={"csrf_token": csrf}, follow_redirects=False)
    assert published.status_code == 303, published.text
    assert published.headers["location"] == f"{url}?published=1"
    assert wealth.post(f"{APP}/reports/by_tier/run", json={}).status_code == 200


def test_problems_show_next_to_their_elements_and_block_publishing(wealth: TestClient) -> None:
    csrf = new_report(wealth)
    url = f"{DESIGN}/reports/by_tier"
    post(wealth, url, csrf, action="add:dimensions", **{"new-dimension-field": "tier"})
    post(wealth, url, csrf, action="add:measures", **{"new-measure-function": "sum"})
    html = post(wealth, url, csrf, action="add:filters", **{"new-filter": "nosuch = 1"})
    measure = html.split('id="measures-0"', 1)[1].split("</li>", 1)[0]
    assert 'class="field-error"' in measure  # a sum needs a field
    assert 'id="publish" disabled' in html
    refused = wealth.post(f"{url}/publish", data={"csrf_token": csrf})
    assert refused.status_code == 422
    assert 'class="field-error"' in refused.text
    post(wealth, url, csrf, **{"measures-0-field": "aum"})
    html = post(wealth, url, csrf)
    flt = html.split('id="filters-0"', 1)[1].split("</li>", 1)[0]
    assert 'class="field-error"' in flt  # the unknown name, from the server's compiler
    html = post(wealth, url, csrf, action="remove:filters:0")
    assert 'id="publish" disabled' not in html


def test_a_published_report_is_placed_on_a_dashboard_by_buttons(wealth: TestClient) -> None:
    csrf = new_report(wealth)
    url = f"{DESIGN}/reports/by_tier"
    post(wealth, url, csrf, action="add:dimensions", **{"new-dimension-field": "tier"})
    post(wealth, url, csrf, action="add:measures", **{"new-measure-function": "count"})
    wealth.post(f"{url}/publish", data={"csrf_token": csrf})
    made = wealth.post(
        f"{DESIGN}/dashboards",
        data={"csrf_token": csrf, "key": "overview", "label": "Overview"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    board = f"{DESIGN}/dashboards/overview"
    assert 'id="publish" disabled' in page(wealth, board)  # no item yet
    post(wealth, board, csrf, action="add", **{"new-item-report": "by_tier"})
    html = post(wealth, board, csrf, action="add", **{"new-item-report": "by_tier"})
    assert 'id="item-1"' in html
    post(wealth, board, csrf, action="wider:0")
    html = post(wealth, board, csrf, action="up:1")  # now overlapping the first
    assert 'class="field-error"' in html.split('id="item-1"', 1)[1].split("</li>", 1)[0]
    assert 'id="publish" disabled' in html
    post(wealth, board, csrf, action="down:1")
    post(wealth, board, csrf, action="narrower:0")
    items = draft(wealth, "dashboard", "overview")["items"]
    assert [(i["id"], i["x"], i["y"], i["w"], i["h"]) for i in items] == [
        ("by_tier", 0, 0, 6, 4),
        ("by_tier_2", 0, 4, 6, 4),
    ]
    post(wealth, board, csrf, action="right:1")
    assert draft(wealth, "dashboard", "overview")["items"][1]["x"] == 1
    published = wealth.post(f"{board}/publish", data={"csrf_token": csrf}, follow_redirects=False)
    assert published.status_code == 303, published.text
    assert "by_tier" in page(wealth, "/apps/wealth/dashboards/overview")


def test_only_designers_reach_the_designers(wealth: TestClient, users: Users) -> None:
    clerk = users.client("north_clerk", grants=CLERK, departments=("north",))
    assert clerk.get(DESIGN).status_code == 403
    home = page(wealth, "/apps/wealth/forms/customer")
    assert 'href="/apps/wealth/design"' in home
    assert 'href="/apps/wealth/design"' not in clerk.get("/apps/wealth/forms/customer").text


def test_the_designers_speak_chinese(wealth: TestClient) -> None:
    new_report(wealth)
    html = wealth.get(f"{DESIGN}/reports/by_tier", headers={"Accept-Language": "zh-CN"}).text
    assert "报表设计" in html
    assert "添加维度" in html


def test_a_new_report_needs_a_key_and_says_so(wealth: TestClient) -> None:
    csrf = token(page(wealth, DESIGN))
    refused = wealth.post(
        f"{DESIGN}/reports",
        data={"csrf_token": csrf, "key": "Bad Key", "label": "x", "form": "customer"},
    )
    assert refused.status_code == 422
    assert 'id="design-problem"' in refused.text
    assert wealth.get(f"{APP}/definitions/report/bad_key").status_code == 404


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None
    return unescape(found.group(1))


def test_undo_and_redo_step_through_the_drafts_states(wealth: TestClient) -> None:
    csrf = new_report(wealth)
    url = f"{DESIGN}/reports/by_tier"
    html = post(wealth, url, csrf, action="add:dimensions", **{"new-dimension-field": "tier"})
    assert 'id="undo"' in html
    history = {"undo": hidden(html, "undo"), "redo": hidden(html, "redo")}
    html = post(wealth, url, csrf, action="add:measures", **history)
    assert [m["key"] for m in draft(wealth, "report", "by_tier")["measures"]] == ["count"]
    history = {"undo": hidden(html, "undo"), "redo": hidden(html, "redo")}
    html = post(wealth, url, csrf, action="undo", **history)
    assert "measures" not in draft(wealth, "report", "by_tier")
    assert 'id="redo" class="secondary outline" disabled' not in html
    history = {"undo": hidden(html, "undo"), "redo": hidden(html, "redo")}
    html = post(wealth, url, csrf, action="undo", **history)
    assert "dimensions" not in draft(wealth, "report", "by_tier")
    assert 'id="undo" class="secondary outline" disabled' in html
    history = {"undo": hidden(html, "undo"), "redo": hidden(html, "redo")}
    html = post(wealth, url, csrf, action="redo", **history)
    assert draft(wealth, "report", "by_tier")["dimensions"] == [{"key": "tier", "field": "tier"}]
    # a new change forgets what was undone
    history = {"undo": hidden(html, "undo"), "redo": hidden(html, "redo")}
    html = post(wealth, url, csrf, chart="table", **history)
    assert hidden(html, "redo") == "[]"
    broken = post(wealth, url, csrf, action="undo", undo="not json", redo="{}")
    assert 'id="builder"' in broken


def test_the_builder_adds_its_published_report_to_a_dashboard(wealth: TestClient) -> None:
    csrf = new_report(wealth)
    url = f"{DESIGN}/reports/by_tier"
    post(wealth, url, csrf, action="add:dimensions", **{"new-dimension-field": "tier"})
    post(wealth, url, csrf, action="add:measures", **{"new-measure-function": "count"})
    wealth.post(
        f"{DESIGN}/dashboards", data={"csrf_token": csrf, "key": "overview", "label": "Overview"}
    )
    assert 'id="place"' not in page(wealth, url)  # not published yet
    wealth.post(f"{url}/publish", data={"csrf_token": csrf})
    assert 'id="place"' in page(wealth, url)
    placed = wealth.post(
        f"{DESIGN}/place",
        data={"csrf_token": csrf, "report": "by_tier", "dashboard": "overview"},
        follow_redirects=False,
    )
    assert placed.status_code == 303
    assert placed.headers["location"] == f"{DESIGN}/dashboards/overview"
    items = draft(wealth, "dashboard", "overview")["items"]
    assert items == [{"id": "by_tier", "report": "by_tier", "x": 0, "y": 0, "w": 6, "h": 4}]


def test_names_are_given_in_both_languages(wealth: TestClient) -> None:
    csrf = new_report(wealth)
    url = f"{DESIGN}/reports/by_tier"
    post(wealth, url, csrf, **{"label-zh": "按等级", "label-en": "By tier"})
    found = wealth.get(f"{APP}/definitions/report/by_tier").json()["draft"]["label"]
    assert found == {"zh-CN": "按等级", "en": "By tier"}
    html = post(wealth, url, csrf, **{"label-zh": "按等级", "label-en": ""})
    assert wealth.get(f"{APP}/definitions/report/by_tier").json()["draft"]["label"] == "按等级"
    assert 'name="label-zh" value="按等级"' in html


def test_a_draft_written_oddly_through_the_api_opens_with_its_problems(
    wealth: TestClient,
) -> None:
    odd = {
        "dataset": "customer",
        "dimensions": ["tier", {"key": "b"}],
        "measures": "all",
        "filters": [1],
        "chart": {"type": "bar"},
    }
    made = wealth.post(
        f"{APP}/definitions", json={"kind": "report", "key": "odd", "label": "Odd", "spec": odd}
    )
    assert made.status_code == 201, made.text
    html = page(wealth, f"{DESIGN}/reports/odd")
    assert 'id="publish" disabled' in html
    assert 'class="field-error"' in html
    csrf = token(html)
    html = post(wealth, f"{DESIGN}/reports/odd", csrf, action="add:dimensions")
    assert 'id="builder"' in html


def test_the_order_and_the_limit_make_a_top_list(wealth: TestClient) -> None:
    csrf = new_report(wealth)
    url = f"{DESIGN}/reports/by_tier"
    post(wealth, url, csrf, action="add:dimensions", **{"new-dimension-field": "tier"})
    post(wealth, url, csrf, action="add:measures", **{"new-measure-function": "count"})
    html = post(wealth, url, csrf, sort="count", limit="1", **{"sort-direction": "desc"})
    spec = draft(wealth, "report", "by_tier")
    assert spec["sort"] == [{"key": "count", "direction": "desc"}]
    assert spec["limit"] == 1
    assert html.count('<tr class="data">') == 1
    html = post(wealth, url, csrf, sort="", limit="lots")
    assert "sort" not in draft(wealth, "report", "by_tier")
    assert 'class="field-error"' in html.split('id="order"', 1)[1].split("</fieldset>", 1)[0]


def test_a_dragged_row_moves_to_where_it_was_dropped(wealth: TestClient) -> None:
    csrf = new_report(wealth)
    url = f"{DESIGN}/reports/by_tier"
    for function in ("count", "sum", "max"):
        fields = {"new-measure-function": function, "new-measure-field": "aum"}
        html = post(wealth, url, csrf, action="add:measures", **fields)
    assert 'data-sortable="move:measures"' in html
    assert 'id="grip-measures-2"' in html
    post(wealth, url, csrf, action="move:measures:2:0")
    keys = [m["key"] for m in draft(wealth, "report", "by_tier")["measures"]]
    assert keys == ["max_aum", "count_aum", "sum_aum"]
    post(wealth, url, csrf, action="move:measures:0:7")  # dropped outside the list
    post(wealth, url, csrf, action="move:measures:x:1")
    assert [m["key"] for m in draft(wealth, "report", "by_tier")["measures"]] == keys


def test_a_dashboard_item_is_placed_and_sized_where_it_is_dropped(wealth: TestClient) -> None:
    csrf = new_report(wealth)
    url = f"{DESIGN}/reports/by_tier"
    post(wealth, url, csrf, action="add:dimensions", **{"new-dimension-field": "tier"})
    post(wealth, url, csrf, action="add:measures", **{"new-measure-function": "count"})
    wealth.post(f"{url}/publish", data={"csrf_token": csrf})
    wealth.post(f"{DESIGN}/dashboards", data={"csrf_token": csrf, "key": "board", "label": "B"})
    board = f"{DESIGN}/dashboards/board"
    html = post(wealth, board, csrf, action="add", **{"new-item-report": "by_tier"})
    assert 'id="grip-0" data-drag="place"' in html
    assert 'id="resize-0" data-drag="size"' in html

    def placed() -> tuple[int, int, int, int]:
        item = draft(wealth, "dashboard", "board")["items"][0]
        return item["x"], item["y"], item["w"], item["h"]

    post(wealth, board, csrf, action="place:0:3:2")
    assert placed() == (3, 2, 6, 4)
    post(wealth, board, csrf, action="size:0:20:5")  # as wide as the grid allows from column 3
    assert placed() == (3, 2, 9, 5)
    post(wealth, board, csrf, action="place:0:11:0")  # as far right as its width allows
    assert placed() == (3, 0, 9, 5)
    post(wealth, board, csrf, action="size:0:0:0")
    assert placed() == (3, 0, 1, 1)
    post(wealth, board, csrf, action="place:0:2")  # not a drop: nothing moves
    assert placed() == (3, 0, 1, 1)


def test_a_stale_page_is_told_so_and_keeps_its_history(wealth: TestClient) -> None:
    csrf = new_report(wealth)
    url = f"{DESIGN}/reports/by_tier"
    html = post(wealth, url, csrf, action="add:dimensions", **{"new-dimension-field": "tier"})
    stale = {name: hidden(html, name) for name in ("undo", "redo", "revision")}
    post(wealth, url, csrf, action="add:measures", revision=stale["revision"])  # another tab
    refused = post(wealth, url, csrf, action="undo", **stale)
    assert "the draft changed since revision" in refused
    assert hidden(refused, "undo") == stale["undo"]
    assert draft(wealth, "report", "by_tier")["measures"]  # the other tab's edit stands
