"""The run lifecycle: the ONE way a run of the archive is finished.

A run begins when the crawl writes ``run.json`` saying ``running`` (the run log extension).
It ends by :func:`finish_run`, whichever way it ends:

- the crawl ended (complete, partial, limited or failed; interrupted when Ctrl-C or SIGTERM
  stopped it): the run log calls it when the engine stops;
- the crawl was resumed (``--resume``) and then ended: the same call, same run id;
- the crawl process died: the next run, holding the archive's lock, finds run.json still
  ``running`` and calls :func:`recover_run`, which is :func:`finish_run` with the status
  ``interrupted`` (``--resume RUN_ID`` can still continue it later).

The steps, in order, each on what the steps before it left on disk:

1. ``.open`` WARC files are cut after their last whole record and closed (a crash leaves them;
   after a normal end there are none);
2. the run's items are settled: one per post (the latest), from ``items.jsonl.partial`` (and an
   older ``items.jsonl``), into ``items.jsonl``; a whole-run adjustment (the dates pipeline
   settling a source's date order) may change them first, batch by batch;
3. the state database closes the run and says what changed (new / changed / removed /
   removal_suspected / gone / unlisted; see archiver.state.store);
4. ``changes.json`` reports it; ``posts.jsonl`` (the catalogue) and ``feed.atom`` are rebuilt;
5. the run is indexed (CDXJ) when packaging is on; with ``ARCHIVER_WACZ_EACH_RUN`` its WACZ is
   written too, signed when a signing key is set (:func:`archiver.evidence.seal.package_signer`);
   otherwise ``archiver package`` makes the WACZ on demand;
6. every file of the run is hashed and ``run.json``'s record is completed with the status,
   counts, changes and hashes;
7. the run is sealed (:mod:`archiver.evidence`): ``manifest.json`` lists every file, item and
   the previous run's manifest digest, signed and timestamped as configured; then run.json is
   written, naming the manifest's digest (its ``evidence`` part).

run.json and changes.json carry the run's post numbers under ``posts`` (:data:`POST_NUMBERS`:
seen, new, changed, unchanged, removed, gone, unlisted, failed, archive_total), the one
vocabulary of the log and the end-of-run summary.

No step holds the run's items or the archive's catalogue in memory: they are streamed from
file to file, keyed and sorted in a scratch database on disk (archiver.archive.scratch), so a
run's end takes the same memory for 1,000 posts as for 50,000 (issue 15).

A step that fails is written into run.json's ``problems`` and makes the run ``failed`` (items
that could not be settled stay in ``items.jsonl.partial`` for ``--resume``); it never keeps the
later steps from recording what they can. Every file is written atomically (archiver.files).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver.archive.catalogue import (
    CatalogueRow,
    count_posts,
    latest_per_post,
    merged_catalogue_rows,
)
from archiver.archive.hashes import hash_run_files
from archiver.archive.layout import ArchivePaths, RunPaths
from archiver.archive.package import package_run, run_title, wacz_each_run
from archiver.archive.reports import (
    NewestEntries,
    write_changes_streamed,
    write_feed,
)
from archiver.archive.scratch import scratch_database
from archiver.evidence.seal import KEYS_DIR, SealOptions, package_signer, seal_run
from archiver.files import (
    add_json_member,
    atomic_write_json,
    atomic_write_jsonl,
    atomic_write_lines,
    disk_full_message,
    read_json,
    read_jsonl,
)
from archiver.state import ArchiveState, Change, parse_mode
from archiver.warc.repair import repair_open_warcs

__all__ = [
    "STATUS_COMPLETE",
    "STATUS_FAILED",
    "STATUS_INTERRUPTED",
    "STATUS_LIMITED",
    "STATUS_PARTIAL",
    "STATUS_RUNNING",
    "POST_NUMBERS",
    "FinishOptions",
    "ItemCounts",
    "describe_posts",
    "post_numbers",
    "close_interrupted_runs",
    "finish_run",
    "interrupted_runs",
    "recover_run",
    "seal_options",
    "settle_items",
]

logger = logging.getLogger(__name__)

# The statuses a run can be in; the CLI maps the final ones to exit codes.
STATUS_RUNNING = "running"
STATUS_COMPLETE = "complete"
STATUS_PARTIAL = "partial"
STATUS_FAILED = "failed"
STATUS_INTERRUPTED = "interrupted"
# Completed, but a guard (ARCHIVER_MAX_*, named in run.json's limit_reached) stopped the paging:
# not "complete", so a full run that stopped early decides no removal by absence.
STATUS_LIMITED = "limited"

Record = dict[str, Any]
ItemsAdjuster = Callable[[list[Record]], None]
"""Changes a batch of the run's settled items in place (called batch by batch, in order)."""

