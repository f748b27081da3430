"""Every text of the web pages has its Chinese translation, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from brickwork.platform.web import views
from brickwork.platform.web.i18n import LOCALE_DIR
from brickwork.platform.web.views import TEMPLATE_DIR

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def template_messages() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(TEMPLATE_DIR),
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def code_messages() -> set[str | tuple[str, ...]]:
    """The texts the pages' Python code translates (`_(...)`, `gettext(...)`), e.g. why a
    command on a page was refused."""
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(Path(views.__file__).parent), method_map=[("*.py", "python")]
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_the_pages_code_translates_what_it_says() -> None:
    found = code_messages()
    assert "name the user who takes the task" in found
    assert "System" in found


def test_every_page_text_is_translated_into_chinese() -> None:
    with (LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    messages = template_messages() | code_messages()
    assert len(messages) > 40
    missing = []
    for message in messages:
        entry = catalog.get(message if isinstance(message, str) else message[0])
        text = None if entry is None else entry.string
        translated = text if isinstance(text, str) else (text or ("",))[0]
        if not translated:
            missing.append(message)
            continue
        original = message if isinstance(message, str) else message[-1]  # the plural form
        assert set(PLACEHOLDER.findall(original)) == set(PLACEHOLDER.findall(translated)), message
    assert missing == []
