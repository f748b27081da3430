"""The relations graph on a record's page over HTTP: declared by the form's `graph` setting and
refused at publish with pointers when it names a missing form or field or a bad highlight;
drawn as server-side SVG with shares on the edges and the highlighted nodes listed; through the
viewer's permissions (a party or relation the viewer may not read is not drawn, nor named), and
absent for a viewer who may not read the relations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_web_pages import page

API = "/api/v1"
EN = {"Accept-Language": "en"}

PARTY_FIELDS = [
    {"id": "p_no", "key": "party_no", "type": "text", "label": "No.", "required": True},
    {"id": "p_name", "key": "name", "type": "text", "label": "Name"},
    {
        "id": "p_kind",
        "key": "kind",
        "type": "single_select",
        "label": "Kind",
        "options": [{"value": "person", "label": "Person"}, {"value": "entity", "label": "Entity"}],
    },
]
RELATION_FIELDS = [
    {"id": "r_from", "key": "from_party", "type": "text", "label": "From"},
    {"id": "r_to", "key": "to_party", "type": "text", "label": "To"},
    {
        "id": "r_type",
        "key": "relation_type",
        "type": "single_select",
        "label": "Type",
        "options": [
            {"value": "ownership", "label": "Ownership"},
            {"value": "family", "label": {"en": "Family", "zh-CN": "亲属"}},
        ],
    },
    {"id": "r_share", "key": "share", "type": "decimal", "scale": 2, "label": "Share %"},
]
GRAPH = {
    "relations": "relation",
    "key": "party_no",
    "from_field": "from_party",
    "to_field": "to_party",
    "kind_field": "relation_type",
    "share_field": "share",
    "label": "name",
    "highlight": 'kind = "person" and share >= 25',
    "depth": 3,
}


def define(client: TestClient, key: str, spec: dict[str, Any]) -> Any:
    if client.get(f"{API}/apps/grp/definitions/form/{key}").status_code == 404:
        body = {"kind": "form", "key": key, "label": key}
        assert client.post(f"{API}/apps/grp/definitions", json=body).status_code == 201
    drafted = client.put(
        f"{API}/apps/grp/definitions/form/{key}", json={"label": key, "spec": spec}
    )
    assert drafted.status_code == 200, drafted.text
    return client.post(f"{API}/apps/grp/definitions/form/{key}/publish", json={})


def refused(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    return [(e["pointer"], e["code"]) for e in response.json()["errors"]]


@pytest.fixture
def group(client: TestClient) -> dict[str, str]:
    assert client.post(f"{API}/apps", json={"key": "grp", "label": "Group"}).status_code == 201
    assert define(client, "relation", {"fields": RELATION_FIELDS}).status_code == 201
    party = {"fields": PARTY_FIELDS, "graph": GRAPH}
    assert define(client, "party", party).status_code == 201, "published"
    ids = {}
    for no, name, kind in (
        ("P1", "Zhang Wei", "person"),
        ("P2", "Li Na", "person"),
        ("S1", "Secret Holder", "person"),
        ("H1", "East Holdings", "entity"),
        ("C1", "East Precision", "entity"),
        ("X1", "Far Away", "entity"),
    ):
        body = {"party_no": no, "name": name, "kind": kind}
        created = client.post(f"{API}/apps/grp/forms/party/records", json=body)
        assert created.status_code == 201, created.text
        ids[no] = created.json()["id"]
    for a, b, kind, share in (
        ("P1", "H1", "ownership", 60),
        ("S1", "H1", "ownership", 40),
        ("H1", "C1", "ownership", 50),
        ("P1", "C1", "ownership", 10),
        ("P2", "C1", "ownership", 40),
        ("P2", "P1", "family", None),
        ("X1", "P2", "family", None),  # two steps from C1, through a family relation
    ):
        body: dict[str, Any] = {"from_party": a, "to_party": b, "relation_type": kind}
        if share is not None:
            body["share"] = share
        created = client.post(f"{API}/apps/grp/forms/relation/records", json=body)
        assert created.status_code == 201, created.text
    return ids


def nodes(html: str) -> set[str]:
    return set(re.findall(r'<g class="node-box[^"]*" data-node="([^"]+)"', html))


def highlighted(html: str) -> set[str]:
    return set(re.findall(r'<g class="node-box highlighted" data-node="([^"]+)"', html))


def test_the_graph_draws_shares_and_highlights_owners(
    client: TestClient, group: dict[str, str]
) -> None:
    html = page(client, f"/apps/grp/forms/party/records/{group['C1']}", headers=EN)
    assert '<h2 id="graph-title">Relations</h2>' in html
    assert nodes(html) == {"C1", "H1", "P1", "P2", "S1", "X1"}
    assert re.search(r'<g class="node-box center" data-node="C1"', html)
    # P1: 60 % of 50 % and 10 % directly = 40 %; P2 40 %; S1 40 % of 50 % = 20 %
    assert highlighted(html) == {"P1", "P2"}
    labels = re.findall(r'class="edge-label">([^<]+)</text>', html)
    assert sorted(labels) == sorted(["60%", "40%", "50%", "10%", "40%", "Family", "Family"])
    rows = dict(re.findall(r'data-node="([^"]+)"><td>.*?<td class="num">([^<]*)<', html))
    assert rows == {"P1": "40%", "P2": "40%", "H1": "50%", "S1": "20%", "X1": ""}


def without_tokens(html: str) -> str:
    """The page without its session's CSRF token, a random text that may hold "S1" or "X1"."""
    return re.sub(r'(name="csrf-token" content="|name="csrf_token" value=")[^"]+', r"\1", html)