# Items handed to the adjuster at a time: the run's items are never all in memory at once.
ADJUST_BATCH = 100


@dataclass(frozen=True)
class FinishOptions:
    """The end-of-run choices, from settings (the run log) or from run.json (a recovery)."""

    mode: str
    max_missing_fraction: float = 0.5
    feed_title: str = ""
    feed_limit: int = 50
    state_enabled: bool = True
    package: bool = True
    wacz: bool = False
    """Write the WACZ at the run's end too (``ARCHIVER_WACZ_EACH_RUN``)."""
    seal: SealOptions = SealOptions()


@dataclass
class ItemCounts:
    """What the run's post numbers need of its items, counted as they stream by."""

    seen: int = 0
    unchanged: int = 0
    failed: int = 0
    """Posts whose page could not be had (``article_fetch_failed``)."""

    @classmethod
    def of(cls, items: Iterable[Record]) -> ItemCounts:
        counts = cls()
        for item in items:
            counts.add(item)
        return counts

    def add(self, item: Record) -> Record:
        self.seen += 1
        self.unchanged += item.get("change") == "unchanged"
        self.failed += "article_fetch_failed" in (item.get("flags") or [])
        return item


def settle_items(run: RunPaths, adjust: ItemsAdjuster | None = None) -> ItemCounts:
    """Write the run's final ``items.jsonl`` (one item per post, the latest); their counts.

    Reads ``items.jsonl``, then ``items.jsonl.partial`` (a resumed run appends to the partial
    file) and the workers' ``items-<worker>.jsonl.partial`` (a distributed run), so it is right
    after a normal end, a resume and a crash alike. ``adjust`` may change the items in place
    before they are written, a batch (of :data:`ADJUST_BATCH`) at a time. The items stream
    from the files to the new file (:func:`latest_per_post` reads them twice). Raises OSError
    when the file cannot be written: the partial files are then kept.
    """
    partials = [path for path in run.item_partials() if path.exists()]
    if not partials:
        return ItemCounts.of(read_jsonl(run.items_jsonl))
    counts = ItemCounts()
    with scratch_database(run.directory) as scratch:
        latest = latest_per_post(lambda: _all_items(run), scratch)
        atomic_write_jsonl(run.items_jsonl, map(counts.add, _adjusted(latest, adjust)))
    for path in partials:
        path.unlink(missing_ok=True)
    logger.info("Wrote %d items to %s", counts.seen, run.items_jsonl)
    return counts


def _adjusted(items: Iterable[Record], adjust: ItemsAdjuster | None) -> Iterator[Record]:
    """``items``, each batch passed through ``adjust`` first."""
    if adjust is None:
        yield from items
        return
    iterator = iter(items)
    while records := list(itertools.islice(iterator, ADJUST_BATCH)):
        adjust(records)
        yield from records


