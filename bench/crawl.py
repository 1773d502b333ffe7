"""Crawl benchmark: archiver vs a bare Scrapy spider vs ``wget --warc-file``, same replica,
same concurrency, same run (so ratios hold even on a machine shared with other work).

All three crawl the bundled replica on loopback (the listing, every post page, and the posts'
images: for the archiver and wget, every page requisite). Printed per tool and replica size:

- ``req/s``: requests the server saw / wall seconds of the process (``x bare`` beside it);
  the bare spider follows listing -> post -> the post's images (issue 15's baseline), the
  archiver fetches every page requisite (stylesheets, scripts, fonts, icons too);
- ``CPU ms/req``: user + system CPU of the process and its child processes (the archiver's
  page-reading worker) / requests (``x bare`` beside it), and ``crawl``: the same up to
  "Closing spider" (sampled every 0.1 s), i.e. without the run's end;
- ``peak MiB``: the max RSS of the process with its child processes summed (sampled every
  0.1 s; the process's own max when larger); ``+%`` is its growth from the smallest size;
  ``crawl``: the highest RSS sampled before "Closing spider";
- ``post s``: seconds from "Closing spider" to the end of the process (finishing the run:
  items, state, reports, CDXJ, WACZ, hashes, manifest, browse pages, search index), and its
  share of the wall time;
- ``B/post``: bytes on disk per post page: the archiver's whole output directory (WARCs,
  WACZ, indexes, state, pages), the bare spider's WARC-less JSON, wget's WARC (``wget
  files`` adds the mirrored copy it also keeps), and ``bare WARC``: only the archiver's
  ``warc/`` files (the captured bytes, stored once); ``B/post by place``: the archiver's
  bytes per post by place in its output (WARCs, WACZ, items, CDXJ, manifest, crawl log,
  changes and run.json, posts.jsonl, state.sqlite, browse pages, index.html, other);
- ``archiver package``: after the first run, ``archiver package`` writes the run's WACZ beside
  the archive (not in it): its seconds (``post s`` column) and bytes per post;
- ``valid``: ``archiver verify`` of the archive after the run (not timed): ``ok``, or
  ``FAILED(exit code)`` with verify's report on stderr; a figure of an invalid archive is no
  figure.

A second, unchanged ``--full`` run of the archiver over the same output is timed too (row
``archiver --full``): its requests, and how many URLs were fetched more than once in it.

    python bench/crawl.py [--posts 1000,5000] [--latency-ms 20] [--concurrency 16]
                                [--compare DIR-OF-ANOTHER-CHECKOUT] [--wget-max-posts 1000]
                                [--only archiver,archiver@base]
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite  # noqa: E402

# Issue 15's baseline: "a bare Scrapy spider that only follows listing -> post -> images".
# Images on the start URL's host only (OffsiteMiddleware), as the archiver's requisites.
BARE_SPIDER = """
from urllib.parse import urlsplit

import scrapy

class BareNews(scrapy.Spider):
    name = "bare"
    custom_settings = {"ROBOTSTXT_OBEY": True, "LOG_LEVEL": "WARNING", "DOWNLOAD_DELAY": 0,
                       "AUTOTHROTTLE_ENABLED": False, "TELNETCONSOLE_ENABLED": False}

    def __init__(self, start_url, **kwargs):
        super().__init__(**kwargs)
        self.start_url = start_url
        self.allowed_domains = [urlsplit(start_url).hostname]

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
        for src in response.css("img::attr(src)").getall():
            yield response.follow(src, self.parse_image)

    def parse_image(self, response):
        pass
"""

CLOSING_MARK = "Closing spider"


@dataclass
class Row:
    tool: str
    posts: int
    wall: float = 0.0
    cpu: float = 0.0
    peak_kb: int = 0
    requests: int = 0
    post_pages: int = 0
    repeated_urls: int = 0
    valid: str = "-"
    """`archiver verify` of the archive after the run: ok, FAILED (exit code), - (not archiver)."""
    post_crawl: float | None = None
    disk: int = 0
    code: int = 0
    crawl_peak_kb: int = 0
    crawl_cpu: float | None = None
    extra: dict[str, float] = field(default_factory=dict)
    places: dict[str, int] = field(default_factory=dict)


TICK = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the archiver's page-reading worker, its resource tracker)."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except OSError:
                pass
    return tree


def tree_usage(pid: int) -> tuple[int, float]:
    """RSS (kB) and CPU seconds of ``pid`` and its live descendants, summed: a worker process
    uses memory and CPU for the crawl as much as the crawl's own process does."""
    rss, cpu = 0, 0.0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        # utime, stime, and cutime, cstime: children already ended and waited for.
        cpu += sum(int(f) for f in fields[11:15]) / TICK
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1])
    return rss, cpu


