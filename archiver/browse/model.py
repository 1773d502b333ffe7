"""What the browsing pages show, read from the archive's own files (nothing else is trusted):
the catalogue (``posts.jsonl``), every run's ``run.json``, ``changes.json`` and
``items.jsonl``, and ``verify.json``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.archive.catalogue import merge_catalogue
from archiver.archive.layout import ArchivePaths
from archiver.browse.paths import post_file_name
from archiver.browse.verifyresult import read_verify_result
from archiver.files import read_json, read_jsonl_skipping_corrupt
from archiver.items import record_key

Record = dict[str, Any]
CHANGE_KINDS = ("new", "changed", "removed")


@dataclass
class RunView:
    """One run: its run.json and changes.json (empty when missing or unreadable)."""

    run_id: str
    record: Record
    changes: Record

    @property
    def status(self) -> str:
        return str(self.record.get("status") or "unknown")

    @property
    def mode(self) -> str:
        return str(self.record.get("mode") or self.changes.get("mode") or "")

    def change_count(self, kind: str) -> int:
        return len(self.changes.get(kind) or [])


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
    root: Path
    posts: list[PostView]
    """Newest first (as the catalogue orders them)."""
    runs: list[RunView]
    """Oldest first."""
    verify: Record | None

    @property
    def last_run(self) -> RunView | None:
        finished = [run for run in self.runs if run.status != "running"]
        return finished[-1] if finished else None

    @property
    def capture_count(self) -> int:
        return sum(post.capture_total for post in self.posts)


def load_archive(
    root: Path,
    *,
    detail_runs: Collection[str] | None = None,
    reported_runs: Collection[str] = (),
) -> ArchiveView:
    """The archive as the pages show it. ``detail_runs``: load the captures (whole items) only
    of the posts captured or reported (changes.json) by these runs, and of the posts reported
    by ``reported_runs`` (the others get their count): what a run's end needs to rewrite
    those posts' pages, in memory that does not grow with the archive's history."""
    archive = ArchivePaths(root)
    runs: list[RunView] = []
    captures: dict[str, list[Record]] = {}
    counts: dict[str, int] = {}
    last: dict[str, Record] = {}
    catalogue = list(read_jsonl_skipping_corrupt(archive.posts_jsonl))
    wanted: set[str] | None = None
    if detail_runs is not None:
        wanted = set()
        reported: set[str] = set()
        for run_id in [*detail_runs, *reported_runs]:
            run = archive.run(run_id)
            if run_id in detail_runs:
                for item in read_jsonl_skipping_corrupt(run.items_jsonl):
                    wanted.add(record_key(item))
            for kind, entries in _read_object(run.changes_json).items():
                if isinstance(entries, list) and kind != "run_id":
                    reported.update(str(e.get("url")) for e in entries if isinstance(e, dict))
        wanted.update(record_key(r) for r in catalogue if str(r.get("url")) in reported)
    known = {record_key(r) for r in catalogue}
    for run_id in archive.run_ids():
        run = archive.run(run_id)
        runs.append(RunView(run_id, _read_object(run.run_json), _read_object(run.changes_json)))
        for item in read_jsonl_skipping_corrupt(run.items_jsonl):
            key = record_key(item)
            counts[key] = counts.get(key, 0) + 1
            if wanted is None or key in wanted:
                item.setdefault("run_id", run_id)
                captures.setdefault(key, []).append(item)
            elif key not in known:
                item.setdefault("run_id", run_id)
                last[key] = item
    # Posts captured but not (yet) in the catalogue, e.g. of a run that failed to finish.
    stray = [items[-1] for key, items in captures.items() if key not in known]
    stray += [item for key, item in last.items() if key not in known]
    last.clear()
    posts = [
        PostView(
            record_key(record),
            record,
            captures.get(record_key(record), []),
            capture_total=counts.get(record_key(record), 0),
        )
        for record in merge_catalogue(catalogue, stray)
    ]
    view = ArchiveView(root, posts, runs, read_verify_result(root))
    _mark_last_run(view)
    return view


def _mark_last_run(view: ArchiveView) -> None:
    last = view.last_run
    if last is None:
        return
    by_url = {(str(p.latest.get("source") or ""), p.latest.get("url")): p for p in view.posts}
    for kind in CHANGE_KINDS:
        for entry in last.changes.get(kind) or []:
            post = by_url.get((str(entry.get("source") or ""), entry.get("url")))
            if post is not None:
                post.last_run_change = kind


def _read_object(path: Path) -> Record:
    if not path.exists():
        return {}
    try:
        value = read_json(path)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
