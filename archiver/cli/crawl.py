"""``archiver crawl``: run the news spider with archiver's settings and report how it ended.

``-s NAME=VALUE`` sets any Scrapy or ARCHIVER_ setting as in ``scrapy crawl``; the options are
shorthands for the settings named in their help. The exit code comes from the run's run.json
(see archiver.cli for the codes).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import BaseSettings, Settings

from archiver.archive.catalogue import merge_catalogue
from archiver.archive.layout import ArchivePaths, RunPaths, new_run_id
from archiver.archive.lifecycle import (
    STATUS_COMPLETE,
    STATUS_INTERRUPTED,
    STATUS_LIMITED,
    STATUS_PARTIAL,
    STATUS_RUNNING,
    close_interrupted_runs,
    describe_posts,
)
from archiver.archive.lock import ArchiveLock, ArchiveLocked
from archiver.cli import collector, exit_codes
from archiver.cli.settings_check import check_setting
from archiver.cli.verbosity import add_verbosity_arguments, apply_verbosity
from archiver.files import json_line, read_json, read_jsonl
from archiver.sources import get_profile, load_sources
from archiver.spiders.news import NewsSpider
from archiver.state import ArchiveState, parse_mode


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "crawl", help="crawl a news listing into an archive", epilog=exit_codes.epilog()
    )
    add_crawl_arguments(parser)
    parser.set_defaults(func=run)


def add_crawl_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--start-url",
        action="append",
        default=[],
        metavar="URL",
        help="listing URL to start from (repeatable; default: the source profile's)",
    )
    parser.add_argument(
        "--output", default=None, metavar="DIR", help="archive directory (default ./output)"
    )
    parser.add_argument(
        "--source",
        default=None,
        metavar="NAME",
        help="source profile of the sources file: start URLs, timezone, date languages "
        "(default iuhrdf); the archive is OUTPUT as given (ARCHIVER_SOURCE)",
    )
    parser.add_argument(
        "--sources",
        default=None,
        metavar="FILE",
        help="sources file (TOML; default: the bundled one; ARCHIVER_SOURCES_FILE)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="crawl every source of the sources file in turn, each into its own archive "
        "OUTPUT/<source>/; exits with the worst run's code",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="walk every listing page and re-check every known post (changed/removed posts); "
        "default: incremental, only what is new (ARCHIVER_MODE)",
    )
    parser.add_argument(
        "--resume",
        nargs="?",
        const="latest",
        default=None,
        metavar="RUN_ID",
        help="continue an interrupted run (default: the latest run, if it did not finish) "
        "instead of starting a new one; posts it captured are not fetched again",
    )
    parser.add_argument(
        "--print-new",
        action="store_true",
        help="write this run's new posts to stdout as JSON lines (for a pipe)",
    )
    parser.add_argument(
        "--redact-header",
        action="append",
        default=[],
        metavar="NAME",
        help="write this header's value as [redacted] in WARC records (repeatable; e.g. "
        "Authorization, Cookie): for crawls with credentials (ARCHIVER_WARC_REDACT_HEADERS)",
    )
    add_verbosity_arguments(parser)
    parser.add_argument(
        "--redis",
        default=None,
        metavar="URL",
        help="a distributed crawl: run this command several times (machines or processes) "
        "with the same --output and Redis URL; they share one queue and one run "
        "(needs the scale extra; ARCHIVER_REDIS_URL)",
    )
    add_settings_argument(parser)


def add_settings_argument(parser: argparse.ArgumentParser) -> None:
    """``-s NAME=VALUE``, repeatable, as in ``scrapy crawl``."""
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="settings",
        help="set a Scrapy/archiver setting (repeatable), as in scrapy crawl -s",
    )


def settings_from_args(
    args: argparse.Namespace, *, defaults: dict[str, Any] | None = None
) -> Settings:
    """Project settings, then ``defaults`` (e.g. loopback speed), then the user's choices."""
    settings = Settings()
    settings.setmodule("archiver.settings", priority="project")
    for name, value in (defaults or {}).items():
        settings.set(name, value, priority="project")
    for url in args.start_url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--start-url must be an http(s) URL, got {url!r}")
    if args.start_url:
        settings.set("ARCHIVER_START_URLS", list(args.start_url), priority="cmdline")
    if args.output:
        settings.set("ARCHIVER_OUTPUT_DIR", args.output, priority="cmdline")
    if args.source:
        settings.set("ARCHIVER_SOURCE", args.source, priority="cmdline")
    if getattr(args, "sources", None):
        settings.set("ARCHIVER_SOURCES_FILE", args.sources, priority="cmdline")
    if getattr(args, "full", False):
        settings.set("ARCHIVER_MODE", "full", priority="cmdline")
    if getattr(args, "redact_header", None):
        settings.set("ARCHIVER_WARC_REDACT_HEADERS", list(args.redact_header), priority="cmdline")
    for pair in args.settings:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"-s expects NAME=VALUE, got {pair!r}")
        check_setting(name.strip(), value)
        settings.set(name.strip(), value, priority="cmdline")
    apply_verbosity(settings, getattr(args, "verbosity", None))
    settings.set("ARCHIVER_ARGUMENTS", list(sys.argv), priority="cmdline")
    # `-s ARCHIVER_REDIS_URL=URL` is `--redis URL`: a run is distributed whole or not at all.
    redis_url = getattr(args, "redis", None) or str(settings.get("ARCHIVER_REDIS_URL") or "")
    if redis_url:
        refuse_undistributed_modes(args, settings)
    if getattr(args, "resume", None):
        _continue_run(settings, args)
    # A bad sources file or an unknown source: one line naming the file, source and field.
    get_profile(settings.get("ARCHIVER_SOURCE"), settings.get("ARCHIVER_SOURCES_FILE"))
    if not settings.get("ARCHIVER_RUN_ID"):
        settings.set("ARCHIVER_RUN_ID", new_run_id(), priority="cmdline")
    if redis_url:
        # Imported only here: scrapy-redis and redis (the scale extra) load for --redis alone.
        from archiver.extensions.distributed import join_distributed_run

        join_distributed_run(settings, redis_url)
    # A run id names a directory: refuse one that is a path (../../x) before anything runs.
    ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR"))).run(settings.get("ARCHIVER_RUN_ID"))
    leave_out_extensions_off(settings)
    return settings


