"""What an upload may be: its name, its declared media type and the leading bytes behind it.

Pure checks that raise the platform's error types with stable codes. Names follow the form
engine's rules for file references (so an uploaded file's reference is always a valid field value);
a small table of signatures catches a declared type that the content contradicts. This module must
not read files from disk, touch the database or know HTTP beyond decoding one header value.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote

from brickwork.platform.errors import BadRequest, Invalid

MAX_NAME_LENGTH = 255
DEFAULT_MEDIA_TYPE = "application/octet-stream"
MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
"""The form engine's pattern for a file reference's ``content_type``."""

RFC5987 = re.compile(r"(?i)utf-8'[a-z0-9-]*'(?P<value>.*)")
SEPARATORS = frozenset("/\\")
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Direction overrides make ``invoice\u202efdp.exe`` display as ``invoiceexe.pdf``."""
REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})

ZIP = (b"PK\x03\x04",)
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/zip": (*ZIP, b"PK\x05\x06"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ZIP,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ZIP,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ZIP,
    "application/vnd.oasis.opendocument.text": ZIP,
    "application/vnd.oasis.opendocument.spreadsheet": ZIP,
}
"""Declared media types whose content is checked: the file must start with one of the bytes."""


def header_name(raw: str) -> str:
    """Decode an ``X-Filename`` value: RFC 5987 (``UTF-8''%E5%90%88.pdf``), percent-encoded
    UTF-8, or plain text (HTTP hands header bytes over as Latin-1; raw UTF-8 is recovered)."""
    value = raw.strip()
    match = RFC5987.fullmatch(value)
    if match is not None:
        value = match.group("value")
    if "%" in value:
        try:
            return unquote(value, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise _name_invalid(
                "the percent-encoded name is not UTF-8", "文件名的百分号编码不是 UTF-8"
            ) from None
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def clean_name(name: str | None) -> str:
    """The name as stored: NFC, without surrounding blanks; refused when unsafe to show or use."""
    if name is None or not name.strip():
        raise _name_invalid(
            "name the file with the X-Filename header or ?filename=",
            "请用 X-Filename 请求头或 ?filename= 参数给出文件名",
        )
    cleaned = unicodedata.normalize("NFC", name).strip()
    if len(cleaned) > MAX_NAME_LENGTH:
        raise _name_invalid(
            f"the name is longer than {MAX_NAME_LENGTH} characters",
            f"文件名超过 {MAX_NAME_LENGTH} 个字符",
        )
    if cleaned in {".", ".."}:
        raise _name_invalid("the name must not be '.' or '..'", "文件名不能是“.”或“..”")
    for char in cleaned:
        if char in SEPARATORS:
            raise _name_invalid(
                "the name must not contain '/' or '\\' (send the base name)",
                "文件名不能包含“/”或“\\”：请只给出文件名，不带路径",
            )
        if char in BIDI_CONTROLS or unicodedata.category(char) in REFUSED_CATEGORIES:
            raise _name_invalid(
                f"the name contains the control character U+{ord(char):04X}; remove it",
                f"文件名含有控制字符 U+{ord(char):04X}：请删除它",
            )
    return cleaned


def media_type(content_type: str | None) -> str:
    """The declared media type without parameters, lower case; octet-stream when absent."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if not declared:
        return DEFAULT_MEDIA_TYPE
    if not MEDIA_TYPE.fullmatch(declared):
        raise BadRequest(
            f"Content-Type {declared!r} is not a media type such as application/pdf",
            code="file_type_invalid",
            zh_cn=f"Content-Type {declared!r} 不是有效的媒体类型（例如 application/pdf）",
        )
    return declared


def check_content(content: bytes, declared: str) -> None:
    if not content:
        raise BadRequest(
            "the file is empty; nothing was stored",
            code="file_empty",
            zh_cn="文件是空的：未保存任何内容",
        )
    signatures = SIGNATURES.get(declared)
    if signatures is not None and not content.startswith(signatures):
        raise Invalid(
            f"the file was sent as {declared}, but its content is not of that type;"
            " nothing was stored",
            code="file_type_mismatch",
            zh_cn=f"文件声明的类型是 {declared}，但内容不是这种类型：未保存任何内容",
        )


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact UTF-8 name (RFC 6266/8187)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\%;' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _name_invalid(message: str, zh_cn: str) -> BadRequest:
    return BadRequest(message, code="file_name_invalid", zh_cn=zh_cn)
