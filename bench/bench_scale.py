"""Scale benchmark: wall time and peak memory of `archiver crawl` for N posts, and of a
distributed crawl (`--redis`) with 1 vs 3 workers, against the replica with server latency,
all compared in the same run.

    python bench/bench_scale.py [--posts 1000,5000,50000] [--redis-posts 1000]
                                [--workers 1,3] [--latency-ms 5] [--concurrency 16]

Per row: posts, mode, workers, wall seconds, the largest RSS (MiB) of a crawler process while
crawling (sampled every 0.2 s until its WARC files are closed) and overall (max RSS from wait4,
the run's finish included: it reads every item of the run into memory), items in the run,
the run's status. Flat memory shows as RSS growing far slower than the posts. The distributed
rows need a `redis-server` on PATH (started here on a free loopback port, no persistence) and a
Python with the `scale` extra (--scale-python; default .venv-scale/bin/python, else this one).
Requisites (images, CSS) are off so that the rows count posts; the replica serves from this
process (a threaded server).
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
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archiver.archive.layout import ArchivePaths  # noqa: E402
from archiver.files import read_json  # noqa: E402
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite  # noqa: E402


def crawl_command(python: str, url: str, output: Path, concurrency: int) -> list[str]:
    return [python, "-m", "archiver", "crawl", "--start-url", url, "--output", str(output),
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0",
            "-s", f"CONCURRENT_REQUESTS={concurrency}",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
            "-s", "ARCHIVER_REQUISITES_ENABLED=False", "-s", "LOG_LEVEL=WARNING"]  # fmt: skip


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


def run_processes(
    commands: list[list[str]], output: Path
) -> tuple[float, int, int, list[int], str]:
    """Start ``commands`` together; wall seconds, the largest peak RSS (kB) overall and while
    crawling, exit codes, and the stderr tail of the first that failed."""
    started = time.perf_counter()
    logs = [tempfile.TemporaryFile() for _ in commands]
    processes = [
        subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=log)
        for c, log in zip(commands, logs, strict=True)
    ]
    crawl_peak = [0]
    sampler = threading.Thread(
        target=sample_crawl_phase, args=([p.pid for p in processes], output, crawl_peak)
    )
    sampler.start()
    peak, codes = 0, []
    for process in processes:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        peak = max(peak, usage.ru_maxrss)
        codes.append(process.returncode)
    elapsed = time.perf_counter() - started
    sampler.join()
    tail = ""
    for code, log in zip(codes, logs, strict=True):
        log.seek(0)
        if code and not tail:
            tail = log.read().decode("utf-8", "replace")[-1500:]
        log.close()
    return elapsed, peak, crawl_peak[0], codes, tail


def run_summary(output: Path) -> tuple[int, str]:
    archive = ArchivePaths(output)
    if not archive.run_ids():
        return 0, "no run"
    record = read_json(archive.run(archive.run_ids()[-1]).run_json)
    return int(record.get("counts", {}).get("items_in_run", 0)), str(record.get("status"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str] | None:
    program = shutil.which("redis-server")
    if program is None:
        return None
    port = free_port()
    process = subprocess.Popen(
        [program, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly",
         "no", "--dir", str(directory)], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.terminate()
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", default="1000,5000", help="comma-separated post counts")
    parser.add_argument("--redis-posts", type=int, default=1000, help="0 = no redis rows")
    parser.add_argument("--workers", default="1,3", help="worker counts for the redis rows")
    parser.add_argument("--latency-ms", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--scale-python", default=None)
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    scale_python = args.scale_python or (
        str(REPO_ROOT / ".venv-scale/bin/python")
        if (REPO_ROOT / ".venv-scale/bin/python").exists()
        else sys.executable
    )
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    rows: list[tuple[int, str, int, float, float, float, int, str]] = []
    plan = [(int(n), "single", 1) for n in args.posts.split(",") if n]
    if args.redis_posts:
        plan += [(args.redis_posts, "redis", int(w)) for w in args.workers.split(",") if w]
    redis = start_redis(work) if any(mode == "redis" for _, mode, _ in plan) else None
    try:
        for posts, mode, workers in plan:
            if mode == "redis" and redis is None:
                print(f"redis-server not found: the {workers}-worker row is left out")
                continue
            site = ReplicaSite(ReplicaOptions(posts=posts, latency_ms=args.latency_ms))
            output = work / f"{mode}-{posts}-{workers}"
            with ReplicaServer(site) as server:
                if mode == "single":
                    commands = [
                        crawl_command(sys.executable, server.listing_url, output, args.concurrency)
                    ]
                else:
                    assert redis is not None
                    command = crawl_command(
                        scale_python, server.listing_url, output, args.concurrency
                    )
                    commands = [[*command, "--redis", redis[1]]] * workers
                elapsed, peak_kb, crawl_kb, codes, tail = run_processes(commands, output)
            items, status = run_summary(output)
            if any(codes):
                print(f"{mode} {posts} x{workers}: exit codes {codes}\n{tail}")
            rows.append(
                (posts, mode, workers, elapsed, crawl_kb / 1024, peak_kb / 1024, items, status)
            )
            shutil.rmtree(output, ignore_errors=True)
    finally:
        if redis is not None:
            redis[0].terminate()
            redis[0].wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nlatency {args.latency_ms} ms, concurrency {args.concurrency} per process")
    print(f"{'posts':>7} {'mode':<7} {'workers':>7} {'wall s':>8} {'crawl RSS MiB':>14} "
          f"{'peak RSS MiB':>13} {'items':>7}  status")  # fmt: skip
    for posts, mode, workers, elapsed, crawl_mib, peak_mib, items, status in rows:
        print(f"{posts:>7} {mode:<7} {workers:>7} {elapsed:>8.1f} {crawl_mib:>14.1f} "
              f"{peak_mib:>13.1f} {items:>7}  {status}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