# Scrapy extensions whose setting archiver keeps off (archiver/settings.py), by that setting.
EXTENSIONS_OFF_BY = {
    "TELNETCONSOLE_ENABLED": "scrapy.extensions.telnet.TelnetConsole",
    "REMOTE_CONTROL_ENABLED": "scrapy.extensions.remote_control.RemoteControl",
}


def leave_out_extensions_off(settings: Settings) -> None:
    """Take the extensions of :data:`EXTENSIONS_OFF_BY` whose setting is off out of Scrapy's
    ``EXTENSIONS_BASE``. Scrapy imports every extension named there (even one set to None in
    ``EXTENSIONS``) before it asks it whether it is on, and the remote control's module
    imports aiohttp: ~80 ms at every crawl's start for an extension that then does nothing.
    Switched on (``-s REMOTE_CONTROL_ENABLED=True``), it is kept."""
    base = settings["EXTENSIONS_BASE"]
    if not isinstance(base, BaseSettings):
        return
    for name, path in EXTENSIONS_OFF_BY.items():
        if not settings.getbool(name) and path in base:
            base.delete(path, priority="cmdline")


def refuse_undistributed_modes(args: argparse.Namespace, settings: Settings) -> None:
    """What a distributed run (``--redis``) cannot do, refused before anything runs (exit 2):
    ``--resume`` (an interrupted run's queue and duplicate filter are in Redis, not in the
    archive: a resumed worker would start the walk again as a new worker of a finished run) and
    ``--full`` (its removal check fetches the known posts that no listing showed once every
    listing is walked; no worker knows when the others' listings are, so a distributed run
    would leave live unlisted posts to the absence rules and report them removed)."""
    if getattr(args, "resume", None) or settings.getbool("ARCHIVER_RESUME"):
        raise ValueError(
            "--redis cannot --resume: a distributed run's queue is in Redis, not in the "
            "archive; start a new distributed run (posts already archived are not fetched "
            "again by an incremental run)"
        )
    if getattr(args, "full", False) or parse_mode(settings.get("ARCHIVER_MODE")) == "full":
        raise ValueError(
            "--redis cannot --full: a distributed run cannot prove removals (it does not fetch "
            "the known posts no listing showed); run --full without --redis"
        )


RESUMABLE_STATUSES = ("running", "failed", "interrupted")


def interrupted_run(archive: ArchivePaths, wanted: str) -> RunPaths:
    """The run ``--resume`` continues: ``wanted`` (a run id) or the latest run (``latest``).

    Only a run that did not finish (run.json says running, or failed) can be continued.
    """
    run_ids = archive.run_ids()
    if wanted == "latest":
        if not run_ids:
            raise ValueError(f"no run to resume in {archive.root}")
        wanted = run_ids[-1]
    run = archive.run(wanted)
    if not run.directory.is_dir():
        raise ValueError(f"no run {wanted} in {archive.root}")
    if run.run_json.exists():
        status = read_json(run.run_json).get("status")
        if status not in RESUMABLE_STATUSES:
            raise ValueError(f"run {wanted} is {status}: nothing to resume")
    return run


