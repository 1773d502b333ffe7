"""A server that honours ``Accept-Encoding: br`` is archived completely, whichever ``brotli``
module the crawler imports.

This venv, like any install that pulls in brotlipy, may import a ``brotli`` module without the
API Scrapy calls (``Decompressor.process``): the crawler must then not offer ``br`` at all. With
the real Brotli package first on the path, ``br`` is offered, decoded, and capped by
DOWNLOAD_MAXSIZE like gzip (a page that inflates past it fails with a size error).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO_ROOT, archiver_env
from warcio.archiveiterator import ArchiveIterator

from archiver.archive.layout import ArchivePaths
from archiver.downloadermiddlewares.encodings import brotli_decodes
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite

from .crawling import crawl_args, items_of, only_run_id, path_of, run_record


def _real_brotli_dir(tmp_path: Path) -> Path | None:
    """A directory whose ``brotli`` is the Brotli package's module (brotli.py + _brotli)."""
    for entry in map(Path, sys.path):
        module = entry / "brotli.py"
        if module.is_file() and any(entry.glob("_brotli.*")):
            break
    else:
        return None
    shim = tmp_path / "real-brotli"
    shim.mkdir()
    (shim / "brotli.py").symlink_to(module)
    return shim


def _crawl(output: Path, url: str, *extra: str, brotli_path: Path | None) -> tuple[int, str]:
    env = archiver_env()
    if brotli_path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(brotli_path), env["PYTHONPATH"]])
    done = subprocess.run(
        [sys.executable, "-m", "archiver", *crawl_args(url, output, *extra)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return done.returncode, done.stderr


def _content_encodings(output: Path, run_id: str) -> set[str]:
    encodings = set()
    for warc in ArchivePaths(output).run(run_id).warc_dir.glob("*.warc.gz"):
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response" and record.http_headers is not None:
                    encodings.add(record.http_headers.get_header("Content-Encoding") or "")
    return encodings


@pytest.mark.parametrize("which", ["installed", "real"])
def test_a_brotli_server_is_archived_completely(tmp_path: Path, which: str) -> None:
    brotli_path = _real_brotli_dir(tmp_path) if which == "real" else None
    if which == "real" and brotli_path is None:
        pytest.skip("the Brotli package (brotli.py + _brotli) is not installed")
    site = ReplicaSite(ReplicaOptions(posts=12, brotli=True))
    output = tmp_path / "out"
    with ReplicaServer(site) as server:
        code, log = _crawl(output, server.listing_url, brotli_path=brotli_path)
    assert code == 0, log[-4000:]
    run_id = only_run_id(output)
    assert "Traceback" not in log
    items = items_of(output, run_id)
    truth = {t["url"] for t in site.truth()}
    assert sorted(path_of(i["url"]) for i in items) == sorted(truth)
    fetched = [i for i in items if i["http_status"] == 200]
    assert fetched and all(i["title"] and i["body_text"] for i in fetched)
    encodings = _content_encodings(output, run_id)
    if which == "real":
        assert "br" in encodings, encodings  # br offered, served, decoded
    elif not brotli_decodes():
        assert "br" not in encodings, encodings  # br never offered
        assert "not offering br" in log


def test_a_brotli_page_that_inflates_past_download_maxsize_fails_for_size(
    tmp_path: Path,
) -> None:
    brotli_path = _real_brotli_dir(tmp_path)
    if brotli_path is None:
        pytest.skip("the Brotli package (brotli.py + _brotli) is not installed")
    # The huge page is 3 MB of text, a few kB as br: a small bomb against a 1 MB cap.
    options = ReplicaOptions(
        posts=12, brotli=True, traps=frozenset({"huge_page"}), huge_page_bytes=3_000_000
    )
    site = ReplicaSite(options)
    output = tmp_path / "out"
    with ReplicaServer(site) as server:
        code, log = _crawl(
            output,
            server.listing_url,
            "-s",
            "DOWNLOAD_MAXSIZE=1000000",
            brotli_path=brotli_path,
        )
        huge = server.base_url + next(
            t["listed_url"] for t in site.truth() if t["status"] == "huge_page"
        )
    record = run_record(output, only_run_id(output))
    assert code == 3, log[-4000:]
    [failure] = record["failures"]
    assert failure["url"] == huge
    assert "DOWNLOAD_MAXSIZE" in failure["error"] or "maximum" in failure["error"], failure
