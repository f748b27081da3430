"""Range functions (DMN 1.5 §10.3.4.9): `before`, `after`, `meets`, `met by`, `overlaps`,
`overlaps before`, `overlaps after`, `finishes`, `finished by`, `includes`, `during`, `starts`,
`started by` and `coincides`, on points and ranges.

Each function is the spec's formula over the range properties (`start`, `end`, `start included`,
`end included`). A range end that is absent (`(< 10)`, `[5..)`) is unbounded: it lies beyond
every point, so the formulas give a definite answer, as Camunda and Drools do. Points are
numbers, strings, dates, times, dates and times or durations; points and ends of different kinds
give null plus a diagnostic. Evaluators are pure.
"""

from __future__ import annotations

from collections.abc import Callable

from brickwork.engines.expr.datatypes import BOOLEAN
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, Signature, ex, sig
from brickwork.engines.expr.values import RangeValue, Value, kind_of, order
from brickwork.engines.expr.words import zh_kind

Bound = tuple[int, Value]
"""A point or range end: (-1, None) is unbounded below, (1, None) above, (0, x) the value x."""

Shape = tuple[bool, bool]
"""Whether each argument is a range."""

PARAMS: dict[Shape, tuple[str, str]] = {
    (False, False): ("point1", "point2"),
    (False, True): ("point", "range"),
    (True, False): ("range", "point"),
    (True, True): ("range1", "range2"),
}


def _cmp(a: Bound, b: Bound) -> int:
    if a[0] or b[0]:
        return (a[0] > b[0]) - (a[0] < b[0])
    found = order(a[1], b[1])
    if found is None:
        message = f"cannot compare a {kind_of(a[1])} with a {kind_of(b[1])}"
        zh_cn = f"无法比较{zh_kind(kind_of(a[1]))}与{zh_kind(kind_of(b[1]))}"
        raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)
    return found


class _Span:
    """The four properties of a range as comparable bounds."""

    __slots__ = ("end", "end_in", "start", "start_in")

    def __init__(self, rng: RangeValue) -> None:
        self.start: Bound = (-1, None) if rng.low is None else (0, rng.low)
        self.end: Bound = (1, None) if rng.high is None else (0, rng.high)
        self.start_in = rng.low_closed and rng.low is not None
        self.end_in = rng.high_closed and rng.high is not None


def _lt(a: Bound, b: Bound) -> bool:
    return _cmp(a, b) < 0


def _eq(a: Bound, b: Bound) -> bool:
    return _cmp(a, b) == 0


# ---------------------------------------------------------------- the spec's formulas


def _before_rr(r1: _Span, r2: _Span) -> bool:
    return _lt(r1.end, r2.start) or (_eq(r1.end, r2.start) and (not r1.end_in or not r2.start_in))


def _meets(r1: _Span, r2: _Span) -> bool:
    return r1.end_in and r2.start_in and _eq(r1.end, r2.start)


def _overlaps(r1: _Span, r2: _Span) -> bool:
    return (_lt(r2.start, r1.end) or (_eq(r1.end, r2.start) and r1.end_in and r2.start_in)) and (
        _lt(r1.start, r2.end) or (_eq(r1.start, r2.end) and r1.start_in and r2.end_in)
    )


def _overlaps_before(r1: _Span, r2: _Span) -> bool:
    return (
        (_lt(r1.start, r2.start) or (_eq(r1.start, r2.start) and r1.start_in and not r2.start_in))
        and (_lt(r2.start, r1.end) or (_eq(r1.end, r2.start) and r1.end_in and r2.start_in))
        and (_lt(r1.end, r2.end) or (_eq(r1.end, r2.end) and (not r1.end_in or r2.end_in)))
    )


def _finishes_rr(r1: _Span, r2: _Span) -> bool:
    return (
        r1.end_in == r2.end_in
        and _eq(r1.end, r2.end)
        and (
            _lt(r2.start, r1.start)
            or (_eq(r1.start, r2.start) and (not r1.start_in or r2.start_in))
        )
    )


