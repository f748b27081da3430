"""Definitions as a designer or a script may send them half-broken: every shipped pack
definition, mutated (a value replaced by one of another shape, a member dropped or repeated),
is saved as a draft and published as a dry run. Each answer is the definition saved, or a 4xx
problem; never a server error (a draft hook read a list where it expected a field id and
answered 500). Deterministic: each definition's mutations come from a seed of its own."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
PACKS = Path(__file__).resolve().parents[2] / "src/brickwork/finance_templates"
MUTATIONS = 4
ODD: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    10**30,
    -(10**20),
    "",
    " ",
    "x",
    "amount",
    "不存在",
    "\u0000",
    "=1+1",
    "a" * 5000,
    "(((",
    "amount >",
    "2026-13-45",
    "PT-1H",
    "1e999",
    [],
    [None],
    [[[]]],
    {},
    {"a": 1},
    {"type": "x"},
]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def mutated(spec: Any, rng: random.Random) -> Any:
    """`spec` with one to three changes at random places."""
    spec = copy.deepcopy(spec)
    for _ in range(rng.randint(1, 3)):
        paths = [path for path in _paths(spec) if path]
        if not paths:
            break
        path = rng.choice(paths)
        parent = spec
        for step in path[:-1]:
            parent = parent[step]
        last, roll = path[-1], rng.random()
        if roll < 0.15 and isinstance(parent, dict):
            del parent[last]
        elif roll < 0.3 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        else:
            parent[last] = copy.deepcopy(rng.choice(ODD))
    return spec


def shipped() -> list[tuple[str, str, dict[str, Any]]]:
    """(pack, app, definition) of every shipped pack definition."""
    found = []
    for pack in sorted(path for path in PACKS.iterdir() if (path / "pack.json").exists()):
        app = json.loads((pack / "pack.json").read_text(encoding="utf-8"))["app"]["key"]
        for file in sorted((pack / "definitions").glob("*.json")):
            found.append((pack.name, app, json.loads(file.read_text(encoding="utf-8"))))
    return found


@pytest.mark.parametrize("pack", sorted(path.parent.name for path in PACKS.glob("*/pack.json")))
def test_mutated_definitions_are_saved_or_refused_never_crash(
    client: TestClient, pack: str
) -> None:
    installed = client.post(f"{API}/packs/{pack}/install", json={"sample_data": False})
    assert installed.status_code == 201, installed.text
    crashes: list[str] = []
    for _pack, app, body in (item for item in shipped() if item[0] == pack):
        kind, key = body["kind"], body["key"]
        url = f"{API}/apps/{app}/definitions/{kind}/{key}"
        rng = random.Random(f"{kind}.{key}")
        for _ in range(MUTATIONS):
            spec = mutated(body["spec"], rng)
            saved = client.put(url, json={"label": key, "spec": spec})
            answers = [("save", saved)]
            if saved.status_code == 200:
                answers.append(("publish", client.post(f"{url}/publish", json={"dry_run": True})))
            for step, answer in answers:
                assert answer.status_code != 200 or step == "save" or answer.json()["dry_run"]
                if answer.status_code >= 500:
                    crashes.append(f"{step} {kind}/{key}: {json.dumps(spec)[:400]}")
    assert not crashes, "\n".join(crashes)
