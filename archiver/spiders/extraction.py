"""PostExtractor: post pages read in a worker process, beside the crawl.

Why: a crawl runs in one Python process, and Scrapy, the WARC capture and the pipelines keep
that process's core busy: reading a post page (lxml's parse, the XPath queries, the
requisites) was about a seventh of its CPU (bench/README.md). Reading a page is a pure function
over its text (:func:`archiver.pages.parse_post_page`), so a worker process can do it on
another core while the crawl goes on, and holds nothing of the run.

A worker is also a wall. A page that kills the parser (a fault in a C library, a page made to
exhaust memory) takes down the worker, not the crawl. Every page that was waiting in the
broken worker is read again, each in a worker of its own, so only the page that breaks a
worker twice is lost to extraction: its post is kept from the listing's teaser and flagged
``extraction_failed`` (its bytes are in the WARC all the same). A worker that cannot start at
all (no ``fork``/``spawn`` here) leaves the pages to the crawl's own process, with a warning.

A worker is a fresh interpreter ("spawn"), which imports the program's main module as
multiprocessing does: ``archiver``, ``python -m archiver``, ``scrapy crawl`` and Scrapyd's
runner guard theirs; a program that runs a crawl from its own script must guard it with ``if
__name__ == "__main__"`` (unguarded, the worker's import would start the crawl again: the spider
refuses, saying so). A worker ends with the crawl's process, even one killed outright, and
ignores Ctrl-C (the terminal signals the whole process group): the crawl ends it.

Settings read by the spider: ``ARCHIVER_PARSE_WORKERS`` ("auto": one worker when the process
may use two or more cores, none on one; or a number, 0 = read pages in the crawl's process).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from archiver.pages import parse_post_page
from archiver.pages.post import PostPage
from archiver.pages.selectors import Selectors
from archiver.pages.worker import PageReader, read_in_worker, ready, start_worker

logger = logging.getLogger(__name__)

T = TypeVar("T")


def parse_workers(value: object, cores: int | None = None) -> int:
    """``ARCHIVER_PARSE_WORKERS`` as a number of worker processes.

    "auto" gives one worker when two or more cores are ours: the crawl's process keeps one
    busy, and one worker keeps up with it (a page takes about a millisecond to read)."""
    text = str(value).strip().lower()
    if text in ("", "auto"):
        usable = cores if cores is not None else _usable_cores()
        return 1 if usable >= 2 else 0
    try:
        count = int(text)
    except ValueError:
        raise ValueError(
            f"ARCHIVER_PARSE_WORKERS must be 'auto' or a number, not {value!r}"
        ) from None
    if count < 0:
        raise ValueError(f"ARCHIVER_PARSE_WORKERS must not be negative, not {count}")
    return count


def starting_a_worker() -> bool:
    """Whether this process is a worker still importing the program's main module.

    A spawned worker imports the main module as it starts; a script that runs its crawl
    without ``if __name__ == "__main__"`` would run it again there: a second crawl (into
    another archive, if its output is named by date or process) while the pages wait."""
    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


UNGUARDED_SCRIPT = (
    "A crawl was started while a page-reading worker imported the program's main module: "
    'run the crawl under `if __name__ == "__main__":` in your script (see '
    "archiver.spiders.extraction); the worker does not crawl"
)


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class PostExtractor:
    """Reads post pages: in worker processes when there are any, else in this process."""

    def __init__(
        self, workers: int, selectors: Selectors, read: PageReader = parse_post_page
    ) -> None:
        self.workers = workers
        self.selectors = selectors
        self.read = read
        self.pages_in_workers = 0
        """Pages read by a worker (the others were read in this process)."""
        self.started = False
        """Whether workers were started (the first page to read starts them)."""
        self._pool: ProcessPoolExecutor | None = None
        self._answered = False
        """Whether a worker ever answered: a pool that never did cannot run here."""
        self.worker_failures = 0
        """Workers lost while reading pages (each page waiting in one is read again)."""

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        # "spawn": a fresh interpreter. Forking the crawl's process (a running reactor,
        # threads, open SQLite connections) is not safe.
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=start_worker,
            initargs=(self.read, self.selectors, os.getpid()),
        )

    def start(self) -> None:
        """Start the workers (not waiting for them). The first page to read does it: a run
        that reads no post page (a cron run finding nothing new) starts no process."""
        if not self.workers or self._pool is not None:
            return
        try:
            self._pool = self._new_pool(self.workers)
            self.started = True
            self._pool.submit(ready).add_done_callback(self._note_answer)
        except Exception as error:  # no processes here (limits, no semaphores): read here
            self._read_here(error)

    def _note_answer(self, done: Future[Any]) -> None:
        if not done.cancelled() and done.exception() is None:
            self._answered = True

    async def parse(self, text: str, url: str) -> PostPage | None:
        """The page's fields; None when the page broke a worker twice (see the module)."""
        self.start()
        pool = self._pool
        if pool is None:
            return self.read(text, url, self.selectors)
        try:
            try:
                future = pool.submit(read_in_worker, text, url)
            except BrokenProcessPool:
                if not self._answered:
                    raise
                # A worker that had answered died between pages (killed from outside): a new
                # pool reads this page, as any other.
                self._lost(pool, None)
                assert self._pool is not None
                future = self._pool.submit(read_in_worker, text, url)
        except Exception as error:  # the pool could not start a worker
            self._read_here(error)
            return self.read(text, url, self.selectors)
        try:
            post = await _awaitable(future)
            self._answered = True
            self.pages_in_workers += 1
            return post
        except BrokenProcessPool as error:
            if not self._answered:  # it never worked: workers cannot run here
                self._read_here(error)
                return self.read(text, url, self.selectors)
            self._lost(pool, url)
        # Alone in a worker of its own: only the page that breaks a worker breaks this one.
        alone = self._new_pool(1)
        try:
            post = await _awaitable(alone.submit(read_in_worker, text, url))
            self.pages_in_workers += 1
            return post
        except BrokenProcessPool:
            logger.error("Post %s broke a page-reading worker twice: not read", url)
            return None
        finally:
            alone.shutdown(wait=False)

    def _lost(self, pool: ProcessPoolExecutor, url: str | None) -> None:
        """A worker died with ``url`` waiting in it (perhaps as its cause), or between pages
        (``url`` None): a new pool."""
        if pool is not self._pool:
            return  # already replaced, on an earlier page's news
        self.worker_failures += 1
        if url is None:
            logger.warning("A page-reading worker died between pages: a new one reads them")
        else:
            logger.warning(
                "A page-reading worker died (%s was waiting in it): its pages are read again, "
                "each alone",
                url,
            )
        pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool(self.workers)

    def _read_here(self, error: BaseException) -> None:
        if self.workers:
            logger.warning(
                "Page-reading workers cannot run here (%s): pages are read in the crawl's process",
                error or type(error).__name__,
            )
        self.workers = 0
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        """Stop the workers (the crawl has ended: nothing is waiting in them)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


async def _awaitable(future: Future[T]) -> T:
    """Await a concurrent future from a Scrapy callback: on the asyncio loop when one runs
    (Scrapy's default reactor), else through a Deferred settled in the reactor's thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return await _through_reactor(future)
    return await asyncio.wrap_future(future)


async def _through_reactor(future: Future[T]) -> T:
    from twisted.internet import reactor

    deferred: Deferred[Any] = Deferred()

    def settle(done: Future[T]) -> None:
        error = done.exception()
        if error is not None:
            deferred.errback(error)
        else:
            deferred.callback(done.result())

    future.add_done_callback(lambda done: reactor.callFromThread(settle, done))
    result: T = await maybe_deferred_to_future(deferred)
    return result
