"""Where every file of an archive lives: the one map that all writers and readers share.

The layout is a public contract (cron scripts and researchers rely on it)::

    OUTPUT/posts.jsonl                    every post this archive knows, latest version
    OUTPUT/state.sqlite                   what earlier runs saw (cron mode)
    OUTPUT/feed.atom                      newest new posts, for feed readers
    OUTPUT/runs/<run-id>/run.json         what ran: times, arguments, versions, counts, hashes
    OUTPUT/runs/<run-id>/items.jsonl      this run's items, one post a line
                                          (a distributed run's workers append to
                                          items-<worker>.jsonl.partial until it ends)
    OUTPUT/runs/<run-id>/changes.json     new / changed / removed posts in this run
    OUTPUT/runs/<run-id>/crawl-log.jsonl  every fetch attempt: time, URL, status or error, record
    OUTPUT/runs/<run-id>/warc/*.warc.gz   every HTTP exchange of the run
    OUTPUT/runs/<run-id>/indexes/index.cdxj
    OUTPUT/runs/<run-id>/archive.wacz     made on demand (archiver package), or as the run ends

Each run directory is self-contained, so runs can be copied, verified or signed one by one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RUN_ID_FORMAT = "%Y%m%dT%H%M%SZ"
_RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")


def new_run_id(now: datetime | None = None) -> str:
    """A run id for a run starting at ``now`` (UTC), like ``20261123T203000Z``."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(UTC).strftime(RUN_ID_FORMAT)


def is_run_id(name: str) -> bool:
    """True when ``name`` looks like a run id (so stray folders in runs/ are ignored)."""
    return bool(_RUN_ID_PATTERN.match(name))


_WORKER_PATTERN = re.compile(r"^[A-Za-z0-9_.]{1,64}$")


def _worker_name(worker: str) -> str:
    """A worker id names files: letters, digits, ``_`` and ``.`` only (no path, no dash)."""
    if not _WORKER_PATTERN.match(worker):
        raise ValueError(f"not a worker id: {worker!r} (letters, digits, _ and . only)")
    return worker


@dataclass(frozen=True)
class RunPaths:
    """Paths of one run's files; all inside ``directory``."""

    directory: Path

    @property
    def run_id(self) -> str:
        return self.directory.name

    @property
    def run_json(self) -> Path:
        return self.directory / "run.json"

    @property
    def items_jsonl(self) -> Path:
        return self.directory / "items.jsonl"

    @property
    def items_partial(self) -> Path:
        """Items appended as they are scraped; renamed to items.jsonl when the run ends."""
        return self.directory / "items.jsonl.partial"

    def worker_items_partial(self, worker: str) -> Path:
        """Items of worker ``worker`` of a distributed run (``--redis``): each worker appends to
        its own file; the run's end settles them all into items.jsonl."""
        return self.directory / f"items-{_worker_name(worker)}.jsonl.partial"

    def item_partials(self) -> list[Path]:
        """Every partial items file of the run: ``items.jsonl.partial`` first, then the
        workers' (``items-<worker>.jsonl.partial``), by name."""
        workers = sorted(self.directory.glob("items-*.jsonl.partial"))
        return [self.items_partial, *workers]

    def worker_crawl_log(self, worker: str) -> Path:
        """The crawl log of worker ``worker`` of a distributed run (one file per process)."""
        return self.directory / f"crawl-log-{_worker_name(worker)}.jsonl"

    @property
    def crawl_log(self) -> Path:
        """One JSON line per fetch attempt, failures included (what no WARC record shows)."""
        return self.directory / "crawl-log.jsonl"

    @property
    def changes_json(self) -> Path:
        return self.directory / "changes.json"

    @property
    def warc_dir(self) -> Path:
        return self.directory / "warc"

    @property
    def indexes_dir(self) -> Path:
        return self.directory / "indexes"

    @property
    def cdxj(self) -> Path:
        return self.indexes_dir / "index.cdxj"

    @property
    def wacz(self) -> Path:
        return self.directory / "archive.wacz"


@dataclass(frozen=True)
class ArchivePaths:
    """Paths of an archive (the OUTPUT directory) shared by all its runs."""

    root: Path

    @property
    def posts_jsonl(self) -> Path:
        return self.root / "posts.jsonl"

    @property
    def state_db(self) -> Path:
        return self.root / "state.sqlite"

    @property
    def feed_atom(self) -> Path:
        return self.root / "feed.atom"

    @property
    def lock_file(self) -> Path:
        return self.root / ".archiver.lock"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def quarantine_dir(self) -> Path:
        """Where files a repair could not keep go (with a note), never deleted."""
        return self.root / "quarantine"

    def contains(self, path: Path) -> bool:
        """Whether ``path``, symlinks resolved, is inside the archive root (recovery and
        repair never follow a symlink out of the archive)."""
        try:
            return Path(path).resolve().is_relative_to(self.root.resolve())
        except (OSError, RuntimeError):  # a symlink loop, an unreadable path
            return False

    def run(self, run_id: str) -> RunPaths:
        """The paths of run ``run_id``; a run id is never a path (``../x`` is refused)."""
        if not is_run_id(run_id):
            raise ValueError(f"not a run id: {run_id!r} (expected like 20261123T203000Z)")
        return RunPaths(self.runs_dir / run_id)

    def unused_run_id(self, run_id: str) -> str:
        """``run_id``, or ``run_id-1``, ``-2``... when a run of that second exists already (two
        runs started within one second, e.g. a cron run right after a crash)."""
        candidate, serial = run_id, 0
        while (self.runs_dir / candidate).exists():
            serial += 1
            candidate = f"{run_id}-{serial}"
        return candidate

    def run_ids(self) -> list[str]:
        """Ids of the runs present, oldest first."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(p.name for p in self.runs_dir.iterdir() if p.is_dir() and is_run_id(p.name))
