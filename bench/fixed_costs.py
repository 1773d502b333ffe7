"""Fixed costs of an ``archiver crawl`` process: start-up (exec to Scrapy's "Spider opened")
and exit (the log's last line to the end of the process), this tree against another one, the
two run in turn so that both see the same load. Printed: the least and the median of each.

A small crawl (the replica's first listing pages, ``CLOSESPIDER_PAGECOUNT``) is enough: neither
cost grows with the crawl (the exit's did with the objects the process held: see
archiver/cli/collector.py).

    python bench/fixed_costs.py --compare DIR-OF-ANOTHER-CHECKOUT [--runs 10] [--pages 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite  # noqa: E402

OPENED_MARK = "Spider opened"


def one_run(root: Path, url: str, work: Path, pages: int) -> tuple[float, float]:
    """(start-up, exit) seconds of one crawl with the archiver at ``root``."""
    output, log_file = work / "archive", work / "crawl.log"
    shutil.rmtree(output, ignore_errors=True)
    log_file.unlink(missing_ok=True)
    settings = {
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "0",
        "CLOSESPIDER_PAGECOUNT": str(pages),
        "LOG_LEVEL": "INFO",
        "LOG_FILE": str(log_file),
        "LOG_FORMAT": "%(created).3f %(name)s %(levelname)s: %(message)s",
        "ARCHIVER_PROGRESS": "off",
    }
    command = [sys.executable, "-m", "archiver", "crawl", "--start-url", url,
               "--output", str(output)]  # fmt: skip
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    started = time.time()
    subprocess.run(command, cwd=work, env={**os.environ, "PYTHONPATH": str(root)},
                   capture_output=True, check=False)  # fmt: skip
    ended = time.time()
    stamps = []
    for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            stamps.append((float(line.split(" ", 1)[0]), line))
        except ValueError:
            continue
    opened = next(stamp for stamp, line in stamps if OPENED_MARK in line)
    return opened - started, ended - stamps[-1][0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", metavar="DIR", help="another checkout (archiver@base)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--pages", type=int, default=20, help="CLOSESPIDER_PAGECOUNT")
    args = parser.parse_args()
    trees = [("archiver", REPO_ROOT)]
    if args.compare:
        trees.insert(0, ("archiver@base", Path(args.compare).resolve()))
    results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in trees}
    work = Path(tempfile.mkdtemp(prefix="bench-fixed-"))
    try:
        with ReplicaServer(ReplicaSite(ReplicaOptions(posts=100, latency_ms=20))) as server:
            for _ in range(args.runs):
                for name, root in trees:
                    results[name].append(one_run(root, server.listing_url, work, args.pages))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.runs} runs each, in turn; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'tool':<16}{'start-up min':>14}{'median':>8}{'exit min':>10}{'median':>8}")
    for name, runs in results.items():
        starts, exits = [s for s, _ in runs], [e for _, e in runs]
        print(f"{name:<16}{min(starts):>14.3f}{statistics.median(starts):>8.3f}"
              f"{min(exits):>10.3f}{statistics.median(exits):>8.3f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