def finish_run(
    archive: ArchivePaths,
    run: RunPaths,
    record: Record,
    *,
    status: str,
    options: FinishOptions,
    counts: dict[str, Any] | None = None,
    adjust: ItemsAdjuster | None = None,
    state: ArchiveState | None = None,
) -> Record:
    """Finish run ``run`` (see the module docstring for the steps); returns run.json's record.

    ``record`` is run.json as the caller has it (the caller adds what only it knows: end time,
    failures); this completes and writes it. ``state`` is the crawl's open state connection;
    without one (a recovery) the archive's state database is opened for the purpose.
    """
    problems: list[str] = record.setdefault("problems", [])
    repaired = (
        repair_open_warcs(run.warc_dir, root=archive.root, quarantine=archive.quarantine_dir)
        if run.warc_dir.is_dir()
        else []
    )
    if repaired:
        logger.warning("Run %s: %d WARC file(s) repaired", run.run_id, len(repaired))
    try:
        items = settle_items(run, adjust)
    except OSError as error:
        full = disk_full_message(error, run.items_jsonl)
        if full is not None and not any(_is_disk_full(p) for p in problems):
            problems.insert(0, f"disk_full: {full}")
        logger.error("Run %s: items.jsonl could not be written: %s", run.run_id, full or error)
        problems.append(
            "items.jsonl could not be written; the items are kept in items.jsonl.partial"
        )
        status = STATUS_FAILED
        items = ItemCounts.of(read_jsonl(run.items_jsonl))
    counts = dict(counts or record.get("counts") or {})
    counts["items_in_run"] = items.seen
    changes: dict[str, int] | None = None
    archive_total: int | None = None
    # With the disk full, the steps that only write more (changes, catalogue, package, seal)
    # would each fail again: the run is failed, run.json says why, --resume redoes them.
    disk_full = any(_is_disk_full(p) for p in problems)
    try:
        if disk_full:
            raise _Skipped
        changes, archive_total = _report_changes(
            archive,
            run,
            status=status,
            counts=counts,
            options=options,
            state=state,
            limit_reached=record.get("limit_reached"),
        )
    except _Skipped:
        status = STATUS_FAILED
    except Exception as error:  # the run record must still be completed
        _log_step_failure("Finalising", run, error)
        problems.append(f"finalising failed: {error}")
        changes = None
        status = STATUS_FAILED
    posts = post_numbers(items, changes, archive_total)
    if changes is not None and run.changes_json.exists():
        add_json_member(run.changes_json, "posts", posts)
    if options.package and not any(_is_disk_full(p) for p in problems):
        _package(run, record, status, options)
    record.update(
        status=status,
        mode=options.mode,
        counts=dict(sorted(counts.items())),
        changes=changes,
        posts=posts,
        files=hash_run_files(run),
    )
    if not problems:
        del record["problems"]
    if not any(_is_disk_full(p) for p in problems):
        record["evidence"] = _seal(archive, run, record, options.seal)
    atomic_write_json(run.run_json, record)
    logger.info("Run %s: %s: %s", run.run_id, status, describe_posts(posts))
    return record


# The one vocabulary of post numbers: run.json and changes.json ("posts"), the log, the end
# of archiver crawl and archiver demo, the README.
POST_NUMBERS = (
    "seen",
    "new",
    "changed",
    "unchanged",
    "removed",
    "gone",
    "unlisted",
    "failed",
    "archive_total",
)


def post_numbers(
    items: ItemCounts, changes: dict[str, int] | None, archive_total: int | None
) -> dict[str, int | None]:
    """How many posts this run saw (its items: one per post), and what each was to the
    archive; ``failed``: posts whose page could not be had (``article_fetch_failed``);
    ``archive_total``: the posts the archive holds (``posts.jsonl`` lines)."""
    kinds = changes or {}
    return {
        "seen": items.seen,
        "new": kinds.get("new", 0),
        "changed": kinds.get("changed", 0),
        "unchanged": items.unchanged,
        "removed": kinds.get("removed", 0),
        "gone": kinds.get("gone", 0),
        "unlisted": kinds.get("unlisted", 0),
        "failed": items.failed,
        "archive_total": archive_total,
    }


def describe_posts(posts: dict[str, Any]) -> str:
    """One line of the post numbers, in the one vocabulary."""
    total = posts.get("archive_total")
    # Posts this run added to the archive: new ones, and listed ones already gone (404).
    added = (posts.get("new") or 0) + (posts.get("gone") or 0)
    already = total - added if total is not None else None
    parts = [f"{posts.get('seen', 0)} posts seen", f"{posts.get('new', 0)} new"]
    parts += [
        f"{posts[kind]} {kind}"
        for kind in ("changed", "unchanged", "removed", "gone", "unlisted", "failed")
        if posts.get(kind)
    ]
    if already is not None:
        parts.append(f"{already} already archived; the archive holds {total} posts")
    return ", ".join(parts)