def _includes_rr(r1: _Span, r2: _Span) -> bool:
    return (
        _lt(r1.start, r2.start) or (_eq(r1.start, r2.start) and (r1.start_in or not r2.start_in))
    ) and (_lt(r2.end, r1.end) or (_eq(r1.end, r2.end) and (r1.end_in or not r2.end_in)))


def _includes_rp(r: _Span, p: Bound) -> bool:
    return (
        (_lt(r.start, p) and _lt(p, r.end))
        or (_eq(r.start, p) and r.start_in)
        or (_eq(r.end, p) and r.end_in)
    )


def _starts_rr(r1: _Span, r2: _Span) -> bool:
    return (
        _eq(r1.start, r2.start)
        and r1.start_in == r2.start_in
        and (_lt(r1.end, r2.end) or (_eq(r1.end, r2.end) and (not r1.end_in or r2.end_in)))
    )


def _coincides_rr(r1: _Span, r2: _Span) -> bool:
    return (
        _eq(r1.start, r2.start)
        and r1.start_in == r2.start_in
        and _eq(r1.end, r2.end)
        and r1.end_in == r2.end_in
    )


Rule = Callable[[Value, Value], bool]


def _pp(test: Callable[[Bound, Bound], bool]) -> Rule:
    return lambda a, b: test((0, a), (0, b))


def _pr(test: Callable[[Bound, _Span], bool]) -> Rule:
    return lambda a, b: test((0, a), _Span(b))


def _rp(test: Callable[[_Span, Bound], bool]) -> Rule:
    return lambda a, b: test(_Span(a), (0, b))


def _rr(test: Callable[[_Span, _Span], bool]) -> Rule:
    return lambda a, b: test(_Span(a), _Span(b))


RULES: dict[str, dict[Shape, Rule]] = {
    "before": {
        (False, False): _pp(_lt),
        (False, True): _pr(lambda p, r: _lt(p, r.start) or (_eq(p, r.start) and not r.start_in)),
        (True, False): _rp(lambda r, p: _lt(r.end, p) or (_eq(r.end, p) and not r.end_in)),
        (True, True): _rr(_before_rr),
    },
    "after": {
        (False, False): _pp(lambda a, b: _lt(b, a)),
        (False, True): _pr(lambda p, r: _lt(r.end, p) or (_eq(p, r.end) and not r.end_in)),
        (True, False): _rp(lambda r, p: _lt(p, r.start) or (_eq(r.start, p) and not r.start_in)),
        (True, True): _rr(lambda r1, r2: _before_rr(r2, r1)),
    },
    "meets": {(True, True): _rr(_meets)},
    "met by": {(True, True): _rr(lambda r1, r2: _meets(r2, r1))},
    "overlaps": {(True, True): _rr(_overlaps)},
    "overlaps before": {(True, True): _rr(_overlaps_before)},
    "overlaps after": {(True, True): _rr(lambda r1, r2: _overlaps_before(r2, r1))},
    "finishes": {
        (False, True): _pr(lambda p, r: r.end_in and _eq(r.end, p)),
        (True, True): _rr(_finishes_rr),
    },
    "finished by": {
        (True, False): _rp(lambda r, p: r.end_in and _eq(r.end, p)),
        (True, True): _rr(lambda r1, r2: _finishes_rr(r2, r1)),
    },
    "includes": {
        (True, False): _rp(_includes_rp),
        (True, True): _rr(_includes_rr),
    },
    "during": {
        (False, True): _pr(lambda p, r: _includes_rp(r, p)),
        (True, True): _rr(lambda r1, r2: _includes_rr(r2, r1)),
    },
    "starts": {
        (False, True): _pr(lambda p, r: r.start_in and _eq(r.start, p)),
        (True, True): _rr(_starts_rr),
    },
    "started by": {
        (True, False): _rp(lambda r, p: r.start_in and _eq(r.start, p)),
        (True, True): _rr(lambda r1, r2: _starts_rr(r2, r1)),
    },
    "coincides": {
        (False, False): _pp(_eq),
        (True, True): _rr(_coincides_rr),
    },
}


