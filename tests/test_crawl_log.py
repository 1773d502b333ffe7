"""Every fetch attempt is on record, failures included: runs/<run-id>/crawl-log.jsonl."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from helpers import LOOPBACK_ARGS, run_archiver
from warcio.archiveiterator import ArchiveIterator

from archiver.archive.layout import ArchivePaths
from archiver.files import read_json, read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


def test_crawl_log_has_every_attempt_failures_and_record_ids(tmp_path: Path) -> None:
    output = tmp_path / "archive"
    unreachable = f"http://127.0.0.1:{_closed_port()}/topic/news"
    site = ReplicaSite(ReplicaOptions(posts=12, seed=4, fault_rate=0.3, fault_kinds=("drop",)))
    with ReplicaServer(site) as server:
        completed = run_archiver(
            "crawl", "--start-url", server.listing_url, "--start-url", unreachable,
            "--output", str(output), *LOOPBACK_ARGS, "-s", "RETRY_TIMES=2", timeout=180,
        )  # fmt: skip
    assert completed.returncode in (0, 3), completed.stderr[-3000:]
    [run_id] = ArchivePaths(output).run_ids()
    run = ArchivePaths(output).run(run_id)
    lines = list(read_jsonl(run.crawl_log))
    assert lines and all(set(line) >= {"time", "url", "status", "error", "warc_record_id"}
                         for line in lines)  # fmt: skip
    refused = [line for line in lines if line["url"] == unreachable]
    assert len(refused) == 3  # the first try and two retries
    assert all(line["status"] is None and "Refused" in line["error"] for line in refused)
    dropped = [line for line in lines if line["error"] and line["url"] != unreachable]
    assert dropped, "the replica dropped connections: each attempt must be on record"
    answered = [line for line in lines if line["status"] is not None]
    assert all(line["warc_record_id"] for line in answered)
    record_ids = set()
    for warc in run.warc_dir.glob("*.warc.gz"):
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    record_ids.add(record.rec_headers.get_header("WARC-Record-ID"))
    assert record_ids == {line["warc_record_id"] for line in answered}
    assert "crawl-log.jsonl" in read_json(run.run_json)["files"]
    json.dumps(lines)  # plain JSON all through
