"""Definition diffs: the patch is exact, the summary follows element ids."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from brickwork.jsonio import canonical_dumps
from brickwork.platform.metadata.diff import apply_patch, json_patch, summarise

documents: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["a", "b", "~/"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "c/d", "e~f"]), children, max_size=4)
    ),
    max_leaves=15,
)


@given(documents, documents)
def test_applying_the_patch_gives_the_target(before: Any, after: Any) -> None:
    patched = apply_patch(before, json_patch(before, after))
    assert canonical_dumps(patched) == canonical_dumps(after)


@given(documents)
def test_no_changes_no_patch(document: Any) -> None:
    assert json_patch(document, document) == []
    assert summarise(document, document) == []


def test_true_is_not_one() -> None:
    assert json_patch({"a": 1}, {"a": True}) == [{"op": "replace", "path": "/a", "value": True}]


def test_summary_matches_elements_by_id() -> None:
    before = {"fields": [{"id": "f1", "label": "Name"}, {"id": "f2", "label": "Age"}]}
    after = {
        "fields": [
            {"id": "f2", "label": "Age"},
            {"id": "f1", "label": "Full name"},
            {"id": "f3", "label": "AUM"},
        ]
    }
    changes = summarise(before, after)
    assert {
        "path": "fields[f1].label",
        "change": "changed",
        "before": "Name",
        "after": "Full name",
    } in changes
    assert {"path": "fields[f3]", "change": "added", "after": {"id": "f3", "label": "AUM"}} in (
        changes
    )
    assert any(c["change"] == "reordered" for c in changes)
