"""Property: any decision model exported to DMN XML and imported again is the same model."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from brickwork.engines.rules.definition import HIT_POLICIES, DecisionModel
from brickwork.engines.rules.dmn_xml import export_dmn, import_dmn

IDS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,12}", fullmatch=True)
NAMES = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: s.strip() == s and s != "")
# any text XML can carry (no control characters), including markup characters
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)
FEEL = TEXT.filter(lambda s: s.strip() != "" and s == s.strip())
TYPES = st.sampled_from(["number", "string", "boolean", "date", "date and time", "tThing"])


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def _drop_none(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


@st.composite
def tables(draw: st.DrawFn) -> dict[str, Any]:
    n_in = draw(st.integers(0, 3))
    n_out = draw(st.integers(1, 2))
    n_notes = draw(st.integers(0, 2))
    inputs = [
        _drop_none(
            id=f"in{i}",
            expression=draw(FEEL),
            label=draw(_optional(NAMES)),
            type_ref=draw(_optional(TYPES)),
            input_values=draw(_optional(FEEL)),
        )
        for i in range(n_in)
    ]
    outputs = [
        _drop_none(
            id=f"out{i}",
            name=f"o{i}",
            label=draw(_optional(NAMES)),
            type_ref=draw(_optional(TYPES)),
            output_values=draw(_optional(TEXT)),
            default=draw(_optional(FEEL)),
        )
        for i in range(n_out)
    ]
    rules = [
        {
            "id": f"r{r}",
            "when": [draw(FEEL) for _ in range(n_in)],
            "then": [draw(FEEL) for _ in range(n_out)],
            "annotations": [draw(TEXT) for _ in range(n_notes)],
        }
        for r in range(draw(st.integers(0, 3)))
    ]
    return _drop_none(
        type="decision_table",
        id=draw(_optional(IDS)),
        hit_policy=draw(st.sampled_from(HIT_POLICIES)),
        inputs=inputs,
        outputs=outputs,
        annotations=[f"note {i}" for i in range(n_notes)],
        rules=rules,
    )


def boxed(depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    literal = st.builds(
        lambda text, type_ref, id_: _drop_none(
            type="literal", text=text, type_ref=type_ref, id=id_
        ),
        FEEL,
        _optional(TYPES),
        _optional(IDS),
    )
    if depth == 0:
        return st.one_of(literal, tables())
    inner = boxed(depth - 1)
    return st.one_of(
        literal,
        tables(),
        st.builds(lambda e: {"type": "list", "items": e}, st.lists(inner, max_size=2)),
        st.builds(
            lambda names, last, values: {
                "type": "context",
                "entries": [{"name": n, "value": v} for n, v in zip(names, values, strict=False)]
                + ([{"value": last}] if last else []),
            },
            st.lists(NAMES, max_size=2, unique=True),
            _optional(inner),
            st.lists(inner, min_size=2, max_size=2),
        ),
        st.builds(
            lambda c, rows: {"type": "relation", "columns": ["a", "b"], "rows": rows},
            st.just(None),
            st.lists(st.lists(inner, min_size=2, max_size=2), max_size=2),
        ),
        st.builds(
            lambda f, b: {
                "type": "invocation",
                "function": f,
                "bindings": [{"name": "p", "value": v} for v in b],
            },
            NAMES,
            st.lists(inner, max_size=1),
        ),
        st.builds(
            lambda a, b, c: {"type": "conditional", "if": a, "then": b, "else": c},
            inner,
            inner,
            inner,
        ),
        st.builds(lambda a, b: {"type": "filter", "in": a, "match": b}, inner, inner),
        st.builds(
            lambda kind, a, b: {
                "type": "iterator",
                "kind": kind,
                "variable": "x",
                "in": a,
                ("return" if kind == "for" else "satisfies"): b,
            },
            st.sampled_from(["for", "some", "every"]),
            inner,
            inner,
        ),
        st.builds(
            lambda params, body: {
                "type": "function",
                "body": body,
                "parameters": [_drop_none(name=n, type_ref=t) for n, t in params],
            },
            st.lists(st.tuples(NAMES, _optional(TYPES)), max_size=2),
            inner,
        ),
    )


@st.composite
def models(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 3))
    inputs = [
        _drop_none(id=f"i{k}", name=f"In {k}", type_ref=draw(_optional(TYPES)))
        for k in range(draw(st.integers(0, 2)))
    ]
    knowledge = [
        {
            "id": f"k{k}",
            "name": f"K{k}",
            "logic": draw(boxed(1)),
            "parameters": [{"name": "p"}],
            "requires": {"knowledge": [f"K{j}" for j in range(k)]},
        }
        for k in range(draw(st.integers(0, 2)))
    ]
    decisions = []
    for d in range(n):
        requires = {
            "decisions": [f"D{j}" for j in range(d) if draw(st.booleans())],
            "inputs": [i["name"] for i in inputs if draw(st.booleans())],
            "knowledge": [k["name"] for k in knowledge if draw(st.booleans())],
        }
        decisions.append(
            _drop_none(
                id=f"d{d}",
                name=f"D{d}",
                type_ref=draw(_optional(TYPES)),
                requires=requires,
                logic=draw(boxed()),
                description=draw(_optional(TEXT)),
            )
        )
    items = [
        {
            "id": "t1",
            "name": "tThing",
            "components": [
                _drop_none(
                    id="t2", name="a", type_ref="number", allowed_values=draw(_optional(FEEL))
                )
            ],
            "is_collection": draw(st.booleans()),
        }
    ]
    return _drop_none(
        name=draw(_optional(NAMES)),
        namespace=draw(_optional(st.just("https://bank.example/dmn"))),
        item_definitions=items,
        inputs=inputs,
        decisions=decisions,
        knowledge=knowledge,
        entry=draw(_optional(st.just("D0"))),
    )


@given(models())
def test_export_then_import_is_the_identity(spec: dict[str, Any]) -> None:
    model = DecisionModel.model_validate(spec)
    back = import_dmn(export_dmn(model))
    assert DecisionModel.model_validate(back) == model