def _describe(shape: Shape) -> str:
    return "({}, {})".format(*PARAMS[shape])


def _evaluator(name: str, shape: Shape | None) -> Callable[[Value, Value], bool]:
    """Dispatch on the kinds of the arguments; a named signature (`shape`) insists on its own."""
    rules = RULES[name]

    def evaluate(a: Value, b: Value) -> bool:
        found = (isinstance(a, RangeValue), isinstance(b, RangeValue))
        if shape is not None and found != shape:
            for param, want, value in zip(PARAMS[shape], shape, (a, b), strict=True):
                if isinstance(value, RangeValue) != want:
                    wanted = "a range" if want else "a point, not a range"
                    wanted_zh = "区间" if want else "点，不能是区间"
                    raise FunctionError(
                        f"`{param}` must be {wanted}",
                        "E_ARGUMENT_TYPE",
                        zh_cn=f"`{param}` 须为{wanted_zh}",
                    )
        rule = rules.get(found)
        if rule is None:
            forms = " or ".join(_describe(s) for s in rules)
            message = f"takes {forms}, not ({kind_of(a)}, {kind_of(b)})"
            found_zh = f"（{zh_kind(kind_of(a))}，{zh_kind(kind_of(b))}）"
            zh_cn = f"参数须为 {forms.replace(' or ', ' 或 ')}，不能是{found_zh}"
            raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)
        return rule(a, b)

    return evaluate


def _signatures(name: str) -> tuple[Signature, ...]:
    """One positional signature that dispatches on the kinds of the arguments, and one named
    signature per spec form, which insists on the kinds its parameter names say."""
    shapes = list(RULES[name])
    params = "{}: any, {}: any"
    return (
        sig(params.format(*PARAMS[shapes[0]]), _evaluator(name, None), BOOLEAN, named=False),
        *(
            sig(params.format(*PARAMS[s]), _evaluator(name, s), BOOLEAN, positional=False)
            for s in shapes
        ),
    )


def _spec(name: str, doc_en: str, doc_zh: str, *examples: tuple[str, str]) -> FunctionSpec:
    return FunctionSpec(name, "range", _signatures(name), doc_en, doc_zh,
                        tuple(ex(s, r) for s, r in examples))  # fmt: skip


