"""Fuzzy name matching for screening: `name similarity` and `best match`.

Both compare names after the same normalisation: Unicode NFKC (full-width letters, digits and
spaces become half-width), accents dropped, case folded, punctuation and symbols (hyphens,
commas, the middle dot of transliterated names `·`) read as spaces, runs of spaces collapsed.
A name with Chinese, Japanese or Korean characters is then compared character by character with
its spaces removed; any other name as words sorted alphabetically, so that word order does not
count ("KIM Jong-un" and "Jong Un Kim" agree). The measure is Jaro-Winkler (prefix scale 0.1,
at most 4 prefix characters), computed with exact fractions and given as a Decimal rounded half
up to 4 places: 1 for the same normalised name, 0 when either name is empty after
normalisation. Evaluators are pure and deterministic; nothing here reads the clock or uses
floats.
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from brickwork.engines.expr.datatypes import ANY, NUMBER, STRING, context_of
from brickwork.engines.expr.functions import FunctionError, FunctionSpec, ex, sig
from brickwork.engines.expr.values import Value, kind_of, norm
from brickwork.engines.expr.words import zh_kind

MAX_NAME_LENGTH = 500
"""Longest name (in characters, before normalisation) the functions compare."""
MAX_CANDIDATES = 100_000
SCORE_PLACES = Decimal("0.0001")
_PREFIX_SCALE = Fraction(1, 10)
_PREFIX_MAX = 4
_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3134F),  # CJK Extensions B-G
)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


@lru_cache(maxsize=65_536)
def _normalised(name: str) -> str:
    """`normalise_name`, remembered: a list's names are normalised once, not per screening."""
    return normalise_name(name)


def normalise_name(name: str) -> str:
    """The comparable form of a name: see the module docstring."""
    if len(name) > MAX_NAME_LENGTH:
        message = f"a name longer than {MAX_NAME_LENGTH} characters is not compared"
        zh_cn = f"名称超过 {MAX_NAME_LENGTH} 个字符，不予比较"
        raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = unicodedata.normalize("NFC", text).casefold()
    spaced = "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in text)
    words = spaced.split()
    if any(_is_cjk(c) for c in spaced):
        return "".join(words)
    return " ".join(sorted(words))


Score = tuple[int, int]
"""An exact score as numerator and positive denominator (compared by cross-multiplying:
exact, and much cheaper than `Fraction` arithmetic over a long list)."""


def _jaro_winkler(a: str, b: str) -> Fraction:
    return Fraction(*_scored(a, b))


def _scored(a: str, b: str) -> Score:
    if not a or not b:
        return (0, 1)
    if a == b:
        return (1, 1)
    reach = max(max(len(a), len(b)) // 2 - 1, 0)
    positions: dict[str, list[int]] = {}
    for j, char in enumerate(b):
        positions.setdefault(char, []).append(j)
    taken = [False] * len(b)
    matched_a: list[str] = []
    for i, char in enumerate(a):
        # the first free position of `char` in b within `reach` of i, as a scan would find
        for j in positions.get(char, ()):
            if j < i - reach:
                continue
            if j > i + reach:
                break
            if not taken[j]:
                taken[j] = True
                matched_a.append(char)
                break
    matches = len(matched_a)
    if matches == 0:
        return (0, 1)
    matched_b = [char for j, char in enumerate(b) if taken[j]]
    half_transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True))
    return _winkler(_jaro(matches, half_transpositions, len(a), len(b)), _prefix(a, b))


def _jaro(matches: int, half_transpositions: int, length_a: int, length_b: int) -> Score:
    """(m/|a| + m/|b| + (m - t)/m) / 3 with t = half the transpositions, as one fraction."""
    m, t2 = matches, half_transpositions
    return (
        2 * m * m * (length_a + length_b) + (2 * m - t2) * length_a * length_b,
        6 * m * length_a * length_b,
    )


