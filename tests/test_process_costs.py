"""The fixed costs of an ``archiver crawl`` process (issue 15): what it imports to start, and
what its garbage collector walks (archiver.cli.collector). The seconds are measured in
bench/ (bench/crawl.py); here, the structure that makes them.

- A crawl imports nothing that only a WACZ (cdxj-indexer and its pyamf), a terminal's progress
  line (rich) or an extension kept off (the remote control: aiohttp) needs.
- ``archiver`` as a command freezes its objects at exit, so the interpreter's last collection
  walks none of them; its exit code and its log are whole. ``main(argv)`` called in a process
  of its own (a test, a script) leaves that process's collector as it was.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import LOOPBACK_ARGS, REPO_ROOT, archiver_env

from archiver.cli import main
from archiver.cli.crawl import EXTENSIONS_OFF_BY, add_crawl_arguments, settings_from_args
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite

# Modules a crawl does not need: a WACZ's index (cdxj_indexer, pyamf), a terminal's progress
# line (rich), Scrapy's remote control (aiohttp), kept off.
NOT_NEEDED = ("aiohttp", "cdxj_indexer", "pyamf", "rich")

# Runs `archiver ARGS` as the command it is (main() reading sys.argv), and at the very end of
# the process (its first exit handler runs last) writes what the process imported and what
# its garbage collector would walk.
PROCESS_RUNNER = textwrap.dedent(
    """
    import atexit, gc, json, sys

    def report(path=sys.argv[1]):
        walked = len(gc.get_objects())
        with open(path, "w") as out:
            json.dump({"walked": walked, "frozen": gc.get_freeze_count(),
                       "enabled": gc.isenabled(),
                       "imported": sorted(m for m in NOT_NEEDED if m in sys.modules)}, out)

    if __name__ == "__main__":  # not again in the crawl's page-reading worker
        atexit.register(report)
        sys.argv = ["archiver", *sys.argv[2:]]
        from archiver.cli import main
        raise SystemExit(main())
    """
).replace("NOT_NEEDED", repr(NOT_NEEDED))


def test_a_crawl_process_imports_only_what_it_needs_and_walks_nothing_at_exit(
    tmp_path: Path,
) -> None:
    runner = tmp_path / "runner.py"
    runner.write_text(PROCESS_RUNNER)
    report = tmp_path / "report.json"
    log_file = tmp_path / "crawl.log"
    with ReplicaServer(ReplicaSite(ReplicaOptions(posts=12, seed=5))) as server:
        completed = subprocess.run(
            [sys.executable, str(runner), str(report), "crawl",
             "--start-url", server.listing_url, "--output", str(tmp_path / "archive"),
             *LOOPBACK_ARGS, "-s", f"LOG_FILE={log_file}", "-s", "ARCHIVER_PROGRESS=off"],
            cwd=REPO_ROOT, env=archiver_env(), capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    found = json.loads(report.read_text())
    assert found["imported"] == []
    # Every object the crawl left was frozen before the interpreter's last collection, and the
    # collector was on again after the start-up.
    assert found["frozen"] > 50_000
    assert found["walked"] < found["frozen"] / 20
    assert found["enabled"] is True
    # The log is whole: its last line is the run's last step (the search index).
    assert "Search index: run" in log_file.read_text().splitlines()[-1]


def test_a_failed_crawl_keeps_its_exit_code(tmp_path: Path) -> None:
    runner = tmp_path / "runner.py"
    runner.write_text(PROCESS_RUNNER)
    report = tmp_path / "report.json"
    completed = subprocess.run(
        [sys.executable, str(runner), str(report), "crawl", "--start-url",
         "http://127.0.0.1:9/", "--output", str(tmp_path / "archive"), *LOOPBACK_ARGS],
        cwd=REPO_ROOT, env=archiver_env(), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert completed.returncode == 4, completed.stderr[-3000:]  # FAILED: nothing answered
    assert json.loads(report.read_text())["frozen"] > 0


def test_main_with_argv_leaves_the_callers_collector_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    frozen, enabled = gc.get_freeze_count(), gc.isenabled()
    assert main(["sources"]) == 0
    capsys.readouterr()
    assert (gc.get_freeze_count(), gc.isenabled()) == (frozen, enabled)


def _settings(*argv: str) -> dict[str, object]:
    import argparse

    parser = argparse.ArgumentParser()
    add_crawl_arguments(parser)
    settings = settings_from_args(parser.parse_args(["--output", "unused", *argv]))
    return dict(settings.getwithbase("EXTENSIONS"))


def test_extensions_kept_off_are_left_out_and_one_switched_on_is_kept() -> None:
    extensions = _settings()
    for path in EXTENSIONS_OFF_BY.values():
        assert path not in extensions
    extensions = _settings("-s", "REMOTE_CONTROL_ENABLED=True")
    assert "scrapy.extensions.remote_control.RemoteControl" in extensions
    assert "scrapy.extensions.telnet.TelnetConsole" not in extensions
