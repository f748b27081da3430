"""Strict JSON reading and canonical JSON writing, shared by every layer.

Numbers with a fraction or exponent are read as ``Decimal`` so that money in definitions and
bundles is never rounded through a float. Duplicate object keys and the non-standard constants
``NaN``/``Infinity`` are refused instead of silently accepted. Canonical output (sorted keys, no
insignificant whitespace) is what checksums are computed over. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, time
from decimal import Decimal
from enum import Enum
from json.encoder import encode_basestring
from typing import Any

__all__ = [
    "JsonError",
    "canonical_dumps",
    "checksum",
    "dumps",
    "dumps_data",
    "loads",
    "to_jsonable",
]


_SURROGATES = re.compile("[\ud800-\udfff]")


class JsonError(ValueError):
    """A document that is not acceptable JSON; carries a stable code and a location."""

    def __init__(
        self, code: str, message: str, *, pointer: str = "", line: int = 0, column: int = 0
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # A lone surrogate of a key shows as U+FFFD: no answer can write it as UTF-8.
        self.pointer = _SURROGATES.sub("\ufffd", pointer)
        self.line = line
        self.column = column


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise JsonError("json_invalid_number", f"{name} is not a valid JSON number")


MAX_DEPTH = 64
"""Deepest nesting of arrays and objects a document may have (definitions need about ten)."""
MAX_NUMBER_LENGTH = 100
"""Longest number, written out without an exponent as Brickwork writes numbers (sign and point
included); money needs about twenty characters."""


class _BadNumber(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _too_long(text: str) -> bool:
    if len(text) > MAX_NUMBER_LENGTH:
        return True
    number = Decimal(text)
    # `1e999999999` is short but would be written out with a billion zeros.
    return abs(number.adjusted()) > MAX_NUMBER_LENGTH or len(f"{number:f}") > MAX_NUMBER_LENGTH


def _checked_int(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _BadNumber(text)
    return int(text)


def _checked_decimal(text: str) -> Decimal:
    if _too_long(text):
        raise _BadNumber(text)
    return Decimal(text)


_CHECKED = json.JSONDecoder(
    parse_float=_checked_decimal,
    parse_int=_checked_int,
    object_pairs_hook=_pairs_hook,
    parse_constant=_refuse_constant,
)
_STORED = json.JSONDecoder(
    parse_float=Decimal,
    object_pairs_hook=_pairs_hook,
    parse_constant=_refuse_constant,
)
"""Decoders made once (``json.loads`` with options builds a new one per call)."""


def loads(text: str | bytes, *, stored: bool = False) -> Any:
    """Parse JSON strictly: Decimal fractions, no duplicate keys, no NaN/Infinity, no nesting
    deeper than ``MAX_DEPTH``, no number longer than ``MAX_NUMBER_LENGTH`` characters, and no NUL
    character or lone surrogate (``\\ud800``) in keys or strings (no database keeps them in text).
    ``stored``: the text was written by the platform itself (a column, a ciphertext), so numbers
    and characters are not checked again."""
    if stored and isinstance(text, str):
        try:
            return _STORED.decode(text)
        except (ValueError, _DuplicateKey, RecursionError):
            pass  # not expected of stored text; the full path below says what is wrong
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonError(
                "json_not_utf8", f"body is not UTF-8 text (byte {exc.start} is invalid)"
            ) from exc
    document = _parse(text, checked=not stored)
    if not stored:
        if text.count("[") + text.count("{") > MAX_DEPTH:
            _check_depth(document)
        _check_text(text, document)
    return document


def _parse(text: str, *, checked: bool) -> Any:
    try:
        if text.startswith("\ufeff"):  # as json.loads does
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return (_CHECKED if checked else _STORED).decode(text)
    except json.JSONDecodeError as exc:
        raise JsonError(
            "json_malformed",
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            line=exc.lineno,
            column=exc.colno,
        ) from exc
    except _DuplicateKey as exc:
        pointer = _locate_duplicate(text, exc.key)
        raise JsonError(
            "json_duplicate_key",
            f"the key {exc.key!r} appears more than once in the same object",
            pointer=pointer,
        ) from exc
    except _BadNumber as exc:
        shown = exc.text if len(exc.text) <= 40 else f"{exc.text[:20]}...{exc.text[-10:]}"
        raise JsonError(
            "json_number_too_long",
            f"the number {shown} is too long: numbers may have at most {MAX_NUMBER_LENGTH} "
            "characters, written out without an exponent",
            pointer=_locate_number(text, exc.text),
        ) from exc
    except RecursionError as exc:
        raise _too_deep(_deep_pointer(text)) from exc


def _too_deep(pointer: str) -> JsonError:
    return JsonError(
        "json_too_deep",
        f"arrays and objects may be nested at most {MAX_DEPTH} levels deep",
        pointer=pointer,
    )


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]')


def _deep_pointer(text: str) -> str:
    """The pointer of the first value nested deeper than ``MAX_DEPTH``, read from the text (for
    documents so deep that the parser itself gives up)."""
    path: list[list[Any]] = []  # per open container: [is_object, key or index]
    for token in _TOKEN.finditer(text):
        mark = token.group()
        if mark in ("[", "{"):
            if len(path) >= MAX_DEPTH:
                break
            path.append([mark == "{", None if mark == "{" else 0])
        elif mark in ("]", "}"):
            path.pop()
        elif mark == ",":
            path[-1][1] = None if path[-1][0] else path[-1][1] + 1
        elif path and path[-1][0] and path[-1][1] is None:
            path[-1][1] = json.loads(mark)
    return "".join(f"/{escape_pointer(str(key))}" for _, key in path)


def _check_depth(document: Any) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` (walked without recursion)."""
    pending: list[tuple[Any, str, int]] = [(document, "", 0)]
    while pending:
        value, pointer, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise _too_deep(pointer)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                pending.append((item, f"{pointer}/{escape_pointer(str(key))}", depth + 1))


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]", re.ASCII)


