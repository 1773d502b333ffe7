"""Close the runs a crash left behind, so that nothing they captured is lost.

A run killed mid-way leaves ``run.json`` saying ``running``, its items in
``items.jsonl.partial`` and a WARC file under ``.open``. ``archiver crawl --resume`` continues
such a run; but a cron job usually just starts the next run, and the next incremental run
would skip the posts the killed run captured (the state knows them) while they never reached
``posts.jsonl``. So before a new run starts, holding the archive's lock (nobody else can be
running them), every other run still marked ``running`` is closed:

1. its ``.open`` WARC files are cut after their last whole record and closed;
2. its items (one per post, the latest) become ``items.jsonl`` and join the catalogue;
3. the state closes the run as ``interrupted`` (it decides no removal);
4. it is packaged and hashed like a finished run, and run.json says ``interrupted`` with a
   note of what was recovered. ``--resume RUN_ID`` can still continue it later.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from archiver.catalogue import merge_catalogue
from archiver.layout import ArchivePaths, RunPaths
from archiver.output import atomic_write_json, atomic_write_jsonl, read_json, read_jsonl
from archiver.pipelines import latest_per_post
from archiver.reports import mark_removed
from archiver.state import ArchiveState
from archiver.warc_repair import repair_open_warcs

logger = logging.getLogger(__name__)

STATUS_INTERRUPTED = "interrupted"


def interrupted_runs(archive: ArchivePaths) -> list[RunPaths]:
    """Runs whose run.json still says ``running``, oldest first."""
    found = []
    for run_id in archive.run_ids():
        run = archive.run(run_id)
        if run.run_json.exists() and read_json(run.run_json).get("status") == "running":
            found.append(run)
    return found


def close_interrupted_runs(archive: ArchivePaths, *, keep: str | None = None) -> list[str]:
    """Close every interrupted run but ``keep`` (the run being resumed); their ids.

    The caller must hold the archive's lock.
    """
    closed = []
    for run in interrupted_runs(archive):
        if run.run_id == keep:
            continue
        try:
            close_run(archive, run)
        except OSError as error:  # e.g. a full disk: the run stays 'running', verify says so
            logger.error("Could not close interrupted run %s: %s", run.run_id, error)
            continue
        closed.append(run.run_id)
    return closed


def close_run(archive: ArchivePaths, run: RunPaths) -> dict[str, Any]:
    """Recover what one interrupted run captured; returns its updated run.json record."""
    record: dict[str, Any] = read_json(run.run_json)
    repaired = repair_open_warcs(run.warc_dir) if run.warc_dir.is_dir() else []
    items = latest_per_post([*read_jsonl(run.items_jsonl), *read_jsonl(run.items_partial)])
    atomic_write_jsonl(run.items_jsonl, items)
    run.items_partial.unlink(missing_ok=True)
    removed: dict[tuple[str, str], str] = {}
    if archive.state_db.exists():
        with ArchiveState.open(archive.state_db) as state:
            if state.run(run.run_id) is not None:
                state.finish_run(run.run_id, STATUS_INTERRUPTED)
            removed = state.removed_posts()
    catalogue = mark_removed(merge_catalogue(read_jsonl(archive.posts_jsonl), items), removed)
    atomic_write_jsonl(archive.posts_jsonl, catalogue)
    _package(run, record)
    from archiver.verify import hash_run_files  # verify imports the WARC readers: load late

    record.update(
        status=STATUS_INTERRUPTED,
        finished_at=None,
        closed_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        files=hash_run_files(run),
    )
    record.setdefault("problems", []).append(
        f"interrupted (the crawl process ended without finishing); closed before the next "
        f"run: {len(items)} items kept, {len(repaired)} WARC file(s) repaired"
    )
    atomic_write_json(run.run_json, record)
    logger.warning("Closed interrupted run %s: %d items kept", run.run_id, len(items))
    return record


def _package(run: RunPaths, record: dict[str, Any]) -> None:
    settings = record.get("settings") or {}
    if str(settings.get("ARCHIVER_PACKAGE_ENABLED", True)).lower() in ("false", "0"):
        return
    from archiver.package import package_run

    try:
        package_run(run, title=f"{record.get('source')} run {run.run_id} (interrupted)")
    except Exception as error:  # the recovered items matter more than the package
        logger.exception("Packaging interrupted run %s failed", run.run_id)
        record.setdefault("problems", []).append(f"packaging failed: {error}")
