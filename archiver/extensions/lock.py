"""ArchiveLockExtension: one run at a time per archive, also for ``scrapy crawl news``.

``archiver crawl`` takes the archive's lock itself (so it can say clearly who holds it and
exit with code 4) and sets ``ARCHIVER_LOCK_HELD``; a crawl started any other way takes it
here, when the crawler is built, before anything is written. The lock is released after the
run has been finalised (the handler is connected last, so it runs after the run log's).

Settings read: ``ARCHIVER_OUTPUT_DIR``, ``ARCHIVER_RUN_ID``, ``ARCHIVER_LOCK_WAIT``,
``ARCHIVER_LOCK_HELD``.
"""

from __future__ import annotations

from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archiver.archive.layout import ArchivePaths
from archiver.archive.lock import ArchiveLock


class ArchiveLockExtension:
    """Hold OUTPUT/.archiver.lock for the life of the crawl."""

    def __init__(self, crawler: Crawler, lock: ArchiveLock) -> None:
        self.crawler = crawler
        self.lock = lock

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveLockExtension:
        settings = crawler.settings
        if settings.getbool("ARCHIVER_LOCK_HELD"):
            raise NotConfigured  # the archiver CLI holds the lock
        archive = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR")))
        lock = ArchiveLock(
            archive.lock_file,
            run_id=settings.get("ARCHIVER_RUN_ID"),
            wait=settings.getfloat("ARCHIVER_LOCK_WAIT"),
        )
        lock.acquire()  # raises ArchiveLocked, naming the holder
        extension = cls(crawler, lock)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self) -> None:
        # Connected now, after every other component's handlers: released last.
        self.crawler.signals.connect(self.release, signal=signals.engine_stopped)

    def release(self) -> None:
        self.lock.release()
