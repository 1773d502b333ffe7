"""What reading post pages in a worker process costs and saves (archiver.spiders.extraction).

The replica's post pages are fetched once over loopback, then read ``--rounds`` times in this
process (``parse_post_page``) and through a ``PostExtractor`` with one worker, 16 pages
waiting at a time as in a crawl. Printed per page: the wall time, this process's CPU (what
the crawl's process pays: for the worker, sending each page and taking its fields back), and
the worker's CPU (its start included). A worker pays off when the crawl's process is the
bottleneck and the CPU it saves per page is larger than what sending costs it.

    python bench/extraction.py --posts 300 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from archiver.pages import parse_listing_page, parse_post_page  # noqa: E402
from archiver.pages.selectors import DRUPAL7  # noqa: E402
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite  # noqa: E402
from archiver.spiders.extraction import PostExtractor  # noqa: E402


def cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def fetch_posts(posts: int) -> list[tuple[str, str]]:
    """(html, url) of every post page the replica lists."""
    pages: list[tuple[str, str]] = []
    with ReplicaServer(ReplicaSite(ReplicaOptions(posts=posts))) as server:
        url: str | None = server.listing_url
        while url:
            with urllib.request.urlopen(url) as answer:
                listing = parse_listing_page(answer.read().decode("utf-8"), url)
            for teaser in listing.teasers:
                try:
                    with urllib.request.urlopen(teaser.url) as answer:
                        pages.append((answer.read().decode("utf-8"), teaser.url))
                except OSError:
                    pass  # the replica's deleted post
            url = listing.next_url
    return pages


async def through_worker(extractor: PostExtractor, pages: list[tuple[str, str]]) -> None:
    waiting = asyncio.Semaphore(16)

    async def one(html: str, url: str) -> None:
        async with waiting:
            await extractor.parse(html, url)

    await asyncio.gather(*(one(html, url) for html, url in pages))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pages = fetch_posts(args.posts)
    size = sum(len(html) for html, _ in pages) / len(pages)
    print(f"{len(pages)} post pages, {size:,.0f} characters each on average")
    print(f"{'round':<6}{'how':<10}{'wall ms/page':>14}{'own CPU ms/page':>17}{'worker CPU':>12}")
    for round_ in range(1, args.rounds + 1):
        before, started = cpu(), time.perf_counter()
        for html, url in pages:
            parse_post_page(html, url, DRUPAL7)
        after, wall = cpu(), time.perf_counter() - started
        own = after[0] - before[0]
        print(f"{round_:<6}{'inline':<10}{1000 * wall / len(pages):>14.3f}"
              f"{1000 * own / len(pages):>17.3f}{'-':>12}")  # fmt: skip
        extractor = PostExtractor(1, DRUPAL7)
        before, started = cpu(), time.perf_counter()
        asyncio.run(through_worker(extractor, pages))
        extractor.close()
        after, wall = cpu(), time.perf_counter() - started
        own, worker = after[0] - before[0], after[1] - before[1]
        print(f"{round_:<6}{'worker':<10}{1000 * wall / len(pages):>14.3f}"
              f"{1000 * own / len(pages):>17.3f}{1000 * worker / len(pages):>12.3f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
