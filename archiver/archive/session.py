"""The archive's state connection, opened once per crawl and shared by its components.

The spider (what is known), the WARC capture middleware (payloads for revisits), the state
pipeline (captures) and the run lifecycle (closing the run) all need ``OUTPUT/state.sqlite``.
They do not import each other (Scrapy components talk through signals), so each asks
:func:`crawl_state` with its crawler and gets the same :class:`~archiver.state.ArchiveState`:
one SQLite connection per crawl (WAL), used from the reactor thread only. The run log closes
it (:func:`close_crawl_state`) once the run is finished.

Settings read: ``ARCHIVER_STATE_ENABLED`` (off: None, every run is a first run),
``ARCHIVER_OUTPUT_DIR``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from archiver.archive.layout import ArchivePaths
from archiver.state import ArchiveState

__all__ = ["close_crawl_state", "crawl_state"]

_OPEN: WeakKeyDictionary[Any, ArchiveState] = WeakKeyDictionary()


def crawl_state(crawler: Any) -> ArchiveState | None:
    """The crawl's state connection (opened, and the database created, on first use), or
    None when the state is switched off. Raises StateError/OSError when it cannot be opened."""
    settings = crawler.settings
    if not settings.getbool("ARCHIVER_STATE_ENABLED", True):
        return None
    state = _OPEN.get(crawler)
    if state is None:
        path = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR"))).state_db
        path.parent.mkdir(parents=True, exist_ok=True)
        state = ArchiveState.open(path)
        _OPEN[crawler] = state
    return state


def close_crawl_state(crawler: Any) -> None:
    """Close the crawl's state connection, if it was opened."""
    state = _OPEN.pop(crawler, None)
    if state is not None:
        state.close()