def _check_text(text: str, document: Any) -> None:
    if "\\u0000" in text:
        found = _locate_text(document, lambda s: "\x00" in s)
        if found is not None:
            raise JsonError(
                "json_nul_character",
                "text may not contain the NUL character (\\u0000); remove it",
                pointer=found,
            )
    if _SURROGATE_ESCAPE.search(text):
        found = _locate_text(document, _has_lone_surrogate)
        if found is not None:
            raise JsonError(
                "json_lone_surrogate",
                "text may not contain a lone surrogate (\\ud800-\\udfff) that is not half of a "
                "pair; it is not a character and cannot be stored as UTF-8",
                pointer=found,
            )


def _has_lone_surrogate(value: str) -> bool:
    return _SURROGATES.search(value) is not None


def _locate_text(value: Any, bad: Callable[[str], bool], pointer: str = "") -> str | None:
    """The pointer of the first key or string for which ``bad`` holds."""
    if isinstance(value, str):
        return pointer if bad(value) else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _locate_text(item, bad, f"{pointer}/{index}")
            if found is not None:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{pointer}/{escape_pointer(key)}"
            found = here if bad(key) else _locate_text(item, bad, here)
            if found is not None:
                return found
    return None


def _locate_number(text: str, number: str) -> str:
    """The JSON pointer of the refused number (best effort)."""

    def keep(raw: str) -> Any:
        return _Marker() if raw == number else None

    tree = json.loads(text, object_pairs_hook=_Pairs, parse_float=keep, parse_int=keep)
    pending: list[tuple[Any, str]] = [(tree, "")]
    while pending:
        value, pointer = pending.pop(0)
        if isinstance(value, _Marker):
            return pointer
        if isinstance(value, list):
            pending.extend((item, f"{pointer}/{index}") for index, item in enumerate(value))
        if isinstance(value, _Pairs):
            pending.extend((v, f"{pointer}/{escape_pointer(k)}") for k, v in value.pairs)
    return ""


class _Marker:
    pass


def _locate_duplicate(text: str, key: str) -> str:
    """Find the JSON pointer of the object holding a duplicated key (best effort)."""

    def walk(value: Any, pointer: str) -> str | None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                found = walk(item, f"{pointer}/{index}")
                if found is not None:
                    return found
            return None
        if isinstance(value, _Pairs):
            keys = [k for k, _ in value.pairs]
            if keys.count(key) > 1:
                return f"{pointer}/{escape_pointer(key)}"
            for k, v in value.pairs:
                found = walk(v, f"{pointer}/{escape_pointer(k)}")
                if found is not None:
                    return found
        return None

    tree = json.loads(text, object_pairs_hook=_Pairs, parse_float=Decimal)
    return walk(tree, "") or ""


