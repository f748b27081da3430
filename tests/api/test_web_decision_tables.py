"""The decision-table designer over HTTP: a new table from the browser's form, the grid saved
as the same draft JSON the API reads, problems placed next to their cells, the overlap analysis
next to its rules, cells checked as they are typed, embedded tests run and required before
publish, and only designers let in."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from conftest import Users

API = "/api/v1/apps/risk"
PAGE = "/apps/risk/design/decisions"
EN = {"Accept-Language": "en"}


def started(client: TestClient) -> TestClient:
    made = client.post("/api/v1/apps", json={"key": "risk", "label": "Risk"})
    assert made.status_code == 201, made.text
    created = client.post(
        PAGE, data={"key": "country_risk", "label": "Country risk"}, follow_redirects=False
    )
    assert created.status_code == 303, created.text
    assert created.headers["location"] == f"{PAGE}/country_risk"
    return client


def grid(rules: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    """The editor's form: one input (Country), one output (risk), the rules given."""
    form: dict[str, Any] = {
        "label": "Country risk",
        "hit_policy": "U",
        "in_id": ["in_1"],
        "in_name": ["Country"],
        "in_type": ["string"],
        "out_id": ["out_1"],
        "out_name": ["risk"],
        "out_type": ["string"],
        "rule_id": [f"r_{n}" for n in range(1, len(rules) + 1)],
    }
    for row, (when, then) in enumerate(rules):
        form[f"when-{row}-0"] = when
        form[f"then-{row}-0"] = then
    return {**form, **extra}


def edit(client: TestClient, form: dict[str, Any]) -> str:
    """The grid after a step, as htmx receives it (the form alone, swapped in place)."""
    response = client.post(f"{PAGE}/country_risk", data=form, headers={**EN, "HX-Request": "true"})
    assert response.status_code == 200, response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.text.lstrip().startswith('<form id="table-editor"')
    return response.text


def draft(client: TestClient) -> dict[str, Any]:
    found = client.get(f"{API}/definitions/decision_table/country_risk")
    assert found.status_code == 200, found.text
    spec: dict[str, Any] = found.json()["draft"]["spec"]
    return spec


def test_a_table_built_in_the_grid_is_the_api_s_draft(client: TestClient) -> None:
    started(client)
    listing = client.get(PAGE, headers=EN)
    assert "Country risk" in listing.text
    page = client.get(f"{PAGE}/country_risk", headers=EN)
    assert page.status_code == 200
    assert 'id="decision-grid"' in page.text
    edit(client, grid([('"KP", "IR"', '"high"'), ('not("KP", "IR")', '"low"')]))
    spec = draft(client)
    table = spec["decisions"][0]["logic"]
    assert spec["inputs"] == [{"id": "i_in_1", "name": "Country", "type_ref": "string"}]
    assert [r["when"] for r in table["rules"]] == [['"KP", "IR"'], ['not("KP", "IR")']]
    assert table["outputs"][0]["name"] == "risk"
    without_scripts = client.post(f"{PAGE}/country_risk", data=grid([("-", '"x"')]), headers=EN)
    assert "<html" in without_scripts.text
    assert 'id="design-decisions"' in without_scripts.text


def test_an_overlap_is_shown_next_to_its_rules_until_fixed(client: TestClient) -> None:
    started(client)
    html = edit(client, grid([('"KP", "IR"', '"high"'), ("-", '"low"')]))
    assert 'id="findings"' in html
    assert "row-warning" in html
    assert "Overlap" in html
    fixed = edit(client, grid([('"KP", "IR"', '"high"'), ('not("KP", "IR")', '"low"')]))
    assert 'id="findings"' not in fixed


def test_rows_are_added_moved_and_removed_by_buttons(client: TestClient) -> None:
    started(client)
    rules = [('"KP"', '"high"'), ('"IR"', '"medium"')]
    edit(client, grid(rules, action="down:0"))
    assert [r["id"] for r in draft(client)["decisions"][0]["logic"]["rules"]] == ["r_2", "r_1"]
    edit(client, grid(rules, action="add-rule"))
    assert len(draft(client)["decisions"][0]["logic"]["rules"]) == 3
    edit(client, grid(rules, action="delete-rule:0"))
    assert [r["id"] for r in draft(client)["decisions"][0]["logic"]["rules"]] == ["r_2"]
    edit(client, grid(rules, action="add-input"))
    logic = draft(client)["decisions"][0]["logic"]
    assert [c["expression"] for c in logic["inputs"]] == ["Country", "Input 2"]
    assert logic["rules"][0]["when"] == ['"KP"', "-"]


def test_a_bad_cell_is_shown_next_to_it(client: TestClient) -> None:
    started(client)
    checked = client.post(
        f"{PAGE}/country_risk/cell", data={"cell": "when-0-0", "when-0-0": "[1.."}, headers=EN
    )
    assert checked.status_code == 200
    assert 'id="check-when-0-0"' in checked.text
    assert "Line 1, column" in checked.text
    fine = client.post(
        f"{PAGE}/country_risk/cell", data={"cell": "then-0-0", "then-0-0": '"high"'}, headers=EN
    )
    assert "cell-error" not in fine.text
    html = edit(client, grid([('"KP"', "Unknown name")]))
    cell = html.split('id="check-then-0-0"', 1)[1].split("</small>", 1)[0]
    assert "cell-error" in cell