def _report_changes(
    archive: ArchivePaths,
    run: RunPaths,
    *,
    status: str,
    counts: dict[str, Any],
    options: FinishOptions,
    state: ArchiveState | None,
    limit_reached: str | None = None,
) -> tuple[dict[str, int], int]:
    """Steps 3 and 4: close the run in the state; changes.json, the catalogue and the feed.
    The catalogue streams from the old posts.jsonl and the run's items.jsonl to the new
    posts.jsonl (sorted in a scratch database); the feed keeps only its newest entries."""
    removed: dict[str, str] = {}
    newest = NewestEntries(options.feed_limit)
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(scratch_database(run.directory))
        changes: Iterable[Change] = ()
        if state is None and options.state_enabled and archive.state_db.exists():
            state = stack.enter_context(ArchiveState.open(archive.state_db))
        if state is not None and options.state_enabled:
            if state.run(run.run_id) is not None:
                state.finish_run(
                    run.run_id,
                    status,
                    options.mode,
                    counts,
                    max_missing_fraction=options.max_missing_fraction,
                    report=False,
                )
                changes = state.iter_run_changes(run.run_id)
            removed = state.removed_posts()
        # limit_reached: which guard stopped the paging (the changes are not the whole site's).
        kinds = write_changes_streamed(
            run,
            changes,
            mode=options.mode,
            scratch=scratch,
            extra={"limit_reached": limit_reached} if limit_reached else None,
        )
        catalogue = merged_catalogue_rows(
            read_jsonl(archive.posts_jsonl), read_jsonl(run.items_jsonl), scratch
        )
        lines = _catalogue_lines(catalogue, removed, newest)
        total = atomic_write_lines(archive.posts_jsonl, lines)
    write_feed(archive, newest.entries(), title=options.feed_title, limit=options.feed_limit)
    return kinds, total


def _catalogue_lines(
    rows: Iterable[CatalogueRow], removed: dict[str, str], newest: NewestEntries
) -> Iterator[str]:
    """posts.jsonl's lines: each post's record with its ``removed_at`` (from the state), as
    archiver.archive.reports.with_removed_at sets it, offered to the feed's ``newest`` on
    the way. A record is decoded only when the feed keeps it."""
    for row in rows:
        removed_at = removed.get(row.key)
        record = functools.partial(_record_removed_at, row, removed_at)
        newest.offer(json.loads(row.summary), record)
        yield row.line_with_removed_at(removed_at)


def _record_removed_at(row: CatalogueRow, removed_at: str | None) -> Record:
    record = row.record()
    record["removed_at"] = removed_at
    return record


def _log_step_failure(step: str, run: RunPaths, error: BaseException) -> None:
    """One line when the disk is full (the cause is already said: no traceback flood); the
    traceback otherwise, since it is a bug to look at."""
    full = disk_full_message(error, getattr(error, "filename", None) or run.directory)
    if full is not None:
        logger.error("%s run %s failed: %s", step, run.run_id, full)
    else:
        logger.exception("%s run %s failed", step, run.run_id)


class _Skipped(Exception):
    """A step left out because an earlier one found the disk full."""


def _is_disk_full(problem: str) -> bool:
    return problem.startswith("disk_full") or "No space left" in problem


def _package(run: RunPaths, record: Record, status: str, options: FinishOptions) -> None:
    try:
        signer = package_signer(options.seal) if options.wacz else None
        title = run_title(run, {**record, "status": status})
        package_run(run, title=title, wacz=options.wacz, signer=signer)
    except Exception as error:  # packaging must never lose the run record
        _log_step_failure("Packaging", run, error)
        record.setdefault("problems", []).append(f"packaging failed: {error}")


def _seal(archive: ArchivePaths, run: RunPaths, record: Record, options: SealOptions) -> Record:
    """Step 7: the manifest; a run that cannot be sealed says so in its evidence part."""
    earlier = [run_id for run_id in archive.run_ids() if run_id < run.run_id]
    previous = archive.run(earlier[-1]).directory if earlier else None
    try:
        return seal_run(
            run.directory,
            record,
            record.get("files") or {},
            previous_run_dir=previous,
            keys_dir=archive.root / KEYS_DIR,
            options=options,
        )
    except Exception as error:  # the run record must still be written
        _log_step_failure("Sealing", run, error)
        return {"manifest": None, "signed": False, "problems": [f"sealing failed: {error}"]}


