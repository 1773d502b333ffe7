"""CaptureMemory: which payloads the archive holds already, so that a repeat is a ``revisit``.

The capture middleware asks it two questions before writing an answer:

- ``original(target_uri, payload_digest)``: was this very payload archived for this URI, by
  an earlier run or earlier in this run? Then a ``revisit`` record (profile
  identical-payload-digest) refers to that first record instead of storing the payload again.
- ``last_capture(target_uri)``: what did the last capture of this URI hold? A 304 answer to a
  conditional request becomes a ``revisit`` (profile server-not-modified) referring to it.

and tells it of every response record written (``remember``). Answers come from this run's
memory first, then from the archive state (``OUTPUT/state.sqlite``, table of payloads, and the
latest captured version of a post), through its own :class:`archiver.state.store.ArchiveState`
connection (SQLite in WAL mode copes with several connections; each write is one short
transaction). Without a state file (``ARCHIVER_STATE_ENABLED`` off) only this run's captures
are known. No Scrapy; reads no settings (the middleware passes plain values).
"""

from __future__ import annotations

import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

from archiver.state import ArchiveState, StateError

logger = logging.getLogger(__name__)

Pointer = dict[str, Any]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

CACHE_SIZE = 4096
"""Pointers kept in memory: the most recently used. Every payload is in the state database
too, so a crawl's memory does not grow with its pages; what falls out is looked up there (or,
with the state off, is stored whole once more: a larger WARC, never a wrong revisit)."""


class BoundedCache(Generic[K, V]):
    """A mapping that keeps only its ``size`` most recently used entries."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size or CACHE_SIZE
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def setdefault(self, key: K, value: V) -> V:
        known = self.get(key)
        if known is None:
            self.put(key, value)
            return value
        return known

    def __len__(self) -> int:
        return len(self._entries)


def original_of(pointer: Mapping[str, Any]) -> Pointer:
    """The pointer of the record that holds the payload: a revisit's ``refers_to``, else itself."""
    refers_to = pointer.get("refers_to")
    return dict(refers_to) if isinstance(refers_to, Mapping) else dict(pointer)


class CaptureMemory:
    """Payloads archived so far (this run in memory, earlier runs in the state database)."""

    def __init__(
        self,
        run_id: str,
        *,
        state: Callable[[], ArchiveState | None] | None = None,
        source: str = "",
        on_write_error: Callable[[BaseException], bool] | None = None,
    ) -> None:
        self.run_id = run_id
        self.source = source
        self._state_source = state
        # Told of a failed state write; True when it dealt with it (a full disk: said once by
        # the run log, which stops the crawl).
        self._on_write_error = on_write_error
        self._state: ArchiveState | None = None
        self._state_failed = False
        self._originals: BoundedCache[tuple[str, str], Pointer] = BoundedCache()
        self._latest: BoundedCache[str, Pointer] = BoundedCache()

    def original(self, target_uri: str, payload_digest: str) -> Pointer | None:
        """The first record of this payload at this URI (with its ``run_id``), or None."""
        known = self._originals.get((target_uri, payload_digest))
        if known is not None:
            return known
        state = self._open_state()
        if state is None:
            return None
        try:
            found = state.original_payload(target_uri, payload_digest)
        except sqlite3.Error as error:
            logger.error("State lookup of %s failed: %s", target_uri, error)
            return None
        if found is not None:
            self._originals.put((target_uri, payload_digest), found)
        return found

    def last_capture(self, target_uri: str) -> Pointer | None:
        """The record holding the payload last captured for ``target_uri``, or None.

        This run's last 200 answer wins; otherwise the latest captured version of the post
        at that URI in the state (conditional requests are sent for known posts only).
        """
        known = self._latest.get(target_uri)
        if known is not None:
            return known
        state = self._open_state()
        if state is None or not self.source:
            return None
        try:
            latest = state.latest_warc(self.source, target_uri)
            if not latest:
                return None
            pointer = original_of(latest)
            digest, uri = pointer.get("payload_digest"), pointer.get("target_uri")
            first = state.original_payload(str(uri), str(digest)) if digest and uri else None
        except sqlite3.Error as error:
            logger.error("State lookup of %s failed: %s", target_uri, error)
            return None
        return first or pointer

    def remember(self, pointer: Mapping[str, Any], *, status: int) -> None:
        """A record was written: its payload (if new) is what later repeats refer to."""
        original = original_of(pointer)
        original.setdefault("run_id", self.run_id)
        uri, digest = original.get("target_uri"), original.get("payload_digest")
        if not uri or not digest:
            return
        key = (str(uri), str(digest))
        first = self._originals.setdefault(key, original)
        if status == 200:
            self._latest.put(str(pointer.get("target_uri")), first)
        if "refers_to" in pointer:
            return  # a revisit: its original is remembered already
        state = self._open_state()
        if state is None:
            return
        stored = {k: v for k, v in original.items() if k != "run_id"}
        try:
            state.remember_payload(self.run_id, key[0], key[1], stored)
        except sqlite3.Error as error:
            if self._on_write_error is None or not self._on_write_error(error):
                logger.error("Could not remember the payload of %s: %s", uri, error)

    def close(self) -> None:
        """Forget the state connection (its owner, the crawl, closes it)."""
        self._state = None

    def _open_state(self) -> ArchiveState | None:
        if self._state is not None or self._state_failed or self._state_source is None:
            return self._state
        try:
            self._state = self._state_source()
        except (StateError, sqlite3.Error, OSError) as error:
            self._state_failed = True
            logger.error("Revisits from this run's captures only: state unusable: %s", error)
        return self._state
