"""Scrapyd (issue 16, point 2): a real ``scrapyd`` on loopback with its own config in a temp
dir; the project deployed with scrapyd-client (``scrapyd-deploy local -p archiver``, scrapy.cfg
pointing at the test's port); a crawl of the replica scheduled through ``schedule.json`` with
spider arguments (start_url, output) writes the same archive as ``archiver crawl``: the run
complete, verify_archive ok, every post once."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from helpers import REPO_ROOT, archiver_env, require_program
from scale_helpers import free_port

from archiver.archive.layout import ArchivePaths
from archiver.files import read_json, read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.verify.archive import verify_archive

POLL_INTERVAL = 0.5
LOOPBACK_SETTINGS = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=0",
                     "CONCURRENT_REQUESTS_PER_DOMAIN=8", "DOWNLOAD_TIMEOUT=10")  # fmt: skip


def venv_program(name: str) -> str:
    """``name`` installed beside this Python (CI runs .venv/bin/python without activating the
    virtualenv, so its scripts are not on PATH), else on PATH (skip, or fail under CI)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    return require_program(name, "Scrapyd deployment (pip install 'archiver[scale]')")


def _api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=30) as response:
        result: dict[str, Any] = json.loads(response.read())
    assert result.get("status") == "ok", result
    return result


@contextmanager
def scrapyd_server(directory: Path) -> Iterator[str]:
    """scrapyd on a free loopback port, eggs/logs/dbs in ``directory``; its URL."""
    program = venv_program("scrapyd")
    port = free_port()
    (directory / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {directory / 'eggs'}\nlogs_dir = {directory / 'logs'}\n"
        f"dbs_dir = {directory / 'dbs'}\nitems_dir =\njobs_to_keep = 5\n"
        "max_proc = 1\npoll_interval = 0.2\n"
    )
    log = (directory / "scrapyd.log").open("w")
    process = subprocess.Popen(
        [program], cwd=directory, env=archiver_env(), stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _api(base, "daemonstatus.json")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(
                        "scrapyd did not start: " + (directory / "scrapyd.log").read_text()[-2000:]
                    ) from None
                time.sleep(POLL_INTERVAL)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def deploy(base: str, directory: Path) -> None:
    """``scrapyd-deploy local -p archiver`` from a copy of the project (the egg build writes
    build/ and *.egg-info next to setup.py), its scrapy.cfg pointing at ``base``."""
    deployer = venv_program("scrapyd-deploy")
    project = directory / "project"
    project.mkdir()
    shutil.copytree(REPO_ROOT / "archiver", project / "archiver",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    for name in ("pyproject.toml", "setup.py", "README.md", "scrapy.cfg"):
        shutil.copy(REPO_ROOT / name, project / name)
    config = (project / "scrapy.cfg").read_text()
    assert "url = http://127.0.0.1:6800/" in config
    (project / "scrapy.cfg").write_text(config.replace("http://127.0.0.1:6800/", base + "/"))
    completed = subprocess.run(
        [sys.executable, deployer, "local", "-p", "archiver", "-v", "r1"],
        cwd=project, env=archiver_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert '"status": "ok"' in completed.stdout, completed.stdout


def test_a_crawl_scheduled_on_scrapyd_writes_the_archive(tmp_path: Path) -> None:
    site = ReplicaSite(ReplicaOptions(posts=25, seed=8))
    output = tmp_path / "archive"
    with ReplicaServer(site, port=0) as server, scrapyd_server(tmp_path) as base:
        deploy(base, tmp_path)
        assert "news" in _api(base, "listspiders.json?project=archiver")["spiders"]
        job = _api(base, "schedule.json", [
            ("project", "archiver"), ("spider", "news"),
            ("start_url", server.listing_url), ("output", str(output)),
            *[("setting", pair) for pair in LOOPBACK_SETTINGS],
        ])["jobid"]  # fmt: skip
        deadline = time.monotonic() + 300
        while True:
            jobs = _api(base, "listjobs.json?project=archiver")
            if any(j["id"] == job for j in jobs["finished"]):
                break
            assert time.monotonic() < deadline, jobs
            time.sleep(POLL_INTERVAL)
    archive = ArchivePaths(output)
    (run_id,) = archive.run_ids()
    run = archive.run(run_id)
    record = read_json(run.run_json)
    assert record["status"] == "complete", record.get("problems")
    assert record["start_urls"] == [server.listing_url]
    truth = sorted(t["url"] for t in site.truth())
    assert sorted(urlsplit(i["url"]).path for i in read_jsonl(run.items_jsonl)) == truth
    assert sorted(urlsplit(p["url"]).path for p in read_jsonl(archive.posts_jsonl)) == truth
    assert run.cdxj.exists() and not run.wacz.exists()  # the WACZ: archiver package
    report = verify_archive(output)
    assert report.ok, report.summary()


def test_spider_arguments_set_the_archiver_settings() -> None:
    from archiver.spiders.news import spider_argument_settings

    assert spider_argument_settings(
        {"output": "/srv/a", "source": "iuhrdf", "start_url": "http://a/x, http://a/y",
         "full": "1", "_job": "abc"}
    ) == {
        "ARCHIVER_OUTPUT_DIR": "/srv/a", "ARCHIVER_SOURCE": "iuhrdf",
        "ARCHIVER_START_URLS": ["http://a/x", "http://a/y"], "ARCHIVER_MODE": "full",
    }  # fmt: skip
    assert spider_argument_settings({"full": "no", "output": ""}) == {}