def test_tests_run_and_a_failing_one_blocks_publishing(client: TestClient) -> None:
    started(client)
    rules = [('"KP", "IR"', '"high"'), ('not("KP", "IR")', '"low"')]
    tests = {"test_id": ["t_1"], "test-0-0": '"KP"', "expect-0": '"low"'}
    html = edit(client, grid(rules, action="run-tests", **tests))
    assert "Failed: got" in html
    refused = edit(client, grid(rules, action="publish", **tests))
    assert "Published as version" not in refused
    assert "E_DMN_TEST_FAILED" not in refused  # the message speaks, not the code
    assert draft(client)["tests"] == [{"id": "t_1", "inputs": {"Country": "KP"}, "expected": "low"}]
    tests["expect-0"] = '"high"'
    passed = edit(client, grid(rules, action="run-tests", **tests))
    assert "Passed" in passed
    published = edit(client, grid(rules, action="publish", **tests))
    assert "Published as version 1." in published
    evaluated = client.post(
        f"{API}/decisions/country_risk/evaluate", json={"inputs": {"Country": "IR"}}
    )
    assert evaluated.json()["value"] == "high"


def test_what_the_grid_does_not_show_is_kept(client: TestClient) -> None:
    started(client)
    spec = draft(client)
    logic = spec["decisions"][0]["logic"]
    logic["outputs"][0].update(output_values='"high", "low"', default='"low"')
    logic["annotations"] = ["Why"]
    logic["rules"][0]["annotations"] = ["sanctions"]
    body = {"label": "Country risk", "spec": spec}
    saved = client.put(f"{API}/definitions/decision_table/country_risk", json=body)
    assert saved.status_code == 200, saved.text
    edit(client, grid([('"KP"', '"high"')], action="add-rule"))
    logic = draft(client)["decisions"][0]["logic"]
    assert logic["outputs"][0]["output_values"] == '"high", "low"'
    assert logic["outputs"][0]["default"] == '"low"'
    assert [r["annotations"] for r in logic["rules"]] == [["sanctions"], [""]]


def test_a_model_the_grid_cannot_show_is_left_alone(client: TestClient) -> None:
    started(client)
    spec = draft(client)
    second = {"id": "d_two", "name": "two", "logic": {"type": "literal", "text": "1"}}
    spec["decisions"].append(second)
    body = {"label": "Country risk", "spec": spec}
    saved = client.put(f"{API}/definitions/decision_table/country_risk", json=body)
    assert saved.status_code == 200, saved.text
    html = edit(client, grid([("-", '"x"')]))
    assert "edit it through the API or a DMN import" in html
    assert len(draft(client)["decisions"]) == 2


def test_a_bad_or_taken_key_is_said_next_to_it(client: TestClient) -> None:
    started(client)
    bad = client.post(PAGE, data={"key": "Country Risk", "label": "x"}, headers=EN)
    assert bad.status_code == 422
    assert 'id="new-key-error"' in bad.text
    assert 'value="Country Risk"' in bad.text
    taken = client.post(PAGE, data={"key": "country_risk", "label": "x"}, headers=EN)
    assert taken.status_code == 422
    assert "already has a decision_table" in taken.text


def test_only_designers_reach_the_designer(client: TestClient, users: Users) -> None:
    started(client)
    reader = users.client("reader", grants=[{"app": "risk", "actions": ["read"], "rows": "all"}])
    assert reader.get(PAGE, headers=EN).status_code == 403
    assert reader.get(f"{PAGE}/country_risk", headers=EN).status_code == 403
    refused = reader.post(f"{PAGE}/country_risk", data=grid([("-", '"x"')]), headers=EN)
    assert refused.status_code == 403


def rule_order(client: TestClient) -> list[str]:
    return [r["id"] for r in draft(client)["decisions"][0]["logic"]["rules"]]


def history(html: str) -> dict[str, str]:
    """The undo and redo stacks the page carries, and its draft revision, as it sends them."""
    found = {name: re.search(rf'name="{name}" value="([^"]*)"', html) for name in HIDDEN}
    return {name: unescape(match.group(1)) for name, match in found.items() if match}


HIDDEN = ("undo", "redo", "revision")
NEW_COLUMNS = {"in_name": ["Input 1"], "in_type": [""], "out_name": ["result"], "out_type": [""]}
"""The columns of a new table, as its page sends them."""