def _winkler(jaro: Score, prefix: int) -> Score:
    """jaro + prefix/10 * (1 - jaro)."""
    numerator, denominator = jaro
    return (numerator * (10 - prefix) + prefix * denominator, 10 * denominator)


def _prefix(a: str, b: str) -> int:
    prefix = 0
    for x, y in zip(a[:_PREFIX_MAX], b[:_PREFIX_MAX], strict=False):
        if x != y:
            break
        prefix += 1
    return prefix


def _above(x: Score, y: Score) -> bool:
    return x[0] * y[1] > y[0] * x[1]


def _at_most(a: str, b: str) -> Score:
    """An upper bound of `_scored(a, b)` from the lengths and the common prefix alone (no more
    matches than the shorter name has characters, no transposition): a candidate whose bound
    cannot beat the best so far is not compared."""
    if not a or not b:
        return (0, 1)
    shortest = min(len(a), len(b))
    return _winkler(_jaro(shortest, 0, len(a), len(b)), _prefix(a, b))


def _score(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def _similarity(a: str, b: str) -> Decimal:
    return _score(_jaro_winkler(normalise_name(a), normalise_name(b)))


def name_similarity(a: Value, b: Value) -> Decimal:
    return _similarity(_text(a, "a"), _text(b, "b"))


def _text(value: Value, what: str) -> str:
    if not isinstance(value, str):
        zh_cn = f"`{what}` 必须是文本，不能是{zh_kind(kind_of(value))}"
        raise FunctionError(f"`{what}` must be a string, not a {kind_of(value)}",
                            "E_ARGUMENT_TYPE", zh_cn=zh_cn)  # fmt: skip
    return value


def _names_of(candidate: Value) -> list[str]:
    """The names a candidate stands for: a string itself; a context its `name` entry and the
    entries of its `aliases` (a list of strings, or one string with names separated by `;`)."""
    if isinstance(candidate, str):
        return [candidate]
    if not isinstance(candidate, dict):
        message = f"a candidate must be a string or a context, not a {kind_of(candidate)}"
        zh_cn = f"候选项必须是文本或上下文，不能是{zh_kind(kind_of(candidate))}"
        raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)
    names: list[str] = []
    name = norm(candidate.get("name"))
    if isinstance(name, str):
        names.append(name)
    aliases = norm(candidate.get("aliases"))
    if isinstance(aliases, str):
        names.extend(part.strip() for part in aliases.split(";") if part.strip())
    elif isinstance(aliases, list):
        names.extend(alias for alias in aliases if isinstance(alias, str))
    return names


def best_match(name: Value, candidates: Value, threshold: Value = None) -> Value:
    if name is None or candidates is None:
        return None
    wanted = normalise_name(_text(name, "name"))
    if not isinstance(candidates, list):
        message = f"`candidates` must be a list, not a {kind_of(candidates)}"
        zh_cn = f"`candidates` 必须是列表，不能是{zh_kind(kind_of(candidates))}"
        raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)
    if len(candidates) > MAX_CANDIDATES:
        message = f"more than {MAX_CANDIDATES} candidates are not compared"
        zh_cn = f"候选项超过 {MAX_CANDIDATES} 个，不予比较"
        raise FunctionError(message, "E_ARG_VALUE", zh_cn=zh_cn)
    floor = norm(threshold)
    if floor is not None and not isinstance(floor, Decimal):
        message = f"`threshold` must be a number, not a {kind_of(floor)}"
        zh_cn = f"`threshold` 必须是数字，不能是{zh_kind(kind_of(floor))}"
        raise FunctionError(message, "E_ARGUMENT_TYPE", zh_cn=zh_cn)
    best: tuple[Score, Value, str] | None = None
    # Below this a candidate cannot reach the threshold once rounded: never the answer.
    below = Fraction(0) if floor is None else Fraction(floor) - Fraction(1, 20_000)
    lowest: Score = (below.numerator, below.denominator)
    for candidate in candidates:
        candidate = norm(candidate)
        if candidate is None:
            continue
        for alias in _names_of(candidate):
            other = _normalised(alias)
            bound = _at_most(wanted, other)
            if (best is not None and not _above(bound, best[0])) or _above(lowest, bound):
                continue  # cannot win (an equal score goes to the earlier candidate)
            exact = _scored(wanted, other)
            if best is None or _above(exact, best[0]):
                best = (exact, candidate, alias)
    if best is None:
        return None
    score = _score(Fraction(*best[0]))
    if score == 0 or (floor is not None and score < floor):
        return None
    return {"candidate": best[1], "name": best[2], "score": score}