# -- runs a crash left behind -----------------------------------------------------------------


def interrupted_runs(archive: ArchivePaths) -> list[RunPaths]:
    """Runs whose run.json still says ``running``, oldest first."""
    found = []
    for run_id in archive.run_ids():
        run = archive.run(run_id)
        if not archive.contains(run.directory):
            # A symlink to a directory elsewhere: never rename or rewrite what is out there.
            logger.error("Run %s leads out of the archive (a symlink): left alone", run_id)
            continue
        if run.run_json.exists() and read_json(run.run_json).get("status") == STATUS_RUNNING:
            found.append(run)
    return found


def close_interrupted_runs(archive: ArchivePaths, *, keep: str | None = None) -> list[str]:
    """Recover every interrupted run but ``keep`` (the run being resumed); their ids.

    A cron job usually just starts the next run after a crash; the next incremental run would
    then skip the posts the killed run captured (the state knows them) while they never reached
    ``posts.jsonl``. So the next run recovers them first. The caller must hold the lock.
    """
    closed = []
    for run in interrupted_runs(archive):
        if run.run_id == keep:
            continue
        try:
            recover_run(archive, run)
        except OSError as error:  # e.g. a full disk: the run stays 'running', verify says so
            logger.error("Could not close interrupted run %s: %s", run.run_id, error)
            continue
        closed.append(run.run_id)
    return closed


def recover_run(archive: ArchivePaths, run: RunPaths) -> Record:
    """Finish an interrupted run as ``interrupted``, keeping all it captured; its run.json."""
    record: Record = read_json(run.run_json)
    settings = record.get("settings") or {}
    repaired = (
        repair_open_warcs(run.warc_dir, root=archive.root, quarantine=archive.quarantine_dir)
        if run.warc_dir.is_dir()
        else []
    )
    with scratch_database(run.directory) as scratch:
        kept = count_posts(_all_items(run), scratch)
    record.update(finished_at=None, closed_at=datetime.now(UTC).replace(microsecond=0).isoformat())
    record.setdefault("problems", []).append(
        f"interrupted (the crawl process ended without finishing); closed before the next "
        f"run: {kept} items kept, {len(repaired)} WARC file(s) repaired"
    )
    options = FinishOptions(
        mode=parse_mode(settings.get("ARCHIVER_MODE")),
        max_missing_fraction=float(settings.get("ARCHIVER_REMOVAL_MAX_MISSING_FRACTION", 0.5)),
        feed_title=str(settings.get("ARCHIVER_FEED_TITLE") or "")
        or f"New posts of {record.get('source')} (archiver)",
        feed_limit=int(settings.get("ARCHIVER_FEED_LIMIT", 50)),
        state_enabled=_truthy(settings.get("ARCHIVER_STATE_ENABLED", True)),
        package=_truthy(settings.get("ARCHIVER_PACKAGE_ENABLED", True)),
        wacz=wacz_each_run(settings),
        seal=seal_options(settings),
    )
    finished = finish_run(archive, run, record, status=STATUS_INTERRUPTED, options=options)
    logger.warning("Closed interrupted run %s: %d items kept", run.run_id, kept)
    return finished


def seal_options(settings: Record) -> SealOptions:
    """How to seal a run, from its settings (``ARCHIVER_SIGNING_KEY``, ``ARCHIVER_TSA_URL``)."""
    key = str(settings.get("ARCHIVER_SIGNING_KEY") or "").strip()
    return SealOptions(
        signing_key=Path(key).expanduser() if key else None,
        tsa_url=str(settings.get("ARCHIVER_TSA_URL") or "").strip(),
    )


def _all_items(run: RunPaths) -> Iterator[Record]:
    """items.jsonl, then every partial file (a distributed run's workers' too), streamed."""
    yield from read_jsonl(run.items_jsonl)
    for path in run.item_partials():
        yield from read_jsonl(path)


def _truthy(value: object) -> bool:
    return str(value).strip().lower() not in ("false", "0", "no", "off", "")
