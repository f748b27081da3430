"""Strict JSON reading and canonical JSON writing, shared by every layer.

Numbers with a fraction or exponent are read as ``Decimal`` so that money in definitions and
bundles is never rounded through a float. Duplicate object keys and the non-standard constants
``NaN``/``Infinity`` are refused instead of silently accepted. Canonical output (sorted keys, no
insignificant whitespace) is what checksums are computed over. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
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
    "loads",
    "to_jsonable",
]


class JsonError(ValueError):
    """A document that is not acceptable JSON; carries a stable code and a location."""

    def __init__(
        self, code: str, message: str, *, pointer: str = "", line: int = 0, column: int = 0
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.pointer = pointer
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


def loads(text: str | bytes, *, stored: bool = False) -> Any:
    """Parse JSON strictly: Decimal fractions, no duplicate keys, no NaN/Infinity, and no NUL
    characters in keys or strings (no database keeps them in text). ``stored``: the text was
    written by the platform itself (a column, a ciphertext), so NUL is not checked again."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonError(
                "json_not_utf8", f"body is not UTF-8 text (byte {exc.start} is invalid)"
            ) from exc
    try:
        document = json.loads(
            text,
            parse_float=Decimal,
            object_pairs_hook=_pairs_hook,
            parse_constant=_refuse_constant,
        )
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
    if not stored and "\\u0000" in text:
        found = _locate_nul(document)
        if found is not None:
            raise JsonError(
                "json_nul_character",
                "text may not contain the NUL character (\\u0000); remove it",
                pointer=found,
            )
    return document


def _locate_nul(value: Any, pointer: str = "") -> str | None:
    """The pointer of the first key or string holding U+0000 (no database stores it as text)."""
    if isinstance(value, str):
        return pointer if "\x00" in value else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _locate_nul(item, f"{pointer}/{index}")
            if found is not None:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{pointer}/{escape_pointer(key)}"
            found = here if "\x00" in key else _locate_nul(item, here)
            if found is not None:
                return found
    return None


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


def canonical_dumps(value: Any) -> str:
    """The canonical text used for checksums: sorted keys, compact, UTF-8, exact numbers."""
    return dumps(value, sort_keys=True)


def checksum(value: Any) -> str:
    """``sha256:<hex>`` of the canonical text."""
    digest = hashlib.sha256(canonical_dumps(value).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"