def _continue_run(settings: Settings, args: argparse.Namespace) -> None:
    """Point the settings at the interrupted run: same id, start URLs, source and mode."""
    archive = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR")))
    run = interrupted_run(archive, args.resume)
    settings.set("ARCHIVER_RUN_ID", run.run_id, priority="cmdline")
    settings.set("ARCHIVER_RESUME", True, priority="cmdline")
    record = read_json(run.run_json) if run.run_json.exists() else {}
    recorded = record.get("settings", {})
    if not args.start_url and record.get("start_urls"):
        settings.set("ARCHIVER_START_URLS", record["start_urls"], priority="cmdline")
    if not args.source and record.get("source"):
        settings.set("ARCHIVER_SOURCE", record["source"], priority="cmdline")
    if not getattr(args, "full", False) and recorded.get("ARCHIVER_MODE"):
        settings.set("ARCHIVER_MODE", recorded["ARCHIVER_MODE"], priority="cmdline")


class _WithoutTraceback(logging.Filter):
    """Scrapy's robots.txt middleware logs a failed robots.txt download with its traceback
    (an unreachable site: connection refused); the message already says what happened."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


_ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"
if not any(isinstance(f, _WithoutTraceback) for f in logging.getLogger(_ROBOTS_LOGGER).filters):
    logging.getLogger(_ROBOTS_LOGGER).addFilter(_WithoutTraceback())


def _is_fresh(root: Path) -> bool:
    """No archive here yet (missing or empty directory)."""
    return not root.exists() or (root.is_dir() and not any(root.iterdir()))


def _fetched_nothing(record: dict[str, Any]) -> bool:
    return record.get("status") == "failed" and not (record.get("counts") or {}).get(
        "archiver/listing_pages"
    )


def _remove_skeleton(root: Path, existed: bool) -> None:
    """Remove what a first run that fetched nothing made: no archive of nothing is left."""
    if not existed:
        shutil.rmtree(root, ignore_errors=True)
        return
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def crawl(settings: Settings) -> dict[str, Any]:
    """Run one crawl in this process, holding the archive's lock; return its run.json (or a
    failure record saying why it could not run).

    A first run into a new (missing or empty) directory that could fetch no listing page at
    all (an unreachable site) leaves no archive skeleton behind: its record is returned with
    ``"kept": False`` and the directory is left as it was.
    """

    archive = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR")))
    existed = archive.root.exists()
    fresh = _is_fresh(archive.root)
    run = archive.run(settings.get("ARCHIVER_RUN_ID"))
    if settings.get("ARCHIVER_REDIS_URL"):
        return _crawl_as_worker(settings, archive, run)
    lock = ArchiveLock(
        archive.lock_file,
        run_id=run.run_id,
        wait=settings.getfloat("ARCHIVER_LOCK_WAIT"),
    )
    try:
        lock.acquire()
    except ArchiveLocked as error:
        return {"status": "failed", "run_id": run.run_id, "error": str(error), "ran": False}
    except OSError as error:
        return {
            "status": "failed",
            "run_id": run.run_id,
            "ran": False,
            "error": f"cannot use the output directory {archive.root}: {error}",
        }
    settings.set("ARCHIVER_LOCK_HELD", True, priority="cmdline")
    try:
        if not settings.getbool("ARCHIVER_RESUME"):
            # Under the lock, so no other run can take the same id meanwhile.
            run = archive.run(archive.unused_run_id(run.run_id))
            settings.set("ARCHIVER_RUN_ID", run.run_id, priority="cmdline")
        keep = run.run_id if settings.getbool("ARCHIVER_RESUME") else None
        for closed in close_interrupted_runs(archive, keep=keep):
            print(
                f"archiver: closed interrupted run {closed} (its items are kept)", file=sys.stderr
            )
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(NewsSpider)
        # The components are made and the spider open: what they hold lives to the end.
        crawler.signals.connect(collector.start_up_done, signal=signals.engine_started)
        process.crawl(crawler)
        process.start()
    finally:
        lock.release()
    if not run.run_json.exists():
        return {"status": "failed", "run_id": run.run_id, "error": "the crawl did not start"}
    record: dict[str, Any] = read_json(run.run_json)
    full = crawler.stats.get_value("archiver/disk_full") if crawler.stats else None
    if full and record.get("status") == "running":  # run.json itself could not be completed
        record.update(status="failed", failure="disk_full", error=f"disk_full: {full}")
    # Only a run that received no answer at all (not even robots.txt) left nothing worth
    # keeping; anything answered is evidence, and a disk that filled up is not "nothing".
    answered = crawler.stats.get_value("downloader/response_count", 0) if crawler.stats else 1
    if fresh and not full and not answered and _fetched_nothing(record):
        _remove_skeleton(archive.root, existed)
        record["kept"] = False
    return record


def _crawl_as_worker(settings: Settings, archive: ArchivePaths, run: RunPaths) -> dict[str, Any]:
    """One worker of a distributed run (``--redis``): the run id as joined; the last worker
    finishes the run. The archive's lock is held only while the worker gets ready (the state
    database created or migrated, runs a crash left closed: one worker at a time), not for the
    crawl: the workers are one run, kept together by Redis."""
    wait = max(30.0, settings.getfloat("ARCHIVER_LOCK_WAIT"))
    try:
        archive.root.mkdir(parents=True, exist_ok=True)
        with ArchiveLock(archive.lock_file, run_id=run.run_id, wait=wait):
            if settings.getbool("ARCHIVER_STATE_ENABLED", True):
                ArchiveState.open(archive.state_db).close()
            for closed in close_interrupted_runs(archive, keep=run.run_id):
                print(f"archiver: closed interrupted run {closed} (its items are kept)",
                      file=sys.stderr)  # fmt: skip
    except (ArchiveLocked, OSError) as error:
        return {"status": "failed", "run_id": run.run_id, "error": str(error), "ran": False}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    crawler.signals.connect(collector.start_up_done, signal=signals.engine_started)
    process.crawl(crawler)
    process.start()
    if not run.run_json.exists():
        return {"status": "failed", "run_id": run.run_id, "error": "the crawl did not start"}
    record: dict[str, Any] = read_json(run.run_json)
    return record


def exit_code_for(record: dict[str, Any]) -> int:
    status = record.get("status")
    if status == STATUS_COMPLETE:
        return exit_codes.OK
    if status == STATUS_PARTIAL:
        return exit_codes.PARTIAL
    if status == STATUS_LIMITED:
        return exit_codes.LIMITED
    return exit_codes.FAILED


def summary_block(record: dict[str, Any], output_dir: str) -> list[str]:
    """The end-of-run summary (archiver crawl and archiver demo): the run's post numbers, in
    the one vocabulary of run.json's ``posts`` (archiver.archive.lifecycle.POST_NUMBERS)."""
    posts = record.get("posts") or {}
    run_dir = Path(output_dir) / "runs" / str(record.get("run_id"))
    archive = ArchivePaths(Path(output_dir))
    total = posts.get("archive_total")
    lines = [
        f"Run {record.get('run_id')}: {record.get('status')} ({record.get('mode', '?')})",
        f"  posts seen:       {posts.get('seen', 0)}",
        f"  new:              {posts.get('new', 0)}",
        f"  changed:          {posts.get('changed', 0)}",
        f"  unchanged:        {posts.get('unchanged', 0)}",
        f"  removed:          {posts.get('removed', 0)} (gone {posts.get('gone', 0)}, "
        f"unlisted {posts.get('unlisted', 0)})",
        f"  failed:           {posts.get('failed', 0)} "
        f"(pages failed for good: {(record.get('counts') or {}).get('failed_pages', 0)})",
    ]
    if total is not None:
        lines.append(f"  archive total:    {total} posts ({archive.posts_jsonl})")
    lines.append(f"  run directory:    {run_dir}")
    return lines


