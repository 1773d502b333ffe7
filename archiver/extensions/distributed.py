"""A distributed crawl (``archiver crawl --redis URL``): several crawler processes, one run.

The queue and the duplicate filter are scrapy-redis's (Scheduler + RFPDupeFilter, keys
namespaced per archive and run: :mod:`archiver.archive.workers`). :class:`SharedScheduler` adds
what a plain scrapy-redis crawl lacks for a finite crawl: a worker must not close while the
shared queue can still grow. It counts the run's outstanding requests in Redis (counted when
offered to the queue, before the duplicate filter; uncounted by the worker that took them once
its engine is idle, i.e. every callback has run and what it yielded is queued and counted) and
keeps an idle worker open (``DontCloseSpider``) while the count is above 0: the crawl ends when
the queue is empty AND no worker has a request in flight. An idle worker looks at the queue
every ``POLL_INTERVAL`` seconds (Scrapy's engine would look only at its 5 s heartbeat): a
request it finds is handed to its engine with ``engine.crawl`` (kept aside by the scheduler,
not queued or counted twice).

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
from scrapy.utils.reactor import CallLaterOnce

from archiver.archive.workers import RunWorkers, archive_namespace, connect

# Seconds between an idle worker's looks at the shared queue.
POLL_INTERVAL = 0.2
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
        request = super().next_request()
        if request is not None:
            self.taken += 1
        return request

    def has_pending_requests(self) -> bool:
        return bool(self.handed) or bool(super().has_pending_requests())

    def close(self, reason: str) -> Any:
        self.poller.cancel()
        return super().close(reason)

    def poll(self) -> None:
        """An idle worker's look at the shared queue: a request found goes to this worker's
        engine; none, and the run still has outstanding requests: look again later."""
        request = super().next_request()
        if request is not None:
            self.taken += 1
            request.meta[_HANDOFF] = True
            self.crawler.engine.crawl(request)
        elif self.workers.outstanding(self.run_id) > 0:
            self.poller.schedule(POLL_INTERVAL)

    def spider_idle(self) -> None:
        """This worker's engine is idle: what it took is done. Stay open while the run still
        has outstanding requests (queued, or in another worker's hands)."""
        taken, self.taken = self.taken, 0
        remaining = self.workers.count(self.run_id, -taken)
        if remaining > 0:
            self.poller.schedule(POLL_INTERVAL)
            raise DontCloseSpider
