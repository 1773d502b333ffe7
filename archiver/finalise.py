"""What happens to an archive when a run ends, in order, after items.jsonl is final and the
WARC files are closed:

1. the state database closes the run and says what changed (new / changed / removed);
2. ``runs/<run-id>/changes.json`` reports it;
3. ``posts.jsonl`` (the catalogue) is rebuilt: previous posts + this run's captures, removed
   posts kept with ``removed_at``;
4. ``feed.atom`` lists the newest posts.

Called by the run log (archiver.runlog), which then packages and hashes the run and completes
run.json. Every file is written atomically through archiver.output.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from archiver.catalogue import merge_catalogue
from archiver.layout import ArchivePaths, RunPaths
from archiver.output import atomic_write_jsonl, read_jsonl
from archiver.reports import changes_report, mark_removed, write_changes, write_feed
from archiver.state import ArchiveState, Change

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FinaliseOptions:
    """The end-of-run choices, from settings."""

    mode: str
    max_missing_fraction: float
    feed_title: str
    feed_limit: int
    state_enabled: bool = True


def finalise_run(
    archive: ArchivePaths,
    run: RunPaths,
    *,
    status: str,
    counts: dict[str, Any],
    options: FinaliseOptions,
) -> dict[str, Any]:
    """Close the run in the state, write changes.json, the catalogue and the feed.

    Returns the change summary for run.json (``{"new": n, "changed": n, ...}``).
    """
    changes: list[Change] = []
    removed: dict[tuple[str, str], str] = {}
    if options.state_enabled and archive.state_db.exists():
        with ArchiveState.open(archive.state_db) as state:
            if state.run(run.run_id) is not None:
                changes = state.finish_run(
                    run.run_id,
                    status,
                    options.mode,
                    counts,
                    max_missing_fraction=options.max_missing_fraction,
                )
            removed = state.removed_posts()
    write_changes(run, changes, mode=options.mode)
    items = list(read_jsonl(run.items_jsonl))
    catalogue = mark_removed(merge_catalogue(read_jsonl(archive.posts_jsonl), items), removed)
    atomic_write_jsonl(archive.posts_jsonl, catalogue)
    write_feed(archive, catalogue, title=options.feed_title, limit=options.feed_limit)
    report = changes_report(run.run_id, options.mode, changes)
    return {kind: len(report[kind]) for kind in ("new", "changed", "removed", "removal_suspected")}