def test_a_dragged_rule_moves_to_where_it_was_dropped(client: TestClient) -> None:
    started(client)
    rules = [('"KP"', '"high"'), ('"IR"', '"medium"'), ('"CU"', '"low"')]
    html = edit(client, grid(rules, action="move:2:0"))
    assert rule_order(client) == ["r_3", "r_1", "r_2"]
    assert 'data-sortable="move"' in html
    assert 'id="grip-r_3"' in html
    moved = [(r["when"], r["then"]) for r in draft(client)["decisions"][0]["logic"]["rules"]]
    assert moved[0] == (['"CU"'], ['"low"'])  # the cells go with their rule
    edit(client, grid(rules, action="move:0:9"))  # a drop outside the table moves nothing
    assert rule_order(client) == ["r_1", "r_2", "r_3"]


def test_undo_and_redo_step_through_the_tables_states(client: TestClient) -> None:
    started(client)
    rules = [('"KP"', '"high"'), ('"IR"', '"medium"')]
    html = edit(client, grid(rules, **NEW_COLUMNS))
    assert 'id="undo" class="secondary outline" disabled' not in html
    html = edit(client, grid(rules, action="move:1:0", **NEW_COLUMNS, **history(html)))
    moved = grid(rules[::-1], rule_id=["r_2", "r_1"], **NEW_COLUMNS)
    html = edit(client, {**moved, "hit_policy": "F", **history(html)})
    assert draft(client)["decisions"][0]["logic"]["hit_policy"] == "F"
    # undo: the hit policy, then the move, then the cells
    html = edit(client, {**moved, "hit_policy": "F", "action": "undo", **history(html)})
    assert draft(client)["decisions"][0]["logic"]["hit_policy"] == "U"
    html = edit(client, {**moved, "action": "undo", **history(html)})
    assert rule_order(client) == ["r_1", "r_2"]
    html = edit(client, grid(rules, action="undo", **NEW_COLUMNS, **history(html)))
    assert draft(client)["decisions"][0]["logic"]["rules"][0]["then"] == ['""']
    assert 'id="undo" class="secondary outline" disabled' in html
    html = edit(client, grid([("-", '""')], action="redo", **NEW_COLUMNS, **history(html)))
    assert draft(client)["decisions"][0]["logic"]["rules"][0]["then"] == ['"high"']
    html = edit(client, grid(rules, action="redo", **NEW_COLUMNS, **history(html)))
    assert rule_order(client) == ["r_2", "r_1"]
    # what was typed but not saved is undone first, and redo brings it back
    typed = [('"IR"', '"medium"'), ('"KP"', '"severe"')]
    shown = {"rule_id": ["r_2", "r_1"], **NEW_COLUMNS, **history(html)}
    html = edit(client, grid(typed, action="undo", **shown))
    assert draft(client)["decisions"][0]["logic"]["rules"][1]["then"] == ['"high"']
    shown = {"rule_id": ["r_2"], **NEW_COLUMNS, **history(html)}
    html = edit(client, grid(typed[:1], action="redo", **shown))
    assert rule_order(client) == ["r_2"]  # another change: it is saved, and nothing to redo
    assert history(html)["redo"] == "[]"


def test_a_stale_page_is_told_so_and_loses_nothing(client: TestClient) -> None:
    started(client)
    rules = [('"KP"', '"high"')]
    html = edit(client, grid(rules))
    stale = history(html)
    edit(client, grid([('"IR"', '"low"')], **history(html)))  # another tab saves
    refused = edit(client, grid(rules, action="undo", **stale))
    assert "the draft changed since revision" in refused
    assert draft(client)["decisions"][0]["logic"]["rules"][0]["when"] == ['"IR"']
    assert history(refused)["undo"] == stale["undo"]
    odd = edit(client, grid(rules, action="undo", undo='[{"label": 1}, 7]', redo="nope"))
    assert 'id="undo" class="secondary outline" disabled' in odd  # read as no history


def test_columns_move_by_buttons_and_by_drag_with_their_cells(client: TestClient) -> None:
    started(client)
    form = grid([('"KP"', '"high"')], action="add-input")
    edit(client, form)
    two = {
        **grid([('"KP"', '"high"')]),
        "in_id": ["in_1", "in_2"],
        "in_name": ["Country", "Sector"],
        "in_type": ["string", "string"],
        "when-0-1": '"bank"',
    }
    html = edit(client, {**two, "action": "right-input:0"})
    assert 'id="grip-in_1"' in html
    assert 'data-move="move-input"' in html
    logic = draft(client)["decisions"][0]["logic"]
    assert [c["expression"] for c in logic["inputs"]] == ["Sector", "Country"]
    assert logic["rules"][0]["when"] == ['"bank"', '"KP"']
    assert [i["name"] for i in draft(client)["inputs"]] == ["Sector", "Country"]
    edit(client, {**two, "action": "move-input:1:0"})
    logic = draft(client)["decisions"][0]["logic"]
    assert [c["expression"] for c in logic["inputs"]] == ["Sector", "Country"]
    edit(client, {**two, "action": "left-input:0"})  # the first stays first
    edit(client, {**two, "action": "move-output:0:3"})  # no such place
    logic = draft(client)["decisions"][0]["logic"]
    assert [c["expression"] for c in logic["inputs"]] == ["Country", "Sector"]
    assert logic["rules"][0]["then"] == ['"high"']
