"""Scale benchmark: a distributed crawl (``--redis``) with 1 vs 3 workers against the replica
with a real server's latency and a polite per-worker concurrency, in the same run; and
(``--posts``) wall time and peak memory of a plain ``archiver crawl`` for N posts.

    python bench/scale.py [--redis-posts 1000] [--workers 1,3] [--latency-ms 200]
                                [--per-domain 2] [--concurrency N] [--compare DIR]
                                [--posts 1000,5000,50000]

Distributed rows: a real ``redis-server`` on a free loopback port (started here, polled until
it answers PING, no persistence), N worker processes started together, each one with
``CONCURRENT_REQUESTS_PER_DOMAIN=--per-domain`` (politeness to one site: what a real crawl
keeps per process, and where several workers help) and ``CONCURRENT_REQUESTS=--concurrency``
(default: the same; see ``--help``).
Per row: wall seconds (first process started -> last one exited, the run's finish included),
requests the replica answered and requests/s, the speed-up over the 1-worker row of the same
tree, start-up (first process started -> the replica's first request), crawl (first -> last
request), end (last request -> last process exited: idle workers closing, the run's finish),
closing (the first worker's "Closing spider" -> the last one's: idle workers waiting), items,
and the checks: every replica post exactly once in the run's items, no post page fetched
twice, ``verify_archive`` ok (WARCs, CDXJ, WACZ, hashes). ``--compare DIR`` measures another
checkout (``git -C /work/main archive HEAD | tar -x -C DIR``) the same way in the same
run. Requisites (images, CSS) are off so that the rows count posts; the replica is served
from this process (a threaded server) without gzip unless ``--gzip``: a real server's CPU is
not on the crawling machine, and on a small machine the replica's rendering and compressing
would be what bounds three workers. Needs ``redis-server`` on PATH and a Python with the
``scale`` extra (``--scale-python``; default ``.venv-scale/bin/python``, else this one).

Memory rows (``--posts``; 16 concurrent requests): the largest RSS (MiB) of the crawler while
crawling (sampled every 0.2 s until its WARC files are closed) and overall (max RSS from
wait4, the run's finish included). Flat memory shows as RSS growing far slower than the posts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archiver.archive.layout import ArchivePaths  # noqa: E402
from archiver.files import read_json, read_jsonl  # noqa: E402
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite  # noqa: E402
from archiver.verify.archive import verify_archive  # noqa: E402


def crawl_command(
    python: str, url: str, output: Path, concurrency: int, per_domain: int
) -> list[str]:
    return [python, "-m", "archiver", "crawl", "--start-url", url, "--output", str(output),
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0",
            "-s", f"CONCURRENT_REQUESTS={concurrency}",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={per_domain}",
            "-s", "ARCHIVER_REQUISITES_ENABLED=False", "-s", "LOG_LEVEL=WARNING"]  # fmt: skip


MEMORY_CONCURRENCY = 16


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def sample_crawl_phase(pids: list[int], output: Path, peaks: list[int]) -> None:
    """Largest RSS (kB) of ``pids`` while the run is crawling, i.e. until its WARC files are
    closed (spider closed; the run's finish, which settles every item, comes after); into
    ``peaks[0]``."""
    writing = False
    while True:
        open_warcs = any(output.glob("runs/*/warc/*.open"))
        if writing and not open_warcs:
            return
        writing = writing or open_warcs
        alive = [rss_kb(pid) for pid in pids]
        if not any(alive):
            return
        peaks[0] = max(peaks[0], *alive)
        time.sleep(0.2)


@dataclass
class Finished:
    """What the processes of one row did."""

    started: float  # time.time() when the first process was started
    elapsed: float
    peak_kb: int
    crawl_kb: int
    codes: list[int]
    tail: str
    stderr: list[str]


def run_processes(
    commands: list[list[str]],
    output: Path,
    env: dict[str, str],
    sample: bool = False,
    cwd: Path = REPO_ROOT,
) -> Finished:
    """Start ``commands`` together (in ``cwd``: ``python -m`` puts it first on the path, before
    PYTHONPATH) and wait for all of them."""
    logs = [tempfile.TemporaryFile() for _ in commands]
    started_wall, started = time.time(), time.perf_counter()
    processes = [
        subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=log, env=env, cwd=cwd)
        for c, log in zip(commands, logs, strict=True)
    ]
    crawl_peak = [0]
    sampler = threading.Thread(
        target=sample_crawl_phase, args=([p.pid for p in processes], output, crawl_peak)
    )
    if sample:
        sampler.start()
    peak, codes = 0, []
    for process in processes:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        peak = max(peak, usage.ru_maxrss)
        codes.append(process.returncode)
    elapsed = time.perf_counter() - started
    if sample:
        sampler.join()
    tail, stderr = "", []
    for code, log in zip(codes, logs, strict=True):
        log.seek(0)
        stderr.append(log.read().decode("utf-8", "replace"))
        if code and not tail:
            tail = stderr[-1][-1500:]
        log.close()
    return Finished(started_wall, elapsed, peak, crawl_peak[0], codes, tail, stderr)


def last_run_record(output: Path) -> dict[str, object]:
    archive = ArchivePaths(output)
    if not archive.run_ids():
        return {}
    return dict(read_json(archive.run(archive.run_ids()[-1]).run_json))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str] | None:
    """A throw-away redis-server on a free loopback port, once it answers PING; its URL."""
    program = shutil.which("redis-server")
    if program is None:
        return None
    port = free_port()
    process = subprocess.Popen(
        [program, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly",
         "no", "--dir", str(directory)], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(16).startswith(b"+PONG"):
                    return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            pass
        time.sleep(0.05)
    process.terminate()
    return None


@dataclass
class RedisRow:
    tree: str
    workers: int
    wall: float
    requests: int
    startup: float
    crawl: float
    end: float
    close_spread: float
    items: int
    status: str
    checks: str


def redis_row(
    tree: str, workers: int, args: argparse.Namespace, python: str, root: Path,
    redis_url: str, work: Path,
) -> RedisRow:  # fmt: skip
    """One distributed crawl of a fresh replica by ``workers`` processes; checked."""
    site = ReplicaSite(
        ReplicaOptions(posts=args.redis_posts, latency_ms=args.latency_ms, gzip=args.gzip)
    )
    output = work / f"redis-{tree}-{workers}"
    with ReplicaServer(site) as server:
        command = crawl_command(
            python, server.listing_url, output, args.concurrency, args.per_domain
        )
        command += ["--redis", redis_url, "-s", "LOG_LEVEL=INFO", "-s", f"LOG_FORMAT={LOG_FORMAT}"]
        done = run_processes([command] * workers, output, tree_env(root), cwd=root)
        log = list(server.request_log)
    record = last_run_record(output)
    truth = sorted(t["url"] for t in site.truth())
    problems = []
    if any(done.codes):
        problems.append(f"exit codes {done.codes}")
        print(f"{tree} x{workers}: exit codes {done.codes}\n{done.tail}")
    archive = ArchivePaths(output)
    items = []
    if archive.run_ids():
        items = list(read_jsonl(archive.run(archive.run_ids()[-1]).items_jsonl))
    if sorted(urlsplit(str(i["url"])).path for i in items) != truth:
        problems.append("posts != replica's (each once)")
    fetched = Counter(e.path for e in log if e.path in set(truth) and e.status == 200)
    if fetched and max(fetched.values()) > 1:
        problems.append("a post fetched twice")
    report = verify_archive(output)
    if not report.ok:
        problems.append("verify: " + report.summary()[:200])
    shutil.rmtree(output, ignore_errors=True)
    times = sorted(e.time for e in log) or [done.started]
    return RedisRow(
        tree=tree,
        workers=workers,
        wall=done.elapsed,
        requests=len(log),
        startup=times[0] - done.started,
        crawl=times[-1] - times[0],
        end=done.started + done.elapsed - times[-1],
        close_spread=close_spread(done.stderr),
        items=len(items),
        status=str(record.get("status", "no run")),
        checks="; ".join(problems) or "ok",
    )


LOG_FORMAT = "%(created)f %(levelname)s %(name)s: %(message)s"


def close_spread(stderr: list[str]) -> float:
    """Seconds between the first and the last worker's "Closing spider" (INFO, LOG_FORMAT):
    how long finished workers waited for each other once the queue had run dry."""
    closed = [
        float(line.split(" ", 1)[0])
        for text in stderr
        for line in text.splitlines()
        if "Closing spider" in line and line[:1].isdigit()
    ]
    return max(closed) - min(closed) if closed else float("nan")


def memory_rows(args: argparse.Namespace, work: Path) -> None:
    """Wall time and peak RSS of a plain crawl for each of ``--posts``."""
    print(f"\nplain crawl: latency {args.latency_ms} ms, concurrency {MEMORY_CONCURRENCY}")
    print(f"{'posts':>7} {'wall s':>8} {'crawl RSS MiB':>14} {'peak RSS MiB':>13}  status")
    for posts in (int(n) for n in args.posts.split(",") if n):
        site = ReplicaSite(ReplicaOptions(posts=posts, latency_ms=args.latency_ms))
        output = work / f"single-{posts}"
        with ReplicaServer(site) as server:
            command = crawl_command(
                sys.executable, server.listing_url, output, MEMORY_CONCURRENCY, MEMORY_CONCURRENCY
            )
            done = run_processes([command], output, dict(os.environ), sample=True)
        status = last_run_record(output).get("status", "no run")
        print(f"{posts:>7} {done.elapsed:>8.1f} {done.crawl_kb / 1024:>14.1f} "
              f"{done.peak_kb / 1024:>13.1f}  {status}", flush=True)  # fmt: skip
        shutil.rmtree(output, ignore_errors=True)


def tree_env(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-posts", type=int, default=1000, help="0 = no redis rows")
    parser.add_argument("--workers", default="1,3", help="worker counts for the redis rows")
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--per-domain", type=int, default=2,
                        help="CONCURRENT_REQUESTS_PER_DOMAIN of each worker")  # fmt: skip
    parser.add_argument(
        "--concurrency",
        type=int,
        default=0,
        help="CONCURRENT_REQUESTS of each worker (default: --per-domain; Scrapy 2.19 on the "
        "asyncio reactor sends a slot's whole queue at once when DOWNLOAD_DELAY is 0, so only "
        "CONCURRENT_REQUESTS holds a worker to its per-site share)",
    )
    parser.add_argument("--compare", default=None, metavar="DIR",
                        help="another checkout, measured the same way in the same run")  # fmt: skip
    parser.add_argument("--posts", default="", help="plain-crawl memory rows, e.g. 1000,5000")
    parser.add_argument(
        "--gzip",
        action="store_true",
        help="the replica compresses its pages (its CPU is this process's: off by default, so "
        "that the replica's CPU does not bound the workers)",
    )
    parser.add_argument("--scale-python", default=None)
    args = parser.parse_args()
    args.concurrency = args.concurrency or args.per_domain
    scale_python = args.scale_python or (
        str(REPO_ROOT / ".venv-scale/bin/python")
        if (REPO_ROOT / ".venv-scale/bin/python").exists()
        else sys.executable
    )
    trees = [("this", REPO_ROOT)]
    if args.compare:
        trees.append((Path(args.compare).name or "compare", Path(args.compare).resolve()))
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    rows: list[RedisRow] = []
    try:
        if args.redis_posts:
            redis = start_redis(work)
            if redis is None:
                print("redis-server not found (or did not answer): no distributed rows")
            else:
                try:
                    for workers in (int(w) for w in args.workers.split(",") if w):
                        for name, tree in trees:
                            row = redis_row(name, workers, args, scale_python, tree, redis[1], work)
                            rows.append(row)
                            print(f"  done: {name} x{workers} {row.wall:.1f} s", flush=True)
                finally:
                    redis[0].terminate()
                    redis[0].wait()
        if args.posts:
            os.environ["PYTHONPATH"] = (
                str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
            )
            memory_rows(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if rows:
        gzip = " gzip" if args.gzip else ""
        print(
            f"\n--redis crawl of {args.redis_posts} posts: replica latency {args.latency_ms} "
            f"ms{gzip}, per worker CONCURRENT_REQUESTS={args.concurrency}, "
            f"CONCURRENT_REQUESTS_PER_DOMAIN={args.per_domain}; {os.cpu_count()} CPUs"
        )
        print(f"{'tree':<10} {'workers':>7} {'wall s':>7} {'reqs':>6} {'req/s':>6} "
              f"{'speed-up':>8} {'start s':>7} {'crawl s':>7} {'end s':>6} {'closing':>7} "
              f"{'items':>6} "
              f"{'status':<9} checks")  # fmt: skip
        for row in rows:
            base = next((r for r in rows if r.tree == row.tree and r.workers == 1), None)
            speedup = f"{base.wall / row.wall:.2f}x" if base else "-"
            print(f"{row.tree:<10} {row.workers:>7} {row.wall:>7.1f} {row.requests:>6} "
                  f"{row.requests / row.wall:>6.1f} {speedup:>8} {row.startup:>7.1f} "
                  f"{row.crawl:>7.1f} {row.end:>6.1f} {row.close_spread:>7.2f} "
                  f"{row.items:>6} {row.status:<9} "
                  f"{row.checks}")  # fmt: skip
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if all(r.checks == "ok" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
