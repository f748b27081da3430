"""Owner-only file modes for what the platform keeps on disk: the data directory and the
directories under it 0700; the embedded SQLite database (with its ``-wal``, ``-shm`` and
``-journal`` files), stored files and the key file 0600.

Modes are set explicitly, not through the process umask, so a process that embeds Brickwork keeps
its own umask. A data directory or database file that already exists with looser modes is
tightened (group and other bits removed), with a warning in the log; when that is not possible
(another owner) the warning says so and the process goes on.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
OPEN_BITS = 0o077
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Create ``path`` (0700; parents too) or tighten it when group or others may enter it.
    Only for directories the platform owns (the data directory): never a shared one like /tmp."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    tighten(path)
    return path


def private_database(path: Path) -> None:
    """Create the SQLite database file 0600 before SQLite opens it (SQLite then gives its
    ``-wal`` and ``-shm`` files the database's mode), and tighten files that exist already."""
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    os.close(descriptor)
    for candidate in (path, *(path.with_name(path.name + side) for side in SQLITE_SIDE_FILES)):
        if candidate.exists():
            tighten(candidate)


def tighten(path: Path) -> None:
    """Remove the group and other permission bits of ``path`` (logged when there were any)."""
    current = stat.S_IMODE(path.stat().st_mode)
    if not current & OPEN_BITS:
        return
    try:
        path.chmod(current & ~OPEN_BITS)
    except OSError as exc:
        log.warning(
            "%s is readable by group or others (mode %03o) and cannot be tightened (%s); "
            "restrict it to its owner",
            path,
            current,
            exc.strerror,
        )
        return
    log.warning(
        "%s was readable by group or others (mode %03o); tightened to %03o",
        path,
        current,
        current & ~OPEN_BITS,
    )