def describe_end(record: dict[str, Any], output_dir: str) -> str:
    """One line for the terminal (and cron mail) saying how the run ended."""
    status = record.get("status")
    counts = record.get("counts", {})
    posts = describe_posts(record.get("posts") or {"seen": counts.get("items_in_run", 0)})
    run_dir = Path(output_dir) / "runs" / str(record.get("run_id"))
    if record.get("ran") is False:
        return f"archiver: could not run: {record.get('error')}"
    if status == STATUS_COMPLETE:
        return f"archiver: run complete: {posts}; see {run_dir}"
    if status == STATUS_LIMITED:
        return f"archiver: run LIMITED by {record.get('limit_reached')}: {posts}; see {run_dir}"
    if status == STATUS_PARTIAL:
        return (
            f"archiver: run PARTIAL: {counts.get('failed_pages', 0)} pages failed for good "
            f"(see {run_dir / 'run.json'}); {posts}"
        )
    if status == STATUS_INTERRUPTED:
        return (
            f"archiver: run interrupted: {posts}; kept in {run_dir}; "
            "archiver crawl --resume continues it"
        )
    problems = list(record.get("problems") or [])
    listing_errors = [
        f"{f['url']}: {f['error']}" for f in record.get("failures") or [] if f["kind"] == "listing"
    ]
    if "no listing page could be fetched" in problems and listing_errors:
        problems.remove("no listing page could be fetched")
        problems.insert(0, "no listing page could be fetched: " + "; ".join(listing_errors[:3]))
    reason = record.get("error") or "; ".join(problems) or record.get("finish_reason") or "unknown"
    if record.get("kept") is False:
        return f"archiver: run FAILED ({reason}); nothing was archived, {output_dir} left as it was"
    return f"archiver: run FAILED ({reason}); see {run_dir}"


