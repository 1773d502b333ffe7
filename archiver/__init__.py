"""archiver: crawl a news site with Scrapy and keep what it said as evidence (JSON items + WARC)."""

from __future__ import annotations

import warnings

__version__ = "0.1.0"

PROJECT_URL = "https://github.com/archiver-project/archiver"

# py3AMF (pulled in by cdxj-indexer) imports pkg_resources, which setuptools >= 80 deprecates
# with a UserWarning on stderr at import: noise in front of the one-line answers the commands
# give (and that cron mails). Only that warning, only from there, is silenced.
warnings.filterwarnings(
    "ignore", message="pkg_resources is deprecated", category=UserWarning, module="pyamf"
)
