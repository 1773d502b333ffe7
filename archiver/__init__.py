"""archiver: crawl a news site with Scrapy and keep what it said as evidence (JSON items + WARC)."""

from __future__ import annotations

__version__ = "0.1.0"

PROJECT_URL = "https://github.com/archiver-project/archiver"