def run(args: argparse.Namespace) -> int:
    if getattr(args, "all", False):
        return run_all(args)
    try:
        settings = settings_from_args(args)
    except ValueError as error:
        print(f"archiver crawl: error: {error}", file=sys.stderr)
        return exit_codes.USAGE
    record = crawl(settings)
    output_dir = settings.get("ARCHIVER_OUTPUT_DIR")
    if record.get("status") == STATUS_RUNNING and settings.get("ARCHIVER_REDIS_URL"):
        worker, run_id = settings.get("ARCHIVER_WORKER_ID"), record.get("run_id")
        print(f"archiver: worker {worker} done; the last worker finishes run {run_id}",
              file=sys.stderr)  # fmt: skip
        return exit_codes.OK
    if args.print_new and record.get("ran") is not False:
        print_new_posts(ArchivePaths(Path(output_dir)).run(str(record.get("run_id"))))
    quiet = getattr(args, "verbosity", None) == "quiet"
    if not quiet and record.get("ran") is not False and record.get("kept") is not False:
        print("\n".join(summary_block(record, output_dir)), file=sys.stderr)
    print(describe_end(record, output_dir), file=sys.stderr)
    return exit_code_for(record)


def print_new_posts(run: RunPaths) -> None:
    """This run's new posts, as JSON lines on stdout, newest first."""
    if not run.changes_json.exists():
        return
    new_urls = {(e.get("source"), e["url"]) for e in read_json(run.changes_json).get("new", [])}
    items = [i for i in read_jsonl(run.items_jsonl) if (i.get("source"), i["url"]) in new_urls]
    for item in merge_catalogue([], items):
        sys.stdout.write(json_line(item))
    sys.stdout.flush()


# Exit codes of the runs of `--all`, worst first: the command exits with the worst one's.
_SEVERITY = (exit_codes.USAGE, exit_codes.FAILED, exit_codes.PARTIAL, exit_codes.LIMITED)


def run_all(args: argparse.Namespace) -> int:
    """``--all``: each source of the sources file in turn, each into OUTPUT/<source>/ (its own
    archive, the usual layout), each in its own process (a Twisted reactor runs once)."""
    for flag, given in (("--source", args.source), ("--start-url", args.start_url),
                        ("--resume", args.resume)):  # fmt: skip
        if given:
            print(f"archiver crawl: error: --all crawls every source; {flag} is for one",
                  file=sys.stderr)  # fmt: skip
            return exit_codes.USAGE
    try:
        profiles = load_sources(args.sources)
    except ValueError as error:
        print(f"archiver crawl: error: {error}", file=sys.stderr)
        return exit_codes.USAGE
    output = Path(args.output or "output")
    forwarded: list[str] = []
    if args.sources:
        forwarded += ["--sources", str(Path(args.sources).resolve())]
    if args.full:
        forwarded.append("--full")
    if args.print_new:
        forwarded.append("--print-new")
    for name in args.redact_header:
        forwarded += ["--redact-header", name]
    if getattr(args, "redis", None):
        forwarded += ["--redis", args.redis]
    for pair in args.settings:
        forwarded += ["-s", pair]
    codes: list[int] = []
    for name, profile in sorted(profiles.items()):
        if not profile.start_urls:
            print(f"archiver: source {name} has no start URLs: skipped", file=sys.stderr)
            continue
        print(f"archiver: crawling source {name} into {output / name}", file=sys.stderr)
        command = [sys.executable, "-m", "archiver", "crawl", "--source", name,
                   "--output", str(output / name), *forwarded]  # fmt: skip
        codes.append(subprocess.run(command, check=False).returncode)
    if not codes:
        print("archiver crawl: error: no source with start URLs to crawl", file=sys.stderr)
        return exit_codes.USAGE
    worst = [code for code in _SEVERITY if code in codes]
    if worst:
        return worst[0]
    return max(codes)
