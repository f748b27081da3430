"""The server's access log without personal data: query values never reach a log line.

Filters and searches carry values such as resident IDs (``?filter=resident_id = "110…"``), so the
access log keeps each query parameter's name and replaces its value with ``*``. ``log_config``
is uvicorn's logging configuration with that filter on the access logger; ``serve`` and ``demo``
start uvicorn with it.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

ACCESS_LOGGER = "uvicorn.access"
HIDDEN = "*"
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z_.-]{0,39}")  # no digits: an ID is never a name


def redact_query(target: str) -> str:
    """``/path?filter=x&limit=5`` → ``/path?filter=*&limit=*``; names other than plain words
    (letters, ``_``, ``.``, ``-``) are hidden too, since a client may put anything there."""
    path, separator, query = target.partition("?")
    if not separator:
        return path
    names = []
    for part in query.split("&"):
        if not part:
            continue
        name = unquote_plus(part.partition("=")[0])
        names.append(f"{name if PLAIN_NAME.fullmatch(name) else HIDDEN}={HIDDEN}")
    return f"{path}?{'&'.join(names)}"


class QueryRedaction(logging.Filter):
    """Rewrites the request target of uvicorn's access records
    (``args = (client, method, target, http_version, status)``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact_query(args[2]), args[3], args[4])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with ``QueryRedaction`` on the access logger."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_query"] = {"()": QueryRedaction}
    config["loggers"][ACCESS_LOGGER].setdefault("filters", []).append("redact_query")
    return config
