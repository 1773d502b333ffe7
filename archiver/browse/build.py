"""Rebuild the browsing pages of an archive: ``index.html`` and ``posts/<name>.html`` (one file
per post, its captures' items on it). Called at the end of every run (the run log extension)
and by ``archiver index DIR``. Files whose content is unchanged are not rewritten."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from archiver.archive.layout import ArchivePaths, is_run_id
from archiver.archive.scratch import scratch_database
from archiver.browse.index_page import IndexPage
from archiver.browse.markup import DEFAULT_REPLAY_BASE, PAGES_GENERATION
from archiver.browse.model import load_archive
from archiver.browse.paths import BrowsePaths
from archiver.browse.post_page import render_post

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BrowseSummary:
    """What the pages of an archive show, in numbers."""

    posts: int
    captures: int
    runs: int
    written: int
    """Files (re)written."""


def build_browse(
    root: Path, *, replay: str = DEFAULT_REPLAY_BASE, incremental: bool = False
) -> BrowseSummary:
    """Write the pages of the archive at ``root``; returns what they show.

    ``incremental`` (the end of a run): only the pages of the posts captured or reported
    (changes.json) by the runs finished since index.html was last written are rewritten, with
    index.html: a post page shows the post's catalogue record, captures and the last run's
    change, which only such a run changes (and the run before them, whose "new"/"changed"
    marks go: its reported posts are rewritten too); all of them when index.html is missing
    or of an older generation of the pages (:func:`runs_since_last_build`). Otherwise
    (``archiver index``, ``archiver verify``) every page. A build of every page also removes
    the per-capture item files of archives built before (``posts/<name>/<run-id>.json``,
    derived files: their items are on the post pages now); a build of some pages does not
    look for them. The posts stream one at a time
    (archiver.browse.model); index.html's rows are spooled to a ``.tmp`` file until its totals
    are known."""
    runs = runs_since_last_build(root) if incremental else None
    before: list[str] = []
    if runs:
        before = [r for r in ArchivePaths(root).run_ids() if r < min(runs)][-1:]
    paths = BrowsePaths(root)
    written = 0
    spool = root / ".index-rows.html.tmp"
    try:
        with scratch_database(root) as scratch:
            view = load_archive(root, scratch, detail_runs=runs, reported_runs=before)
            with spool.open("w", encoding="utf-8") as rows:
                index = IndexPage(view, rows, replay=replay)
                for post in view.posts():
                    index.add(post)
                    if runs is not None and not post.captures:
                        continue  # not captured by these runs: its page is as it was
                    written += _write(
                        paths.post_page(post.file_name), render_post(post, replay=replay)
                    )
        with spool.open("r", encoding="utf-8") as rows:
            written += _write_streamed(paths.index_html, lambda out: index.write(out, rows))
    finally:
        spool.unlink(missing_ok=True)
    if runs is None:
        removed = remove_item_directories(paths.posts_dir)
        if removed:
            logger.info("Removed %d directories of per-capture item files", removed)
    logger.info(
        "Browsing pages of %s: %d posts, %d files (re)written", root, index.post_count, written
    )
    return BrowseSummary(index.post_count, index.capture_count, len(view.runs), written)


def runs_since_last_build(root: Path) -> list[str] | None:
    """Runs whose run.json is newer than index.html; None (all) when there is no index.html or
    it is of another generation of the pages (markup.PAGES_GENERATION): its links would not
    fit the pages left as they were."""
    index = BrowsePaths(root).index_html
    try:
        with index.open("rb") as page:
            head = page.read(512)
            built = os.fstat(page.fileno()).st_mtime_ns
    except (FileNotFoundError, IsADirectoryError):
        return None
    if f'<meta name="generator" content="{PAGES_GENERATION}">'.encode() not in head:
        return None
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


def remove_item_directories(posts_dir: Path) -> int:
    """Remove ``posts/<name>/`` directories holding only the per-capture item files earlier
    versions wrote (``<run-id>.json``, and their ``.new.tmp`` leftovers): derived files whose
    items the post pages now show. A directory holding anything else is left, with a warning.
    Returns how many were removed."""
    try:
        entries = list(os.scandir(posts_dir))
    except FileNotFoundError:
        return 0
    removed = 0
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        names = os.listdir(entry.path)
        if all(_is_item_file(name) for name in names):
            shutil.rmtree(entry.path)
            removed += 1
        else:
            logger.warning("Left %s: it holds files no build of the pages wrote", entry.path)
    return removed


def _is_item_file(name: str) -> bool:
    stem = name.removesuffix(".new.tmp").removeprefix(".")
    return stem.endswith(".json") and is_run_id(stem.removesuffix(".json"))


def _write(path: Path, text: str) -> int:
    """Write ``path`` unless it holds ``text`` already; 1 when written.

    Thousands of these files are written at a run's end, so each costs as few system calls as
    can be: no private temporary name (the archive's lock keeps other writers out) and the
    directory made only when the file cannot be created without it. Derived from the runs
    and rebuilt by every run (and ``archiver index``): not synced."""
    data = text.encode("utf-8")
    mode: int | None = None
    try:
        with path.open("rb") as existing:
            if existing.read() == data:
                return 0
            mode = os.fstat(existing.fileno()).st_mode & 0o7777
    except FileNotFoundError:
        pass
    temporary = path.with_name(f".{path.name}.new.tmp")
    try:
        try:
            out = temporary.open("wb")
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            out = temporary.open("wb")
        with out:
            out.write(data)
            if mode is not None:
                os.fchmod(out.fileno(), mode)  # the page keeps its mode
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return 1


def _write_streamed(path: Path, fill: Callable[[IO[str]], None]) -> int:
    """Write ``path`` through ``fill`` (text, piece by piece) unless the result is what the
    file already holds; 1 when written."""
    temporary = path.with_name(f".{path.name}.new.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as out:
            fill(out)
        if path.is_file():
            if _same_bytes(path, temporary):
                return 0
            os.chmod(temporary, path.stat().st_mode & 0o7777)  # the page keeps its mode
        # Derived from the runs and rebuilt by every run (and `archiver index`): not synced.
        os.replace(temporary, path)
        return 1
    finally:
        temporary.unlink(missing_ok=True)


def _same_bytes(one: Path, other: Path) -> bool:
    if one.stat().st_size != other.stat().st_size:
        return False
    with one.open("rb") as first, other.open("rb") as second:
        while True:
            a, b = first.read(1 << 16), second.read(1 << 16)
            if a != b:
                return False
            if not a:
                return True