MATCH_TYPE = context_of({"candidate": ANY, "name": STRING, "score": NUMBER})

_NOTE = (
    "Normalisation: NFKC (full-width to half-width), accents dropped, case folded, punctuation "
    "and symbols read as spaces. Names with Chinese, Japanese or Korean characters are compared "
    "character by character (spaces removed); other names as their words sorted, so word "
    "order does not count. The score is Jaro-Winkler (prefix scale 0.1, up to 4 characters) "
    "rounded half up to 4 places; a name longer than 500 characters gives null and "
    "`E_ARG_VALUE`."
)

SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "name similarity", "text",
        (sig("a: string, b: string", name_similarity, NUMBER),),
        "How alike two personal or organisation names are, from 0 (nothing in common, or an "
        "empty name) to 1 (the same name once case, width, accents, punctuation, spacing and "
        "word order are set aside).",
        "两个人名或机构名称的相似度，0（毫无相同或名称为空）到 1（忽略大小写、全半角、重音、"
        "标点、空白和词序后相同）。中文名按字比较。",
        (ex('name similarity("KIM Jong-un", "Jong Un Kim")', "1.0000"),
         ex('name similarity("\uff2d\uff21\uff32\uff34\uff28\uff21", "Marhta")', "0.9611"),
         ex('name similarity("张 伟", "张伟")', "1.0000"),
         ex('name similarity("王小明", "王晓明")', "0.8000"),
         ex('name similarity("", "Kim")', "0.0000")),
        notes=(_NOTE,),
    ),
    FunctionSpec(
        "best match", "text",
        (sig("name: string, candidates: list, threshold?: number", best_match, MATCH_TYPE),),
        "The candidate whose name is most like `name`: a context with the `candidate` itself, "
        "the `name` of it that matched and the `score` (as `name similarity`). Candidates are "
        "strings, or contexts with a `name` entry and optionally `aliases` (a list of strings, "
        "or one string with names separated by `;`). Null when there is no candidate, when the "
        "best score is 0 or below `threshold`; on equal scores the earlier candidate wins.",
        "与 `name` 最相似的候选：返回上下文，含候选本身 `candidate`、命中的名称 `name` 与相似度 "
        "`score`。候选为字符串，或含 `name`（及可选 `aliases`：字符串列表或以 `;` 分隔的"
        "字符串）的上下文。无候选、最高分为 0 或低于 `threshold` 时为 null；同分取靠前者。",
        (ex('best match("Jon Smith", ["John Smith", "Jane Smyth"]).name', '"John Smith"'),
         ex('best match("Jon Smith", ["John Smith", "Jane Smyth"]).score', "0.9733"),
         ex('best match("ali hassan", [{name: "Hassan Ali", list: "un"}]).candidate.list',
            '"un"'),
         ex('best match("A. Petrov", [{name: "I. Sidorov", aliases: ["Alexei Petrov"]}]).name',
            '"Alexei Petrov"'),
         ex('best match("Jon Smith", ["John Smith"], 0.98)', "null"),
         ex('best match("Jon Smith", [])', "null")),
        propagate_null=False,
        notes=(_NOTE,),
    ),
)  # fmt: skip
