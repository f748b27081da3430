"""The UI's two languages: English message ids in the templates, translated by Babel catalogs
(`locale/<lang>/LC_MESSAGES/messages.po`, read when the server starts).

The language of a page is the one the user chose (a cookie set by the language switch), else
the browser's preference (`Accept-Language`), else Chinese.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import Request

from brickwork.platform.api.deps import preferred_locale

LANGUAGES = ("zh-CN", "en")
LANGUAGE_COOKIE = "brickwork_lang"
LOCALE_DIR = Path(__file__).parent / "locale"
CATALOG_OF = {"zh-CN": "zh_CN", "en": "en"}


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    header = request.headers.get("accept-language")
    return preferred_locale(header) if header else "zh-CN"


@cache
def translations(language: str) -> NullTranslations:
    """The catalog of `language` (English needs none: the message ids are English)."""
    path = LOCALE_DIR / CATALOG_OF[language] / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=CATALOG_OF[language])
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)
