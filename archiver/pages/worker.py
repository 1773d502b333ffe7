"""The worker side of archiver.spiders.extraction: what a page-reading worker process runs.

Kept apart from the crawl's side so that a worker imports only the page readers (lxml and
archiver.pages, ~40 ms), not Scrapy and Twisted (~200 ms more, on every crawl's start).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

from archiver.pages.post import PostPage
from archiver.pages.selectors import Selectors

WATCH_INTERVAL = 0.5
"""Seconds between a worker's looks at whether the crawl's process is still there."""

PageReader = Callable[[str, str, Selectors], PostPage]
"""What reads a page: :func:`archiver.pages.parse_post_page` (tests give others). A module's
function, as workers receive it by name."""

# What this worker reads pages with, set once in each worker by the pool's initializer.
_reader: tuple[PageReader, Selectors] | None = None


def start_worker(read: PageReader, selectors: Selectors, crawl_pid: int) -> None:
    global _reader
    _reader = (read, selectors)
    # Ctrl-C in a terminal signals the whole process group: the worker too. The crawl then
    # shuts down gracefully and still needs the worker for the pages waiting in it; and a
    # KeyboardInterrupt raised while reading a page would go back to the crawl as that page's
    # outcome, out of its event loop (a crawl that never ends). The crawl ends its workers
    # (its close, or the watch below); SIGTERM is left as is: the pool ends workers with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(crawl_pid,), daemon=True).start()


def _end_with(crawl_pid: int) -> None:
    """End the worker when the crawl's process is gone. A crawl killed outright (SIGKILL, the
    OOM killer) cannot stop its workers, and a worker waiting for pages never learns it by
    itself: its queue's pipe is also held open by the worker's own end."""
    while os.getppid() == crawl_pid:
        time.sleep(WATCH_INTERVAL)
    os._exit(0)


def ready() -> int:
    """The worker's process id: an answer that says it started."""
    return os.getpid()


def read_in_worker(text: str, url: str) -> PostPage:
    """Read one page, with what the pool's initializer gave."""
    assert _reader is not None, "the pool's initializer sets the reader"
    read, selectors = _reader
    return read(text, url, selectors)