def test_what_the_viewer_may_not_read_is_not_drawn(users: Any, group: dict[str, str]) -> None:
    viewer = users.client(
        "viewer",
        grants=[
            {"app": "grp", "form": "party", "actions": ["read"],
             "rows": {"expression": 'name != "Secret Holder"'}},
            {"app": "grp", "form": "relation", "actions": ["read"],
             "rows": {"expression": 'relation_type = "ownership"'}},
        ],
    )  # fmt: skip
    html = without_tokens(page(viewer, f"/apps/grp/forms/party/records/{group['C1']}", headers=EN))
    assert nodes(html) == {"C1", "H1", "P1", "P2"}
    assert "Secret" not in html
    assert "S1" not in html
    assert "Family" not in html  # relations the viewer may not read
    assert "X1" not in html  # reached only through one of them
    assert highlighted(html) == {"P1", "P2"}

    blind = users.client(
        "blind", grants=[{"app": "grp", "form": "party", "actions": ["read"], "rows": "all"}]
    )
    html = page(blind, f"/apps/grp/forms/party/records/{group['C1']}", headers=EN)
    assert 'id="graph-title"' not in html
    assert "East Holdings" not in html


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"relations": "nowhere"}, ("/spec/graph/relations", "graph_form_missing")),
        ({"from_field": "owner_no"}, ("/spec/graph/from_field", "graph_unknown_field")),
        ({"share_field": "pct"}, ("/spec/graph/share_field", "graph_unknown_field")),
        ({"key": "kind"}, ("/spec/graph/key", "graph_key_field")),
        ({"label": "title"}, ("/spec/graph/label", "graph_unknown_field")),
        ({"highlight": "kinds = 1"}, ("/spec/graph/highlight", "expression_unknown_name")),
        ({"highlight": "share + 1"}, ("/spec/graph/highlight", "expression_type")),
    ],
)
def test_a_bad_graph_is_refused_at_publish_with_a_pointer(
    client: TestClient, change: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert client.post(f"{API}/apps", json={"key": "grp", "label": "Group"}).status_code == 201
    assert define(client, "relation", {"fields": RELATION_FIELDS}).status_code == 201
    answer = define(client, "party", {"fields": PARTY_FIELDS, "graph": {**GRAPH, **change}})
    assert expected in refused(answer)
