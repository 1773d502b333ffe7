"""Search over every capture of an archive: the state database's search tables
(archiver.state.search), kept in step with the runs' ``items.jsonl`` files."""

from __future__ import annotations

import logging
from pathlib import Path

from archiver.archive.layout import ArchivePaths
from archiver.archive.lifecycle import STATUS_RUNNING
from archiver.files import read_json, read_jsonl_skipping_corrupt, sha256_file
from archiver.state.search import SearchHit, SearchIndex

logger = logging.getLogger(__name__)


def sync_search_index(root: Path) -> int:
    """Index every finished run whose items file is not indexed as it is now; how many runs
    were (re)indexed. Opens (creating or migrating) ``state.sqlite``."""
    archive = ArchivePaths(root)
    synced = 0
    with SearchIndex.open(archive.state_db) as index:
        for run_id in archive.run_ids():
            run = archive.run(run_id)
            if not run.items_jsonl.exists() or _status(run.run_json) == STATUS_RUNNING:
                continue
            digest = sha256_file(run.items_jsonl)
            if index.indexed_digest(run_id) == digest:
                continue
            count = index.index_run(run_id, read_jsonl_skipping_corrupt(run.items_jsonl), digest)
            logger.info("Search index: run %s, %d captures", run_id, count)
            synced += 1
    return synced


def search_archive(root: Path, query: str, *, limit: int = 100) -> list[SearchHit]:
    """Captures of the archive at ``root`` holding every word of ``query`` (index synced
    first)."""
    sync_search_index(root)
    with SearchIndex.open(ArchivePaths(root).state_db) as index:
        return index.search(query, limit=limit)


def _status(run_json: Path) -> str | None:
    if not run_json.exists():
        return None
    try:
        record = read_json(run_json)
    except ValueError:
        return None
    return str(record.get("status")) if isinstance(record, dict) else None
