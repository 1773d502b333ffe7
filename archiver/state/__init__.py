"""The archive's memory across runs: SQLite (``OUTPUT/state.sqlite``), schema and queries.

Opened once per crawl (one connection, WAL) and handed to whoever needs it.
"""

from __future__ import annotations

from archiver.state.schema import StateError
from archiver.state.store import (
    MODES,
    UNLISTED_FLAG,
    ArchiveState,
    Change,
    PostState,
    parse_mode,
)

__all__ = [
    "MODES",
    "UNLISTED_FLAG",
    "ArchiveState",
    "Change",
    "PostState",
    "StateError",
    "parse_mode",
]