def sample_rss(pid: int, samples: list[tuple[float, int, float]], stop: threading.Event) -> None:
    """(time, RSS kB, CPU seconds so far) of process ``pid`` with its descendants every 0.1 s:
    the crawl's share (before "Closing spider") vs the run's end."""
    while not stop.is_set():
        if not Path(f"/proc/{pid}/stat").exists():
            return
        rss, cpu = tree_usage(pid)
        if rss:
            samples.append((time.time(), rss, cpu))
        stop.wait(0.1)


def run_timed(
    command: list[str],
    cwd: Path,
    samples: list[tuple[float, int, float]] | None = None,
    env: dict[str, str] | None = None,
) -> tuple[float, float, int, int, float, str]:
    """Run ``command``: wall seconds, CPU seconds, peak RSS (kB), exit code, end time (epoch),
    stderr tail. ``samples`` gets its RSS over time."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr, env=env
        )
        stop = threading.Event()
        sampler = threading.Thread(
            target=sample_rss, args=(process.pid, samples if samples is not None else [], stop)
        )
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        stop.set()
        sampler.join()
        ended = time.time()
        elapsed = time.perf_counter() - started
        stderr.seek(0)
        tail = stderr.read().decode("utf-8", "replace")[-2000:]
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss, os.waitstatus_to_exitcode(status), ended, tail


def tree_bytes(directory: Path, pattern: str = "*") -> int:
    return sum(p.stat().st_size for p in directory.rglob(pattern) if p.is_file())


# Where the archiver's bytes are, by the archive's layout (archiver/archive/layout.py).
PLACES = (
    ("warc", "runs/*/warc/*"),
    ("wacz", "runs/*/archive.wacz"),
    ("items", "runs/*/items.jsonl"),
    ("cdxj", "runs/*/indexes/*"),
    ("manifest", "runs/*/manifest.json"),
    ("crawl-log", "runs/*/crawl-log*.jsonl"),
    ("changes+run", "runs/*/[cr][hu][an]*.json"),
    ("posts.jsonl", "posts.jsonl"),
    ("state.sqlite", "state.sqlite*"),
    ("browse posts/", "posts/**/*"),
    ("index.html", "index.html"),
)


def place_bytes(output: Path) -> dict[str, int]:
    """Bytes of each place of an archive (PLACES; "other": the rest)."""
    seen: set[Path] = set()
    places: dict[str, int] = {}
    for name, pattern in PLACES:
        files = [p for p in output.glob(pattern) if p.is_file() and p not in seen]
        seen.update(files)
        places[name] = sum(p.stat().st_size for p in files)
    rest = [p for p in output.rglob("*") if p.is_file() and p not in seen]
    places["other"] = sum(p.stat().st_size for p in rest)
    return places


def closing_time(log_file: Path) -> float | None:
    """When the engine began closing the spider (the log's ``%(created)f`` stamp)."""
    if not log_file.is_file():
        return None
    for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines():
        if CLOSING_MARK in line:
            try:
                return float(line.split(" ", 1)[0])
            except ValueError:
                return None
    return None


def archiver_command(url: str, output: Path, log_file: Path, concurrency: int, *extra: str):
    settings = {
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "0",
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "LOG_LEVEL": "INFO",
        "LOG_FILE": str(log_file),
        "LOG_FORMAT": "%(created).3f %(name)s %(levelname)s: %(message)s",
        "ARCHIVER_PROGRESS": "off",
    }
    command = [sys.executable, "-m", "archiver", "crawl", "--start-url", url]
    command += ["--output", str(output), *extra]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def bench_size(posts: int, args: argparse.Namespace, work: Path) -> list[Row]:
    site = ReplicaSite(ReplicaOptions(posts=posts, latency_ms=args.latency_ms))
    work.mkdir(parents=True)
    (work / "bare_spider.py").write_text(BARE_SPIDER)
    rows: list[Row] = []
    with ReplicaServer(site) as server:
        url = server.listing_url
        tools: dict[str, list[str]] = {
            "bare scrapy spider": [
                sys.executable, "-m", "scrapy", "runspider", str(work / "bare_spider.py"),
                "-a", f"start_url={url}",
                "-s", f"CONCURRENT_REQUESTS={args.concurrency}",
                "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={args.concurrency}",
                "-o", str(work / "bare" / "bare.jsonl"),
            ],
        }  # fmt: skip
        # (tool, code root): the archiver of this tree, and another tree's to compare with.
        trees = [("archiver", REPO_ROOT)]
        if args.compare:
            trees.insert(0, ("archiver@base", Path(args.compare).resolve()))
        envs: dict[str, dict[str, str]] = {}
        tools_with_package = {
            tool for tool, root in trees if (root / "archiver" / "cli" / "package.py").exists()
        }
        outputs: dict[str, tuple[Path, Path]] = {}
        for tool, root in trees:
            for suffix, extra in (("", []), (" --full", ["--full"])):
                name = tool + suffix
                log_file = work / f"{tool}{suffix.replace(' ', '')}.log"
                tools[name] = archiver_command(url, work / tool, log_file, args.concurrency, *extra)
                envs[name] = {**os.environ, "PYTHONPATH": str(root)}
                outputs[name] = (work / tool, log_file)
        if shutil.which("wget") and not args.no_wget and posts <= args.wget_max_posts:
            tools["wget --warc-file"] = [
                "wget", "--recursive", "--level=inf", "--page-requisites", "--no-verbose",
                "--accept-regex", r"/(topic/news|content/|sites/|misc/|themes/|modules/)",
                "--reject-regex", r"/(user|search|admin)",
                "--directory-prefix", str(work / "wget" / "files"),
                "--warc-file", str(work / "wget" / "crawl"), "--no-warc-keep-log", url,
            ]  # fmt: skip
        if args.only:
            wanted = {name.strip() for name in args.only.split(",")}
            tools = {name: command for name, command in tools.items() if name in wanted}
        for name, command in tools.items():
            (work / "wget").mkdir(exist_ok=True)
            (work / "bare").mkdir(exist_ok=True)
            server.clear_log(reset_attempts=True)
            # Outside the repository, so `scrapy runspider` does not load archiver's settings.
            samples: list[tuple[float, int, float]] = []
            wall, cpu, peak_kb, code, ended, tail = run_timed(
                command, work, samples, envs.get(name)
            )
            if code not in (0, 8):  # wget's 8: some answers were errors (the deleted post)
                print(f"{name} ({posts} posts) exited {code}:\n{tail}", file=sys.stderr)
            log = server.request_log
            # The process's own peak (wait4), or its tree's (worker processes) when larger.
            peak_kb = max(peak_kb, max((kb for _, kb, _ in samples), default=0))
            row = Row(name, posts, wall, cpu, peak_kb, len(log), code=code)
            row.post_pages = len(
                {e.path for e in log if e.path.startswith("/content/") and e.status == 200}
            )
            row.repeated_urls = sum(
                1 for n in collections.Counter(e.path for e in log).values() if n > 1
            )
            if name in outputs:
                output, log_file = outputs[name]
                closing = closing_time(log_file)
                row.post_crawl = ended - closing if closing is not None else None
                crawling = [s for s in samples if closing is None or s[0] < closing]
                row.crawl_peak_kb = max((kb for _, kb, _ in crawling), default=0)
                row.crawl_cpu = crawling[-1][2] if crawling else None
                row.disk = tree_bytes(output)
                # Every archive measured must be a valid one (outside the timed run).
                verified = subprocess.run(
                    [sys.executable, "-m", "archiver", "verify", str(output)],
                    env=envs.get(name), capture_output=True, text=True,
                )  # fmt: skip
                row.valid = "ok" if verified.returncode == 0 else f"FAILED({verified.returncode})"
                if verified.returncode != 0:
                    print(f"{name}: archiver verify: {verified.stdout[-1500:]}", file=sys.stderr)
                row.extra["warc"] = tree_bytes(output, "*.warc.gz")
                row.places = place_bytes(output)
                if not name.endswith("--full") and name in tools_with_package:
                    # The WACZ on demand, written beside the archive (not counted in it).
                    wacz = work / f"{name}.wacz"
                    started = time.perf_counter()
                    done = subprocess.run(
                        [sys.executable, "-m", "archiver", "package", str(output),
                         "--output", str(wacz)],
                        env=envs.get(name), capture_output=True, text=True,
                    )  # fmt: skip
                    if done.returncode == 0:
                        row.extra["package s"] = time.perf_counter() - started
                        row.extra["package"] = wacz.stat().st_size
                    else:
                        print(f"{name}: archiver package: {done.stderr[-500:]}", file=sys.stderr)
            elif name.startswith("wget"):
                row.disk = tree_bytes(work / "wget", "*.warc.gz")
                row.extra["files"] = tree_bytes(work / "wget" / "files")
            else:
                row.disk = tree_bytes(work / "bare")
            rows.append(row)
    return rows


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    print(
        f"Replica latency {args.latency_ms} ms, concurrency {args.concurrency} (both "
        f"CONCURRENT_REQUESTS and _PER_DOMAIN), Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"
    )
    header = (
        f"{'tool':<20}{'posts':>7}{'reqs':>7}{'wall s':>8}{'req/s':>7}{'x bare':>7}"
        f"{'CPU ms/req':>11}{'x bare':>7}{'crawl':>6}{'x bare':>7}"
        f"{'peak MiB':>9}{'+%':>6}{'crawl':>6}"
        f"{'post s':>8}{'post %':>7}"
        f"{'B/post':>8}{'dup URLs':>9}{'valid':>7}"
    )
    print(header)
    smallest: dict[str, float] = {}
    for row in rows:
        # Without the bare spider's row (--only), the ratios are to the row itself (1.00).
        base = next((r for r in rows if r.posts == row.posts and r.tool.startswith("bare")), row)
        rate = row.requests / row.wall
        base_rate = base.requests / base.wall
        cpu_ms = 1000 * row.cpu / max(1, row.requests)
        base_cpu = 1000 * base.cpu / max(1, base.requests)
        peak = row.peak_kb / 1024
        smallest.setdefault(row.tool, peak)
        growth = 100 * (peak / smallest[row.tool] - 1)
        post = f"{row.post_crawl:.2f}" if row.post_crawl is not None else "-"
        share = f"{100 * row.post_crawl / row.wall:.1f}" if row.post_crawl is not None else "-"
        per_post = row.disk / max(1, row.posts)
        crawl_peak = f"{row.crawl_peak_kb / 1024:.0f}" if row.crawl_peak_kb else "-"
        if row.crawl_cpu is not None:
            crawl_cpu_ms = 1000 * row.crawl_cpu / max(1, row.requests)
            crawl_ms, crawl_ratio = f"{crawl_cpu_ms:>6.2f}", f"{crawl_cpu_ms / base_cpu:>7.2f}"
        else:
            crawl_ms, crawl_ratio = f"{'-':>6}", f"{'-':>7}"
        print(
            f"{row.tool:<20}{row.posts:>7}{row.requests:>7}{row.wall:>8.1f}{rate:>7.0f}"
            f"{rate / base_rate:>7.2f}{cpu_ms:>11.2f}{cpu_ms / base_cpu:>7.2f}"
            f"{crawl_ms}{crawl_ratio}{peak:>9.0f}"
            f"{growth:>6.0f}{crawl_peak:>6}{post:>8}{share:>7}{per_post:>8.0f}{row.repeated_urls:>9}"
            f"{row.valid:>7}"
        )
        for label, key in (
            ("  bare WARC", "warc"),
            ("  wget files", "files"),
            ("  archiver package", "package"),
        ):
            if key in row.extra and not row.tool.endswith("--full"):
                seconds = row.extra.get(f"{key} s")
                timing = f"{seconds:>8.2f}{'':>7}" if seconds is not None else f"{'':>15}"
                print(
                    f"{label:<20}{row.posts:>7}{'':>77}{timing}{row.extra[key] / row.posts:>8.0f}"
                )
        if row.places:
            parts = [f"{name} {size / row.posts:.0f}" for name, size in row.places.items() if size]
            print(f"{'':<4}B/post by place: " + ", ".join(parts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", default="1000", help="replica sizes, comma separated")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--no-wget", action="store_true", help="leave wget out (it is slow)")
    parser.add_argument(
        "--wget-max-posts", type=int, default=1000, help="wget only up to this size (slow)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--only",
        metavar="TOOLS",
        help="run only these rows, comma separated (e.g. 'archiver,archiver@base' for a "
        "50,000-post memory figure without the bare spider and the --full runs)",
    )
    parser.add_argument(
        "--compare",
        metavar="DIR",
        help="another checkout of the archiver (e.g. `git archive main | tar -x -C DIR`): its "
        "rows (archiver@base) are measured in the same run, on the same replica",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.posts.split(",") if size.strip()]
    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    os.environ["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    rows: list[Row] = []
    try:
        for size in sizes:
            rows += bench_size(size, args, work / str(size))
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
