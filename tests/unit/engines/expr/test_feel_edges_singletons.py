"""DMN 1.5 §10.3.2.9.4, "from singleton list": a list of one element passed to a function
parameter that expects a single value of a kind is that element, so a filter that finds one
element can be used where one value is expected. Nowhere else: operators do not unwrap
(`[1] + 1` and `[1] = 1` compare a list with a number, as Camunda's feel-scala does), and a
parameter of any kind (`string`) or of a list kind (`count`) takes the list as it is."""

from __future__ import annotations

import pytest
from expr_support import shown

from brickwork.engines.expr import ExprCheckError, Scope, compile_expression
from brickwork.engines.expr import datatypes as t

PEOPLE = [{"id": 7, "name": "li"}, {"id": 8, "name": "wang"}]

SINGLETONS: list[tuple[str, str, tuple[str, ...]]] = [
    ('upper case(["a"])', '"A"', ()),
    ("upper case(people[id = 7].name)", '"LI"', ()),
    ("string length(people[id = 8].name)", "4", ()),
    ("abs([-1])", "1", ()),
    ('substring(["foobar"], [3])', '"obar"', ()),
    ('date(["2020-01-01"])', '@"2020-01-01"', ()),
    ("upper case([null])", "null", ()),
    # not a singleton, or not where a single value is expected
    ("upper case(people.name)", "null", ("E_ARGUMENT_TYPE",)),
    ("upper case([])", "null", ("E_ARGUMENT_TYPE",)),
    ("upper case([1])", "null", ("E_ARGUMENT_TYPE",)),
    ("string([1])", '"[1]"', ()),
    ("count([[1]])", "1", ()),
    ("[1] + 1", "null", ("E_TYPE_MISMATCH",)),
    ("[1] = 1", "null", ("E_TYPE_MISMATCH",)),
]


@pytest.mark.parametrize(("source", "expected", "codes"), SINGLETONS)
def test_singleton_list(source: str, expected: str, codes: tuple[str, ...]) -> None:
    assert shown(source, {"people": PEOPLE}) == (expected, codes)


def _scope() -> Scope:
    base = Scope.of({"person": {"id": "number", "name": "string"}, "ids": "list<number>"})
    return Scope({**base.fields, "people": t.list_of(base.fields["person"])}, base.user)


def test_a_checked_call_accepts_a_list_that_may_be_a_singleton() -> None:
    found = compile_expression("upper case(people[id = 7].name)", _scope())
    assert found.evaluate({"people": PEOPLE}).value == "LI"


def test_a_checked_call_refuses_a_list_of_the_wrong_kind() -> None:
    with pytest.raises(ExprCheckError) as caught:
        compile_expression("upper case(ids)", _scope())
    assert [d.code for d in caught.value.diagnostics] == ["E_ARGUMENT_TYPE"]
