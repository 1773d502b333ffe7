"""A throwaway SQLite database on disk, for the run's end to sort and key an archive's posts
without holding them in memory.

A run's end works over every post of the run and of the archive (one item per post, the
catalogue newest first). Held in Python, that grew with the archive: about 27 KiB of memory per
post. In a scratch database the memory is SQLite's page cache (bounded: ``cache_size``) and the
rest is on disk next to the archive (never in a RAM-backed temporary directory). The file is a
``.tmp`` file, which no run hash, manifest or verify counts; it is deleted when the block ends,
and a crash leaves only a ``.tmp`` file behind, like any atomic write.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["scratch_database"]

# SQLite's page cache for the scratch database, in KiB (a negative cache_size): what it may
# hold in memory before it works from the file.
_CACHE_KIB = 8192


@contextlib.contextmanager
def scratch_database(directory: Path) -> Iterator[sqlite3.Connection]:
    """A new, empty SQLite database in ``directory``, deleted when the block ends. No journal
    and no syncs: nothing in it outlives the block."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".scratch-", suffix=".sqlite.tmp", dir=directory)
    os.close(fd)
    connection = sqlite3.connect(name, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
        connection.execute("PRAGMA temp_store=FILE")
        connection.execute("BEGIN")
        yield connection
    finally:
        connection.close()
        Path(name).unlink(missing_ok=True)
