"""A distributed crawl (``archiver crawl --redis URL``): several crawler processes, one run.

The queue and the duplicate filter are scrapy-redis's (Scheduler + RFPDupeFilter, keys
namespaced per archive and run: :mod:`archiver.archive.workers`). :class:`SharedScheduler` adds
what a plain scrapy-redis crawl lacks for a finite crawl: a worker must not close while the
shared queue can still grow. It counts the run's outstanding requests in Redis (counted when
offered to the queue, before the duplicate filter; uncounted by the worker that took them once
its engine is idle, i.e. every callback has run and what it yielded is queued and counted) and
keeps an idle worker open (``DontCloseSpider``) while the count is above 0: the crawl ends when
the queue is empty AND no worker has a request in flight. A worker that finds the queue empty
looks again every ``POLL_INTERVAL`` seconds (Scrapy's engine would look only at its 5 s
heartbeat): a request it finds is handed to its engine with ``engine.crawl`` (kept aside by the
scheduler, not queued or counted twice); a count of 0 closes it at once (not at the next
heartbeat, which would add up to 5 s to every run's end: the last worker finishes the run).

A worker takes from the shared queue only what its downloader can send now: while a download
slot has requests waiting (``CONCURRENT_REQUESTS_PER_DOMAIN`` reached, or ``DOWNLOAD_DELAY``)
it takes nothing, so that one worker does not hoard ``CONCURRENT_REQUESTS`` requests that the
per-site politeness lets it fetch only a few at a time while the other workers sit idle.

Everything else stays per worker, named by ``ARCHIVER_WORKER_ID``: its WARC files, its items
file (``items-<worker>.jsonl.partial``) and its crawl log. The last worker to stop finishes the
run once, through the run lifecycle (the run log extension; ``archive/workers.py``).

``scrapy_redis`` and ``redis`` (the ``scale`` extra) are imported only when ``--redis`` is given.
"""

from __future__ import annotations

from typing import Any

from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.reactor import CallLaterOnce

from archiver.archive.workers import RunWorkers, archive_namespace, connect

# Seconds between a worker's looks at an empty shared queue (two Redis round trips each).
POLL_INTERVAL = 0.05
_HANDOFF = "archiver_handoff"

try:
    from scrapy_redis.scheduler import Scheduler as _RedisScheduler
except ImportError:  # the `scale` extra is not installed: --redis says so (archive.workers)
    _RedisScheduler = object


def join_distributed_run(settings: Settings, redis_url: str) -> None:
    """Make ``settings`` a worker of the archive's distributed run (joining it, or starting it
    when none is running): the run id, the worker id and the scrapy-redis settings."""
    output = settings.get("ARCHIVER_OUTPUT_DIR")
    if _RedisScheduler is object:
        connect(redis_url)  # raises ValueError naming the extra when redis is missing
        raise ValueError("--redis needs scrapy-redis: pip install 'archiver[scale]'")
    import redis

    if int(redis.__version__.split(".")[0]) < 4:
        raise ValueError(
            f"--redis needs redis>=4.2 (found {redis.__version__}; pywb, the replay extra, "
            "pins 2.10.6): use a virtualenv with 'archiver[scale]' and without replay"
        )
    workers = RunWorkers.connect(redis_url, output)
    try:
        run_id, worker = workers.join(
            settings.get("ARCHIVER_RUN_ID"), settings.get("ARCHIVER_WORKER_ID") or None
        )
    except Exception as error:  # redis.ConnectionError and friends: one line, exit 2
        raise ValueError(f"--redis {redis_url}: {error}") from None
    keys = workers.keys(run_id)
    values: dict[str, Any] = {
        "ARCHIVER_REDIS_URL": redis_url,
        "ARCHIVER_RUN_ID": run_id,
        "ARCHIVER_WORKER_ID": worker,
        # The workers share one run: the Redis run key, not the archive's lock, keeps them one.
        "ARCHIVER_LOCK_HELD": True,
        "SCHEDULER": "archiver.extensions.distributed.SharedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": redis_url,
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        # A worker that stops must leave the queue to the others; the last one removes it.
        "SCHEDULER_PERSIST": True,
    }
    for name, value in values.items():
        settings.set(name, value, priority="cmdline")


class SharedScheduler(_RedisScheduler):
    """scrapy-redis's scheduler, counting the run's outstanding requests (module docstring)."""

    workers: RunWorkers
    run_id: str
    taken: int
    crawler: Crawler
    handed: list[Any]
    poller: CallLaterOnce[None]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        instance: SharedScheduler = super().from_crawler(crawler)
        settings = crawler.settings
        instance.workers = RunWorkers(
            instance.server, archive_namespace(settings.get("ARCHIVER_OUTPUT_DIR"))
        )
        instance.run_id = settings.get("ARCHIVER_RUN_ID")
        instance.taken = 0
        instance.crawler = crawler
        instance.handed = []
        instance.poller = CallLaterOnce(instance.poll)
        crawler.signals.connect(instance.spider_idle, signal=scrapy_signals.spider_idle)
        return instance

    def enqueue_request(self, request: Any) -> bool:
        if request.meta.pop(_HANDOFF, False):
            self.handed.append(request)  # taken from the queue by poll(): counted already
            return True
        # Counted before the duplicate filter sees it: a request another worker finds "seen"
        # is already counted, so that worker cannot find the run finished meanwhile.
        self.workers.count(self.run_id, 1)
        if super().enqueue_request(request):
            return True
        self.workers.count(self.run_id, -1)
        return False

    def next_request(self) -> Any:
        if self.handed:
            return self.handed.pop()
        if self.downloader_backlogged():
            return None  # left to the other workers; the engine asks again after a download
        request = super().next_request()
        if request is None:
            self.poller.schedule(POLL_INTERVAL)  # another worker may queue more meanwhile
        else:
            self.taken += 1
        return request

    def downloader_backlogged(self) -> bool:
        """Whether this worker's downloader holds requests it cannot send yet (a slot at its
        concurrency, or waiting out its delay): taking more would keep them from the others."""
        downloader = getattr(self.crawler.engine, "downloader", None)
        return any(slot.queue for slot in getattr(downloader, "slots", {}).values())

    def has_pending_requests(self) -> bool:
        return bool(self.handed) or bool(super().has_pending_requests())

    def close(self, reason: str) -> Any:
        self.poller.cancel()
        return super().close(reason)

    def poll(self) -> None:
        """A look at the shared queue by a worker that found it empty: a request found goes
        to this worker's engine; none, and the run still has outstanding requests: look again
        later; none outstanding: the crawl is over, close now if this worker is idle."""
        engine = self.crawler.engine
        if self.downloader_backlogged():
            return  # busy: its engine asks the queue after each download
        request = super().next_request()
        if request is not None:
            self.taken += 1
            request.meta[_HANDOFF] = True
            engine.crawl(request)
        elif self.workers.outstanding(self.run_id) > 0:
            self.poller.schedule(POLL_INTERVAL)
        elif self.taken == 0 and not self.handed and engine.spider_is_idle():
            # What the engine's heartbeat would do up to 5 s later (spider_idle, no request
            # outstanding anywhere: nothing to keep this worker open).
            deferred_from_coro(engine.close_spider_async(reason="finished"))

    def spider_idle(self) -> None:
        """This worker's engine is idle: what it took is done. Stay open while the run still
        has outstanding requests (queued, or in another worker's hands)."""
        taken, self.taken = self.taken, 0
        remaining = self.workers.count(self.run_id, -taken)
        if remaining > 0:
            self.poller.schedule(POLL_INTERVAL)
            raise DontCloseSpider
