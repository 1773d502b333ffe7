"""ProgressExtension: a live line on the terminal while a crawl runs.

Pages fetched, posts saved (and how many are new), errors, pages per second and elapsed time,
read from the crawl's stats twice a second and drawn with ``rich`` on stderr. When stderr is not
a terminal (cron, a pipe, a log file) the extension is off under ``auto``: no progress bar, no
carriage returns, no escape sequences; Scrapy's log says what happened.

Settings read: ``ARCHIVER_PROGRESS`` (``auto`` | ``on`` | ``off``).
"""

from __future__ import annotations

import sys
import time
from typing import IO, TYPE_CHECKING, Any

from scrapy import Spider
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet import task

# rich is imported where a line is drawn: a crawl without a terminal (cron) never draws one, and
# importing rich took ~14 ms at every crawl's start.
if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

MODES = ("auto", "on", "off")
REFRESH_SECONDS = 0.5


def progress_wanted(mode: str, stream: IO[str]) -> bool:
    """Whether to draw progress on ``stream`` for ``ARCHIVER_PROGRESS`` = ``mode``."""
    mode = mode.strip().lower()
    if mode not in MODES:
        raise ValueError(f"ARCHIVER_PROGRESS must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "auto":
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty())
    return mode == "on"


def progress_text(stats: dict[str, Any], elapsed: float) -> Text:
    """The progress line for the crawl's ``stats`` after ``elapsed`` seconds."""
    from rich.text import Text

    pages = int(stats.get("downloader/response_count", 0))
    posts = int(stats.get("item_scraped_count", 0))
    new = int(stats.get("archiver/posts/new", 0))
    errors = int(stats.get("log_count/ERROR", 0)) + sum(
        int(v) for k, v in stats.items() if k.startswith("archiver/failed/")
    )
    rate = pages / elapsed if elapsed > 0 else 0.0
    minutes, seconds = divmod(int(elapsed), 60)
    hours, minutes = divmod(minutes, 60)
    text = Text("archiver ", style="bold")
    text.append(f"pages {pages}  ")
    text.append(f"posts {posts}  ", style="green")
    text.append(f"new {new}  ", style="bold green" if new else "")
    text.append(f"errors {errors}  ", style="bold red" if errors else "")
    text.append(f"{rate:.1f} pages/s  {hours:d}:{minutes:02d}:{seconds:02d}", style="dim")
    return text


class ProgressExtension:
    """Draws :func:`progress_text` live on stderr while the spider runs."""

    def __init__(self, stats: StatsCollector, console: Console) -> None:
        self.stats = stats
        self.console = console
        self.live: Live | None = None
        self.started = time.monotonic()
        self.task: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        mode = str(crawler.settings.get("ARCHIVER_PROGRESS", "auto"))
        if not progress_wanted(mode, sys.stderr):
            raise NotConfigured("progress is off (ARCHIVER_PROGRESS, or stderr is no terminal)")
        assert crawler.stats is not None
        from rich.console import Console

        ext = cls(crawler.stats, Console(file=sys.stderr))
        crawler.signals.connect(ext.spider_opened, signal=scrapy_signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=scrapy_signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        from rich.live import Live

        self.started = time.monotonic()
        # Refreshed by the reactor's clock, not rich's thread: stats are read in one thread.
        # No redirection of stdout/stderr: --print-new writes JSON lines to stdout untouched.
        self.live = Live(
            self._render(),
            console=self.console,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.live.start(refresh=True)
        self.task = task.LoopingCall(self.refresh)
        self.task.start(REFRESH_SECONDS, now=False)

    def refresh(self) -> None:
        if self.live is not None:
            self.live.update(self._render(), refresh=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.live is not None:
            self.live.update(self._render(), refresh=True)
            self.live.stop()
            self.live = None

    def _render(self) -> Text:
        return progress_text(self.stats.get_stats(), time.monotonic() - self.started)