SPECS: tuple[FunctionSpec, ...] = (
    _spec(
        "before",
        "Whether the first point or range lies wholly before the second.",
        "第一个点或区间是否完全在第二个之前。",
        ("before(1, 10)", "true"),
        ("before(10, 1)", "false"),
        ("before(1, [2..5])", "true"),
        ("before(1, [1..10])", "false"),
        ("before(1, (1..10])", "true"),
        ("before([1..10], 10)", "false"),
        ("before([1..10), 10)", "true"),
        ("before([1..10], 15)", "true"),
        ("before([1..10], [15..20])", "true"),
        ("before([1..10], [10..20])", "false"),
        ("before([1..10), [10..20])", "true"),
        ("before([1..10], (10..20])", "true"),
    ),
    _spec(
        "after",
        "Whether the first point or range lies wholly after the second.",
        "第一个点或区间是否完全在第二个之后。",
        ("after(10, 5)", "true"),
        ("after(5, 10)", "false"),
        ("after(12, [1..10])", "true"),
        ("after(10, [1..10))", "true"),
        ("after(10, [1..10])", "false"),
        ("after([11..20], 12)", "false"),
        ("after([11..20], 10)", "true"),
        ("after((11..20], 11)", "true"),
        ("after([11..20], 11)", "false"),
        ("after([11..20], [1..10])", "true"),
        ("after([1..10], [11..20])", "false"),
        ("after([11..20], [1..11))", "true"),
        ("after((11..20], [1..11])", "true"),
    ),
    _spec(
        "meets",
        "Whether `range1` ends exactly where `range2` starts (both ends included).",
        "`range1` 的终点是否恰好是 `range2` 的起点（两端都包含）。",
        ("meets([1..5], [5..10])", "true"),
        ("meets([1..5), [5..10])", "false"),
        ("meets([1..5], (5..10])", "false"),
        ("meets([1..5], [6..10])", "false"),
    ),
    _spec(
        "met by",
        "Whether `range1` starts exactly where `range2` ends (both ends included).",
        "`range1` 的起点是否恰好是 `range2` 的终点（两端都包含）。",
        ("met by([5..10], [1..5])", "true"),
        ("met by([5..10], [1..5))", "false"),
        ("met by((5..10], [1..5])", "false"),
        ("met by([6..10], [1..5])", "false"),
    ),
    _spec(
        "overlaps",
        "Whether the two ranges share at least one point.",
        "两个区间是否有公共部分。",
        ("overlaps([1..5], [3..8])", "true"),
        ("overlaps([3..8], [1..5])", "true"),
        ("overlaps([1..8], [3..5])", "true"),
        ("overlaps([3..5], [1..8])", "true"),
        ("overlaps([1..5], [6..8])", "false"),
        ("overlaps([6..8], [1..5])", "false"),
        ("overlaps([1..5], [5..8])", "true"),
        ("overlaps([1..5], (5..8])", "false"),
        ("overlaps([1..5), [5..8])", "false"),
        ("overlaps([1..5), (5..8])", "false"),
        ("overlaps([5..8], [1..5])", "true"),
        ("overlaps((5..8], [1..5])", "false"),
        ("overlaps([5..8], [1..5))", "false"),
        ("overlaps((5..8], [1..5))", "false"),
    ),
    _spec(
        "overlaps before",
        "Whether `range1` starts before `range2` and ends inside it.",
        "`range1` 是否在 `range2` 之前开始并在其中结束。",
        ("overlaps before([1..5], [3..8])", "true"),
        ("overlaps before([1..5], [6..8])", "false"),
        ("overlaps before([1..5], [5..8])", "true"),
        ("overlaps before([1..5], (5..8])", "false"),
        ("overlaps before([1..5), [5..8])", "false"),
        ("overlaps before([1..5), (1..5])", "true"),
        ("overlaps before([1..5], (1..5])", "true"),
        ("overlaps before([1..5), [1..5])", "false"),
        ("overlaps before([1..5], [1..5])", "false"),
    ),
    _spec(
        "overlaps after",
        "Whether `range1` starts inside `range2` and ends after it.",
        "`range1` 是否在 `range2` 之中开始并在其后结束。",
        ("overlaps after([3..8], [1..5])", "true"),
        ("overlaps after([6..8], [1..5])", "false"),
        ("overlaps after([5..8], [1..5])", "true"),
        ("overlaps after((5..8], [1..5])", "false"),
        ("overlaps after([5..8], [1..5))", "false"),
        ("overlaps after((1..5], [1..5))", "true"),
        ("overlaps after((1..5], [1..5])", "true"),
        ("overlaps after([1..5], [1..5))", "false"),
        ("overlaps after([1..5], [1..5])", "false"),
        ("overlaps after((1..5), [1..5])", "false"),
        ("overlaps after((1..5], [1..6])", "false"),
        ("overlaps after((1..5], (1..5])", "false"),
        ("overlaps after((1..5], [2..5])", "false"),
    ),
    _spec(
        "finishes",
        "Whether the point or `range1` ends `range2` (same end, inside it).",
        "点或 `range1` 是否与 `range2` 同时结束（且在其中）。",
        ("finishes(10, [1..10])", "true"),
        ("finishes(10, [1..10))", "false"),
        ("finishes([5..10], [1..10])", "true"),
        ("finishes([5..10), [1..10])", "false"),
        ("finishes([5..10), [1..10))", "true"),
        ("finishes([1..10], [1..10])", "true"),
        ("finishes((1..10], [1..10])", "true"),
    ),
    _spec(
        "finished by",
        "Whether `range1` is ended by the point or by `range2`.",
        "`range1` 是否以该点或 `range2` 结束。",
        ("finished by([1..10], 10)", "true"),
        ("finished by([1..10), 10)", "false"),
        ("finished by([1..10], [5..10])", "true"),
        ("finished by([1..10], [5..10))", "false"),
        ("finished by([1..10), [5..10))", "true"),
        ("finished by([1..10], [1..10])", "true"),
        ("finished by([1..10], (1..10])", "true"),
    ),
    _spec(
        "includes",
        "Whether the range contains the point, or `range1` contains `range2`.",
        "区间是否包含该点，或 `range1` 是否包含 `range2`。",
        ("includes([1..10], 5)", "true"),
        ("includes([1..10], 12)", "false"),
        ("includes([1..10], 1)", "true"),
        ("includes([1..10], 10)", "true"),
        ("includes((1..10], 1)", "false"),
        ("includes([1..10), 10)", "false"),
        ("includes([1..10], [4..6])", "true"),
        ("includes([1..10], [1..5])", "true"),
        ("includes((1..10], (1..5])", "true"),
        ("includes([1..10], (1..10))", "true"),
        ("includes([1..10), [5..10))", "true"),
        ("includes([1..10], [1..10))", "true"),
        ("includes([1..10], (1..10])", "true"),
        ("includes([1..10], [1..10])", "true"),
    ),
    _spec(
        "during",
        "Whether the point or `range1` lies within `range2`.",
        "点或 `range1` 是否在 `range2` 之内。",
        ("during(5, [1..10])", "true"),
        ("during(12, [1..10])", "false"),
        ("during(1, [1..10])", "true"),
        ("during(10, [1..10])", "true"),
        ("during(1, (1..10])", "false"),
        ("during(10, [1..10))", "false"),
        ("during([4..6], [1..10])", "true"),
        ("during([1..5], [1..10])", "true"),
        ("during((1..5], (1..10])", "true"),
        ("during((1..10), [1..10])", "true"),
        ("during([5..10), [1..10))", "true"),
        ("during([1..10), [1..10])", "true"),
        ("during((1..10], [1..10])", "true"),
        ("during([1..10], [1..10])", "true"),
    ),
    _spec(
        "starts",
        "Whether the point or `range1` starts `range2` (same start, inside it).",
        "点或 `range1` 是否与 `range2` 同时开始（且在其中）。",
        ("starts(1, [1..10])", "true"),
        ("starts(1, (1..10])", "false"),
        ("starts(2, [1..10])", "false"),
        ("starts([1..5], [1..10])", "true"),
        ("starts((1..5], (1..10])", "true"),
        ("starts((1..5], [1..10])", "false"),
        ("starts([1..5], (1..10])", "false"),
        ("starts([1..10], [1..10])", "true"),
        ("starts([1..10), [1..10])", "true"),
        ("starts((1..10), (1..10))", "true"),
    ),
    _spec(
        "started by",
        "Whether `range1` is started by the point or by `range2`.",
        "`range1` 是否以该点或 `range2` 开始。",
        ("started by([1..10], 1)", "true"),
        ("started by((1..10], 1)", "false"),
        ("started by([1..10], 2)", "false"),
        ("started by([1..10], [1..5])", "true"),
        ("started by((1..10], (1..5])", "true"),
        ("started by([1..10], (1..5])", "false"),
        ("started by((1..10], [1..5])", "false"),
        ("started by([1..10], [1..10])", "true"),
        ("started by([1..10], [1..10))", "true"),
        ("started by((1..10), (1..10))", "true"),
    ),
    _spec(
        "coincides",
        "Whether two points are equal, or two ranges have the same ends.",
        "两个点是否相等，或两个区间的端点是否完全相同。",
        ("coincides(5, 5)", "true"),
        ("coincides(3, 4)", "false"),
        ("coincides([1..5], [1..5])", "true"),
        ("coincides((1..5), [1..5])", "false"),
        ("coincides([1..5], [2..6])", "false"),
    ),
)
