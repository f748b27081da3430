"""Sanitising of rich text: HTML reduced to an allow-list of tags and attributes.

Everything not on the list is dropped: scripts and styles with their content, other unknown tags
keeping their text. Links keep only http, https and mailto targets. The output is well-formed
(every opened tag is closed) and all text is re-escaped. This module must not fetch anything,
and must not try to preserve layout beyond the allowed tags.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

ALLOWED_TAGS = frozenset(
    {"p", "br", "hr", "b", "strong", "i", "em", "u", "s", "sub", "sup", "blockquote", "code"}
    | {"pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "span"}
    | {"table", "thead", "tbody", "tr", "th", "td"}
)
VOID_TAGS = frozenset({"br", "hr"})
DROP_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}
    | {"title", "textarea", "select", "head"}
)
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan"}),
}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
MAX_DEPTH = 64


def sanitize_html(source: str) -> str:
    """The allow-listed subset of `source`, well-formed and escaped."""
    cleaner = _Cleaner()
    cleaner.feed(source)
    cleaner.close()
    return cleaner.result()


def _attribute_ok(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, frozenset()):
        return False
    if name == "href":
        try:
            scheme = urlsplit(value.strip()).scheme.lower()
        except ValueError:
            return False
        return scheme in LINK_SCHEMES
    return value.isascii() and value.isdigit() and 0 < int(value) <= 100


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._open: list[str] = []
        self._dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropping or tag in DROP_WITH_CONTENT:
            if tag in DROP_WITH_CONTENT and tag not in VOID_TAGS:
                self._dropping.append(tag)
            return
        if tag not in ALLOWED_TAGS or len(self._open) >= MAX_DEPTH:
            return
        kept = "".join(
            f' {name}="{escape(value or "", quote=True)}"'
            for name, value in attrs
            if value is not None and _attribute_ok(tag, name, value)
        )
        if tag == "a" and kept:
            kept += ' rel="noopener noreferrer nofollow"'
        self._out.append(f"<{tag}{kept}>")
        if tag not in VOID_TAGS:
            self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self._open and self._open[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._dropping:
            if tag == self._dropping[-1]:
                self._dropping.pop()
            return
        if tag not in self._open:
            return
        while self._open:
            closed = self._open.pop()
            self._out.append(f"</{closed}>")
            if closed == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self._out.append(escape(data, quote=False))

    def result(self) -> str:
        return "".join(self._out) + "".join(f"</{tag}>" for tag in reversed(self._open))


def html_to_text(source: str) -> str:
    """The text content of (sanitised) HTML, for lists and exports."""
    reader = _TextReader()
    reader.feed(source)
    reader.close()
    return " ".join("".join(reader.parts).split())


class _TextReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


BLOCK_TAGS = frozenset(
    {"p", "br", "hr", "li", "tr", "td", "th", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5"}
    | {"h6"}
)