class _Pairs:
    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def escape_pointer(token: str) -> str:
    """Escape one JSON-pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def to_jsonable(value: Any) -> Any:
    """Return a structure with only JSON-native types; Decimals stay, floats become Decimals."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [to_jsonable(v) for v in value]
    if isinstance(value, float):
        # A float's shortest repr is what its author typed; keep that, never the binary value.
        return Decimal(repr(value))
    return value


_CONSTANTS: dict[object, str] = {None: "null", True: "true", False: "false"}
_quote: Any = encode_basestring  # the C-accelerated string quoting of the json module


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise TypeError("NaN and infinite decimals are not valid JSON")
    text = str(value)
    if "E" in text or "e" in text:
        text = format(value, "f")
    return text


def _decimal_string(value: Decimal) -> str:
    return f'"{_decimal_text(value)}"'


class _Writer:
    """Writes one document; ``decimal`` renders a Decimal (a number, or a string of digits)."""

    __slots__ = ("decimal", "parts", "sort_keys")

    def __init__(self, *, sort_keys: bool, decimal: Callable[[Decimal], str]) -> None:
        self.parts: list[str] = []
        self.sort_keys = sort_keys
        self.decimal = decimal

    def encode(self, value: Any) -> None:
        kind = type(value)
        if kind is str:
            self.parts.append(_quote(value))
        elif kind is Decimal:
            self.parts.append(self.decimal(value))
        elif kind is dict:
            self.encode_object(value)
        elif value is None or value is True or value is False:
            self.parts.append(_CONSTANTS[value])
        else:
            self.encode_other(value)

    def encode_other(self, value: Any) -> None:
        parts = self.parts
        if isinstance(value, str):
            parts.append(_quote(str(value)))
        elif isinstance(value, int):
            parts.append(str(value))
        elif isinstance(value, Decimal):
            parts.append(self.decimal(value))
        elif isinstance(value, Mapping):
            self.encode_object(value)
        elif isinstance(value, list | tuple):
            parts.append("[")
            for index, item in enumerate(value):
                if index:
                    parts.append(",")
                self.encode(item)
            parts.append("]")
        elif isinstance(value, date | time):
            parts.append(json.dumps(value.isoformat()))
        elif isinstance(value, Enum):
            self.encode(value.value)
        elif isinstance(value, float):
            raise TypeError("floats are not allowed in Brickwork JSON; use Decimal")
        else:
            raise TypeError(f"value of type {value.__class__.__name__} is not JSON serialisable")

    def encode_object(self, value: Mapping[Any, Any]) -> None:
        items = sorted(value.items()) if self.sort_keys else list(value.items())
        parts = self.parts
        parts.append("{")
        for index, (key, item) in enumerate(items):
            if index:
                parts.append(",")
            parts.append(_quote(str(key)))
            parts.append(":")
            self.encode(item)
        parts.append("}")


def dumps(value: Any, *, sort_keys: bool = False, decimals_as_strings: bool = False) -> str:
    """Compact JSON text; dates and times as ISO 8601 strings. Decimals are exact numbers, or
    with ``decimals_as_strings`` strings of their digits (``"12345678901234567.89"``), which no
    client reading numbers as doubles can round."""
    writer = _Writer(
        sort_keys=sort_keys, decimal=_decimal_string if decimals_as_strings else _decimal_text
    )
    writer.encode(value)
    return "".join(writer.parts)


def _data_default(value: Any) -> Any:
    """What the standard encoder cannot write itself, as ``dumps`` writes it (decimals as
    strings of their digits)."""
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"value of type {value.__class__.__name__} is not JSON serialisable")


_DATA_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    check_circular=False,
    allow_nan=False,
    separators=(",", ":"),
    default=_data_default,
)


def dumps_data(value: Any) -> str:
    """The text ``dumps(value, decimals_as_strings=True)`` writes, by the standard library's C
    encoder: for large documents of data (a page of records) whose values come from typed
    columns, so hold no floats (``dumps`` refuses floats; this writer would not notice one)."""
    text: str = _DATA_ENCODER.encode(value)
    return text


def canonical_dumps(value: Any) -> str:
    """The canonical text used for checksums: sorted keys, compact, UTF-8, exact numbers."""
    return dumps(value, sort_keys=True)


def checksum(value: Any) -> str:
    """``sha256:<hex>`` of the canonical text."""
    digest = hashlib.sha256(canonical_dumps(value).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"
