"""Crawl benchmark: archiver vs a bare Scrapy spider vs ``wget --warc-file``, same replica,
same run.

All three crawl the bundled replica on loopback (the listing, every post page, and, for the
archiver and wget, the posts' page requisites). Printed per tool: wall time, requests the
server saw, post pages fetched, bytes of WARC written, peak memory (max RSS of the process).
The figures compare like with like only roughly: the bare spider writes nothing, wget extracts
nothing; the archiver does both plus dates, state, CDXJ/WACZ and hashes.

    python bench/bench_crawl.py [--posts 500] [--latency-ms 0] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite  # noqa: E402

BARE_SPIDER = """
import scrapy

class BareNews(scrapy.Spider):
    name = "bare"
    custom_settings = {"ROBOTSTXT_OBEY": True, "LOG_LEVEL": "WARNING", "DOWNLOAD_DELAY": 0,
                       "AUTOTHROTTLE_ENABLED": False, "TELNETCONSOLE_ENABLED": False}

    async def start(self):
        yield scrapy.Request(self.start_url)

    def parse(self, response):
        for href in response.css("div.node-teaser h2 a::attr(href)").getall():
            yield response.follow(href, self.parse_post)
        next_page = response.css("li.pager-next a::attr(href)").get()
        if next_page:
            yield response.follow(next_page)

    def parse_post(self, response):
        yield {"url": response.url, "title": response.css("h1#page-title::text").get()}
"""


def run_timed(command: list[str], cwd: Path) -> tuple[float, int, int, str]:
    """Run ``command``; return wall seconds, its own peak RSS (kB), exit code, stderr tail."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        tail = stderr.read().decode("utf-8", "replace")[-2000:]
    return elapsed, usage.ru_maxrss, process.returncode, tail


def warc_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*.warc.gz"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    site = ReplicaSite(ReplicaOptions(posts=args.posts, latency_ms=args.latency_ms))
    rows = []
    env_python = sys.executable
    os.environ["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    with ReplicaServer(site) as server:
        url = server.listing_url
        tools = {
            "archiver crawl": [
                env_python,
                "-m",
                "archiver",
                "crawl",
                "--start-url",
                url,
                "--output",
                str(work / "archiver"),
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_ENABLED=0",
                "-s",
                f"CONCURRENT_REQUESTS_PER_DOMAIN={args.concurrency}",
                "-s",
                "LOG_LEVEL=WARNING",
            ],
            "bare scrapy spider": [
                env_python,
                "-m",
                "scrapy",
                "runspider",
                str(work / "bare_spider.py"),
                "-a",
                f"start_url={url}",
                "-s",
                f"CONCURRENT_REQUESTS_PER_DOMAIN={args.concurrency}",
                "-o",
                str(work / "bare.jsonl"),
            ],
        }
        (work / "bare_spider.py").write_text(BARE_SPIDER)
        if shutil.which("wget"):
            tools["wget --warc-file"] = [
                "wget",
                "--recursive",
                "--level=inf",
                "--page-requisites",
                "--no-verbose",
                "--accept-regex",
                r"/(topic/news|content/|sites/|misc/|themes/|modules/)",
                "--reject-regex",
                r"/(user|search|admin)",
                "--directory-prefix",
                str(work / "wget"),
                "--warc-file",
                str(work / "wget" / "crawl"),
                "--no-warc-keep-log",
                url,
            ]
        else:
            print("wget not installed: its row is left out (apt-get install wget)")
        for name, command in tools.items():
            (work / "wget").mkdir(exist_ok=True)
            server.clear_log(reset_attempts=True)
            # Outside the repository, so `scrapy runspider` does not load archiver's settings.
            elapsed, peak_kb, code, stderr_tail = run_timed(command, work)
            if code not in (0, 8):  # wget's 8: some answers were errors (the deleted post)
                print(f"{name} exited {code}:\n{stderr_tail}")
            log = server.request_log
            posts = len({e.path for e in log if e.path.startswith("/content/") and e.status == 200})
            out_dir = work / ("archiver" if name.startswith("archiver") else "wget")
            rows.append(
                (
                    name,
                    elapsed,
                    len(log),
                    posts,
                    warc_bytes(out_dir) if name != "bare scrapy spider" else 0,
                    peak_kb,
                    code,
                )
            )
    live_posts = sum(1 for t in site.truth() if t["status"] != "deleted")
    print(
        f"Replica: {args.posts} posts ({live_posts} with pages), latency {args.latency_ms} ms, "
        f"concurrency {args.concurrency}, Python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    print(
        f"{'tool':<22}{'wall s':>9}{'requests':>10}{'posts':>8}"
        f"{'WARC MB':>9}{'peak MB':>9}{'exit':>6}"
    )
    for name, elapsed, requests, posts, warc, peak_kb, code in rows:
        print(
            f"{name:<22}{elapsed:>9.2f}{requests:>10}{posts:>8}{warc / 1e6:>9.2f}"
            f"{peak_kb / 1024:>9.0f}{code:>6}"
        )
    base = next((r for r in rows if r[0] == "bare scrapy spider"), None)
    ours = rows[0]
    if base:
        print(
            f"archiver / bare scrapy wall time: {ours[1] / base[1]:.2f}x "
            f"(archiver also writes WARC, items, state, CDXJ, WACZ and hashes)"
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
