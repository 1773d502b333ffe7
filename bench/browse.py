"""Browse pages benchmark: building ``index.html`` and ``posts/<name>.html``, this tree against
another checkout (``--compare DIR``), in the same run, on archives each tree crawled itself.

For each replica size, each tree crawls the replica three times into its own archive (a first
run, an unchanged ``--full`` run, an incremental run that finds nothing new) and the INFO log
gives the run's end's browse step: "Browsing pages of ..." against the line before it. Then,
``--repeats`` times, alternating the trees, in a fresh process of each tree (after ``sync``):

- ``full``: ``build_browse(DIR)`` after deleting ``posts/`` and ``index.html`` (what
  ``archiver index`` does; the first run of an archive does the same at its end);
- ``idle end``: ``build_browse(DIR, incremental=True)`` with no run since (index.html only);
- ``end after --full``: the pages as a ``--full`` run's end finds them: every post page
  changed (overwritten with one byte first), the ``--full`` run's per-capture item files of
  a tree that writes them gone, its run.json newer than index.html.

    python bench/browse.py [--posts 1000,5000] [--repeats 5] [--compare DIR] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite  # noqa: E402

LOG_FORMAT = "%(asctime)s.%(msecs)03d [%(name)s] %(levelname)s: %(message)s"
STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) ")
RUNS = (("first run", ()), ("--full run", ("--full",)), ("incremental run", ()))

# Run by each tree's own interpreter: times three builds of the archive in argv[1].
BUILDS = r"""
import os, shutil, sys, time
from pathlib import Path
from archiver.archive.layout import ArchivePaths
from archiver.browse import build_browse

root = Path(sys.argv[1])
full_run = ArchivePaths(root).run_ids()[1]
def settle():
    os.sync()
    time.sleep(0.5)
shutil.rmtree(root / "posts", ignore_errors=True)
(root / "index.html").unlink(missing_ok=True)
settle()
started = time.perf_counter()
built = build_browse(root)
full = time.perf_counter() - started
started = time.perf_counter()
build_browse(root, incremental=True)
idle = time.perf_counter() - started
for page in (root / "posts").glob("*.html"):
    page.write_bytes(b"x")
for item in (root / "posts").glob(f"*/{full_run}.json"):
    item.unlink()
os.utime(ArchivePaths(root).run(full_run).run_json)
settle()
started = time.perf_counter()
ended = build_browse(root, incremental=True)
end = time.perf_counter() - started
print(full, built.written, idle, end, ended.written)
"""


def crawl(tree: Path, url: str, output: Path, *extra: str) -> float:
    """One ``archiver crawl`` by ``tree``; seconds of its run's end's browse step."""
    command = [
        sys.executable, "-m", "archiver", "crawl", "--start-url", url, "--output", str(output),
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0",
        "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "ARCHIVER_PROGRESS=off", "-s", "LOG_LEVEL=INFO", "-s", f"LOG_FORMAT={LOG_FORMAT}",
        *extra,
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=tree, env=_env(tree), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"crawl by {tree} failed:\n{done.stderr[-3000:]}")
    lines = [line for line in done.stderr.splitlines() if STAMP.match(line)]
    for before, line in zip(lines, lines[1:], strict=False):
        if "Browsing pages of" in line:
            return (_at(line) - _at(before)).total_seconds()
    raise SystemExit(f"no 'Browsing pages of' line in the log of {tree}")


def _at(line: str) -> datetime:
    match = STAMP.match(line)
    assert match is not None
    return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S.%f")


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree)}


def builds(tree: Path, archive: Path) -> list[float]:
    """full s, files, idle end s, end after --full s, files: one fresh process of ``tree``."""
    done = subprocess.run(
        [sys.executable, "-c", BUILDS, str(archive)],
        cwd=tree,
        env=_env(tree),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"builds by {tree} failed:\n{done.stderr[-3000:]}")
    return [float(value) for value in done.stdout.split()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", default="1000,5000", help="replica sizes, comma separated")
    parser.add_argument("--repeats", type=int, default=5, help="builds per tree and size")
    parser.add_argument("--compare", metavar="DIR", help="another checkout (rows: base)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    trees = {"this": REPO_ROOT}
    if args.compare:
        trees["base"] = Path(args.compare).resolve()
    work = Path(tempfile.mkdtemp(prefix="bench-browse-"))
    try:
        measure(args, trees, work)
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def measure(args: argparse.Namespace, trees: dict[str, Path], work: Path) -> None:
    print("run-end browse step, from the crawl's log (s)")
    for posts in [int(size) for size in args.posts.split(",") if size.strip()]:
        site = ReplicaSite(ReplicaOptions(posts=posts, latency_ms=0))
        with ReplicaServer(site) as server:
            for label, extra in RUNS:
                for name, tree in trees.items():
                    seconds = crawl(tree, server.listing_url, work / f"{posts}-{name}", *extra)
                    print(f"{posts:>6} {name:<5} {label:<16} {seconds:6.3f}", flush=True)
        results: dict[str, list[list[float]]] = {name: [] for name in trees}
        for _ in range(args.repeats):
            for name, tree in trees.items():
                results[name].append(builds(tree, work / f"{posts}-{name}"))
        print(f"builds of {posts} posts, {args.repeats} each: median (min) s, files written")
        for name, rows in results.items():
            columns = list(zip(*rows, strict=True))
            full, idle, end = columns[0], columns[2], columns[3]
            print(
                f"{posts:>6} {name:<5} full {_spread(full)} ({int(columns[1][0])} files)  "
                f"idle end {_spread(idle)}  end after --full {_spread(end)} "
                f"({int(columns[4][0])} files)",
                flush=True,
            )
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average at the end: {load}")


def _spread(values: tuple[float, ...]) -> str:
    return f"{statistics.median(values):6.3f} ({min(values):6.3f})"


if __name__ == "__main__":
    start = time.perf_counter()
    code = main()
    print(f"{time.perf_counter() - start:.0f} s")
    raise SystemExit(code)
