"""Rebuild the browsing pages of an archive: ``index.html``, ``posts/<name>.html`` and the
per-capture item files. Called at the end of every run (the run log extension) and by
``archiver index DIR``. Files whose content is unchanged are not rewritten."""

from __future__ import annotations

import logging
from pathlib import Path

from archiver.archive.layout import ArchivePaths, is_run_id
from archiver.browse.index_page import render_index
from archiver.browse.markup import DEFAULT_REPLAY_BASE
from archiver.browse.model import ArchiveView, load_archive
from archiver.browse.paths import BrowsePaths
from archiver.browse.post_page import render_post
from archiver.files import atomic_write_bytes, json_line

logger = logging.getLogger(__name__)


def build_browse(
    root: Path, *, replay: str = DEFAULT_REPLAY_BASE, incremental: bool = False
) -> ArchiveView:
    """Write the pages of the archive at ``root``; returns what they show.

    ``incremental`` (the end of a run): only the pages of the posts captured or reported
    (changes.json) by the runs finished since index.html was last written are rewritten, with
    index.html: a post page shows the post's catalogue record, captures and the last run's
    change, which only such a run changes (and the run before them, whose "new"/"changed"
    marks go: its reported posts are rewritten too). Otherwise (``archiver index``,
    ``archiver verify``) every page."""
    runs = runs_since_last_build(root) if incremental else None
    before: list[str] = []
    if runs:
        before = [r for r in ArchivePaths(root).run_ids() if r < min(runs)][-1:]
    view = load_archive(root, detail_runs=runs, reported_runs=before)
    paths = BrowsePaths(root)
    written = 0
    for post in view.posts:
        if runs is not None and not post.captures:
            continue  # not captured by these runs: its page is as it was
        written += _write(paths.post_page(post.file_name), render_post(post, replay=replay))
        for capture in post.captures:
            run_id = str(capture.get("run_id"))
            if is_run_id(run_id):  # a run id names a file; never a path from an item
                written += _write(paths.capture_json(post.file_name, run_id), json_line(capture))
    written += _write(paths.index_html, render_index(view, replay=replay))
    logger.info(
        "Browsing pages of %s: %d posts, %d files (re)written", root, len(view.posts), written
    )
    return view


def runs_since_last_build(root: Path) -> list[str] | None:
    """Runs whose run.json is newer than index.html; None (all) when there is no index.html."""
    index = BrowsePaths(root).index_html
    if not index.is_file():
        return None
    built = index.stat().st_mtime_ns
    archive = ArchivePaths(root)
    changed = []
    for run_id in archive.run_ids():
        run_json = archive.run(run_id).run_json
        try:
            if run_json.stat().st_mtime_ns >= built:
                changed.append(run_id)
        except OSError:
            changed.append(run_id)  # no run.json (yet): its captures are shown anyway
    return changed


def _write(path: Path, text: str) -> int:
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    # Derived from the runs and rebuilt by every run (and `archiver index`): not synced.
    atomic_write_bytes(path, data, sync=False)
    return 1
