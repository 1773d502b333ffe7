"""What the browsing pages show, read from the archive's own files (nothing else is trusted):
the catalogue (``posts.jsonl``), every run's ``run.json``, ``changes.json`` and
``items.jsonl``, and ``verify.json``.

The posts are streamed, one :class:`PostView` at a time, newest first: the captures of every
post (whole items of every run) are keyed in a scratch database on disk
(archiver.archive.scratch), never all held in memory, so the pages of an archive of 50,000
posts are built in the memory of one post (issue 15).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.archive.catalogue import merged_catalogue
from archiver.archive.layout import ArchivePaths, RunPaths
from archiver.browse.paths import post_file_name
from archiver.browse.verifyresult import read_verify_result
from archiver.files import json_object_members, read_json, read_jsonl_skipping_corrupt
from archiver.items import record_key

Record = dict[str, Any]
CHANGE_KINDS = ("new", "changed", "removed")


@dataclass
class RunView:
    """One run: its run.json, and of its changes.json the mode and how many posts each kind
    lists (empty when missing or unreadable)."""

    run_id: str
    record: Record
    changes_mode: str = ""
    change_counts: dict[str, int] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return str(self.record.get("status") or "unknown")

    @property
    def mode(self) -> str:
        return str(self.record.get("mode") or self.changes_mode or "")

    def change_count(self, kind: str) -> int:
        return self.change_counts.get(kind, 0)


@dataclass
class PostView:
    """One post: its catalogue record (latest version) and every capture, oldest first."""

    key: str
    latest: Record
    captures: list[Record] = field(default_factory=list)
    """Empty when the view was loaded for some posts only and this is not one of them."""
    last_run_change: str | None = None
    """``new``, ``changed`` or ``removed`` when the latest run reported it so."""
    capture_total: int = 0
    """How many captures the archive holds of the post (whether or not they were loaded)."""

    @property
    def file_name(self) -> str:
        return post_file_name(self.key)

    @property
    def removed(self) -> bool:
        return bool(self.latest.get("removed_at"))


@dataclass
class ArchiveView:
    """The archive as the pages show it: its runs, its last verification, and its posts one at
    a time (:meth:`posts`, once, newest first as the catalogue orders them)."""

    root: Path
    runs: list[RunView]
    """Oldest first."""
    verify: Record | None
    scratch: sqlite3.Connection

    @property
    def last_run(self) -> RunView | None:
        finished = [run for run in self.runs if run.status != "running"]
        return finished[-1] if finished else None

    def posts(self) -> Iterator[PostView]:
        """Every post, newest first: the catalogue, and posts captured but not (yet) in it
        (e.g. of a run that failed to finish)."""
        db = self.scratch
        catalogue = read_jsonl_skipping_corrupt(ArchivePaths(self.root).posts_jsonl)
        for record in merged_catalogue(catalogue, self._strays(), db):
            key = record_key(record)
            captures = [
                json.loads(text)
                for (text,) in db.execute(
                    "SELECT record FROM captures WHERE key = ? ORDER BY seq", (key,)
                )
            ]
            total = db.execute("SELECT total FROM counts WHERE key = ?", (key,)).fetchone()
            change = db.execute(
                "SELECT kind FROM last_changes WHERE source = ? AND url = ?",
                (str(record.get("source") or ""), json.dumps(record.get("url"))),
            ).fetchone()
            yield PostView(
                key,
                record,
                captures,
                last_run_change=change[0] if change else None,
                capture_total=total[0] if total else 0,
            )

    def _strays(self) -> Iterator[Record]:
        """The last capture of each post not in the catalogue: first those whose captures
        were loaded, then the others, each in the order first captured."""
        rows = self.scratch.execute(
            "SELECT (SELECT record FROM captures c WHERE c.key = k.key ORDER BY seq DESC"
            " LIMIT 1) FROM counts k WHERE k.key NOT IN (SELECT key FROM known)"
            " AND k.key IN (SELECT key FROM captures) ORDER BY k.first"
        ).fetchall()
        rows += self.scratch.execute("SELECT record FROM strays ORDER BY first").fetchall()
        for (text,) in rows:
            yield json.loads(text)


def load_archive(
    root: Path,
    scratch: sqlite3.Connection,
    *,
    detail_runs: Collection[str] | None = None,
    reported_runs: Collection[str] = (),
) -> ArchiveView:
    """The archive as the pages show it, its posts keyed in ``scratch``. ``detail_runs``:
    load the captures (whole items) only of the posts captured or reported (changes.json) by
    these runs, and of the posts reported by ``reported_runs`` (the others get their count):
    what a run's end needs to rewrite those posts' pages."""
    archive = ArchivePaths(root)
    db = scratch
    # One statement at a time, not executescript(): that commits the scratch database's open
    # transaction first, and each insert after it was a transaction of its own (a lock, a
    # look for a journal and the page writes per row: a third of a full build's time).
    for statement in _SCHEMA:
        db.execute(statement)
    db.executemany(
        "INSERT OR IGNORE INTO known (key) VALUES (?)",
        ((record_key(r),) for r in read_jsonl_skipping_corrupt(archive.posts_jsonl)),
    )
    if detail_runs is not None:
        db.execute("CREATE TABLE reported (url TEXT PRIMARY KEY)")
        for run_id in [*detail_runs, *reported_runs]:
            run = archive.run(run_id)
            if run_id in detail_runs:
                db.executemany(
                    "INSERT OR IGNORE INTO wanted (key) VALUES (?)",
                    ((record_key(i),) for i in read_jsonl_skipping_corrupt(run.items_jsonl)),
                )
            # (A changes.json broken half way names some posts more: their pages are
            # rewritten, as they were.)
            db.executemany(
                "INSERT OR IGNORE INTO reported (url) VALUES (?)",
                (
                    (str(entry.get("url")),)
                    for kind, entry in _change_entries(run.changes_json)
                    if kind != "run_id"
                ),
            )
        db.executemany(
            "INSERT OR IGNORE INTO wanted (key) VALUES (?)",
            (
                (record_key(r),)
                for r in read_jsonl_skipping_corrupt(archive.posts_jsonl)
                if db.execute(
                    "SELECT 1 FROM reported WHERE url = ?", (str(r.get("url")),)
                ).fetchone()
            ),
        )
    runs: list[RunView] = []
    seq = 0
    for run_id in archive.run_ids():
        run = archive.run(run_id)
        runs.append(RunView(run_id, _read_object(run.run_json), *_changes_summary(run)))
        for item in read_jsonl_skipping_corrupt(run.items_jsonl):
            seq += 1
            key = record_key(item)
            db.execute(
                "INSERT INTO counts (key, total, first) VALUES (?, 1, ?)"
                " ON CONFLICT (key) DO UPDATE SET total = total + 1",
                (key, seq),
            )
            item.setdefault("run_id", run_id)
            if detail_runs is None or _has(db, "wanted", key):
                db.execute(
                    "INSERT INTO captures (seq, key, record) VALUES (?, ?, ?)",
                    (seq, key, json.dumps(item, ensure_ascii=False)),
                )
            elif not _has(db, "known", key):
                db.execute(
                    "INSERT INTO strays (key, first, record) VALUES (?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET record = excluded.record",
                    (key, seq, json.dumps(item, ensure_ascii=False)),
                )
    view = ArchiveView(root, runs, read_verify_result(root), db)
    last = view.last_run
    if last is not None:
        # Of the kinds a post is listed under, the last of CHANGE_KINDS marks it.
        try:
            db.executemany(
                "INSERT INTO last_changes (source, url, kind, rank) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (source, url) DO UPDATE SET kind = excluded.kind,"
                " rank = excluded.rank WHERE excluded.rank >= last_changes.rank",
                (
                    (
                        str(entry.get("source") or ""),
                        json.dumps(entry.get("url")),
                        kind,
                        CHANGE_KINDS.index(kind),
                    )
                    for kind, entry in _change_entries(archive.run(last.run_id).changes_json)
                    if kind in CHANGE_KINDS
                ),
            )
        except ValueError:
            db.execute("DELETE FROM last_changes")  # unreadable: no post is marked
    return view


_SCHEMA = (
    "CREATE TABLE known (key TEXT PRIMARY KEY)",
    "CREATE TABLE wanted (key TEXT PRIMARY KEY)",
    "CREATE TABLE counts (key TEXT PRIMARY KEY, total INTEGER NOT NULL, first INTEGER NOT NULL)",
    "CREATE TABLE captures (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, record TEXT)",
    "CREATE INDEX captures_key ON captures (key, seq)",
    "CREATE TABLE strays (key TEXT PRIMARY KEY, first INTEGER NOT NULL, record TEXT)",
    "CREATE TABLE last_changes (source TEXT, url TEXT, kind TEXT, rank INTEGER,"
    " PRIMARY KEY (source, url))",
)


def _change_entries(path: Path) -> Iterator[tuple[str, Record]]:
    """(kind, entry) of each post a changes.json lists, read one at a time; nothing more
    once the file turns out broken, nothing when it is missing."""
    if not path.exists():
        return
    try:
        for key, value, listed in json_object_members(path):
            if listed and isinstance(value, dict):
                yield key, value
    except ValueError:
        return


def _changes_summary(run: RunPaths) -> tuple[str, dict[str, int]]:
    """Of a run's changes.json: its mode and how many entries each list holds (nothing when
    it is missing or unreadable)."""
    if not run.changes_json.exists():
        return "", {}
    mode: Any = None
    counts: dict[str, int] = {}
    try:
        for key, value, listed in json_object_members(run.changes_json):
            if listed:
                counts[key] = counts.get(key, 0) + 1
            elif key == "mode":
                mode = value
    except ValueError:
        return "", {}
    return str(mode or ""), counts


def _has(db: sqlite3.Connection, table: str, key: str) -> bool:
    return db.execute(f"SELECT 1 FROM {table} WHERE key = ?", (key,)).fetchone() is not None


def _read_object(path: Path) -> Record:
    if not path.exists():
        return {}
    try:
        value = read_json(path)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
