"""Scrapy settings for archiver: polite defaults for real sites, every ARCHIVER_* tunable.

This is the one place that holds defaults. Components read them in ``from_crawler``;
``-s NAME=VALUE`` on ``archiver crawl`` or ``scrapy crawl`` overrides any of them. Tests and
the demo override the politeness settings for loopback (see ``LOOPBACK_SETTINGS``).
"""

from __future__ import annotations

from archiver import PROJECT_URL, __version__

BOT_NAME = "archiver"
SPIDER_MODULES = ["archiver.spiders"]
NEWSPIDER_MODULE = "archiver.spiders"

# --- Politeness for real sites -------------------------------------------------------------
USER_AGENT = f"archiver/{__version__} (+{PROJECT_URL}; evidence archiving crawler)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 30
# A post page is a few hundred kB at most; a page far larger is a trap or a mistake.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

# Scrapy's DOWNLOADER_CLIENT_TLS_VERBOSE_LOGGING makes it log each HTTPS connection's TLS
# version and cipher, which the WARC capture then keeps (downloadermiddlewares/tlsinfo.py).
# Left off: Scrapy 2.19 then fails every plain-HTTP request (AttributeError in its HTTP/1.1
# handler). Turn it on (-s DOWNLOADER_CLIENT_TLS_VERBOSE_LOGGING=True) for HTTPS-only sources.

# --- Faults: retry what a flaky server or network does to us ------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 5
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# The longest Retry-After (seconds) honoured before retrying a 503/429; longer asks are capped.
ARCHIVER_RETRY_AFTER_MAX = 120.0

# --- Privacy: contact no host but the source ----------------------------------------------
TELNETCONSOLE_ENABLED = False
# Scrapy's remote-control HTTP endpoint: no listening port in an archiving crawl.
REMOTE_CONTROL_ENABLED = False
COOKIES_ENABLED = True

# --- Speed ----------------------------------------------------------------------------------
# Scrapy re-reads and parses (ast) a generator callback's source on every response to warn of
# a `return value` in it: its cache is keyed by the bound method, a new object per call, so it
# never hits (~5% of the crawl's CPU). The spider's callbacks return no values.
WARN_ON_GENERATOR_RETURN_VALUE = False
# How many of one response's outputs (items, requests) Scrapy processes at once. Scrapy starts
# that many asyncio tasks for every response, even one that yields nothing (a requisite): at its
# default of 100 that was ~0.7 ms a response, a fifth of the crawl's CPU. The pipelines are
# synchronous (SQLite, an appended file): an item never waits on I/O, so one at a time loses
# nothing, and a response's outputs are handled in the order the spider yields them.
CONCURRENT_ITEMS = 1

# --- Archiver components ------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # Only the source's host:port pairs, redirects included (OffsiteMiddleware checks names).
    "archiver.downloadermiddlewares.hostscope.HostPolicyMiddleware": 55,
    # Same place as Scrapy's, but its public-suffix checks never download anything.
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "archiver.downloadermiddlewares.cookies.OfflineCookiesMiddleware": 700,
    # Same place as Scrapy's RetryMiddleware, but it waits as long as Retry-After asks.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "archiver.downloadermiddlewares.retryafter.RetryAfterMiddleware": 550,
    # Before Scrapy's HttpCompressionMiddleware (590), which only sets Accept-Encoding when
    # absent: offers br only when the installed brotli really decodes it.
    "archiver.downloadermiddlewares.encodings.AcceptEncodingMiddleware": 580,
    # After every built-in middleware: sees requests as sent and responses as received
    # (before redirects, retries and decompression touch them).
    "archiver.downloadermiddlewares.capture.WarcCaptureMiddleware": 950,
    # Just outside the capture: one line per fetch attempt, failures included.
    "archiver.downloadermiddlewares.crawllog.CrawlLogMiddleware": 940,
}
ITEM_PIPELINES = {
    "archiver.pipelines.dates.DatesPipeline": 100,
    "archiver.pipelines.validate.ValidatePipeline": 200,
    "archiver.pipelines.state.StatePipeline": 300,
    "archiver.pipelines.write.WritePipeline": 900,
}
EXTENSIONS = {
    "archiver.extensions.lock.ArchiveLockExtension": 0,
    "archiver.extensions.runlog.RunLogExtension": 100,
    "archiver.extensions.progress.ProgressExtension": 200,
}

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# Where the archive lives (posts.jsonl, runs/<run-id>/...). Relative paths are from the cwd.
ARCHIVER_OUTPUT_DIR = "output"
# Run id: the UTC start time, like 20261123T203000Z. Empty = set when the crawl starts.
ARCHIVER_RUN_ID = ""
# The sources file (TOML, see archiver/sources.toml); empty = the one bundled with archiver.
ARCHIVER_SOURCES_FILE = ""
# Source profile name (a [sources.NAME] of the sources file) and start URLs (empty = the
# profile's).
ARCHIVER_SOURCE = "iuhrdf"
ARCHIVER_START_URLS: list[str] = []
# Extra hosts a crawl may fetch from besides the start URLs' hosts (e.g. a CDN for images).
ARCHIVER_ALLOWED_HOSTS: list[str] = []
# Guards against traps (0 = no limit), far above what a real site reaches. When one trips the
# run stops paging and queuing posts, finishes normally, names the limit in run.json and
# changes.json (limit_reached) and exits 5 (LIMITED).
# Listing pages followed in one run.
ARCHIVER_MAX_LISTING_PAGES = 5000
# Post pages requested from listings in one run.
ARCHIVER_MAX_POSTS_PER_RUN = 100_000
# Listing pages in a row that list no new post on the source's hosts (off-site or no teasers).
ARCHIVER_MAX_EMPTY_LISTING_PAGES = 20
# Continue the run ARCHIVER_RUN_ID after an interruption (set by `archiver crawl --resume`).
ARCHIVER_RESUME = False
# The command line that started this run, recorded in run.json (set by the CLI).
ARCHIVER_ARGUMENTS: list[str] = []
# Fetch the images, stylesheets and scripts of post pages on the source's hosts (for replay).
# Worker processes that read post pages beside the crawl (archiver.spiders.extraction):
# "auto" = one when two or more cores are usable, none on one core; 0 = in the crawl's process.
ARCHIVER_PARSE_WORKERS = "auto"
ARCHIVER_REQUISITES_ENABLED = True
# Levels of stylesheets' @import / url() references followed as requisites (0 = none).
ARCHIVER_REQUISITES_CSS_DEPTH = 3
# Date conventions of the source; empty = the source profile's (archiver/sources.py).
ARCHIVER_TIMEZONE = ""
ARCHIVER_DATE_LANGUAGES: list[str] = []
ARCHIVER_DATE_ORDER = ""
# Fields every item should have; an item without one is flagged missing_<field>, not dropped.
ARCHIVER_REQUIRED_FIELDS = ["url", "title", "published", "body_text"]
# Cron mode. "incremental": stop paging once ARCHIVER_INCREMENTAL_KNOWN_PAGES listing pages in
# a row hold only posts the archive knows, and fetch only new posts. "full": walk every listing
# page, re-fetch every post (conditionally), and find changed and removed posts.
ARCHIVER_MODE = "incremental"
# Keep OUTPUT/state.sqlite (what earlier runs saw). Off: every run is a first run.
ARCHIVER_STATE_ENABLED = True
ARCHIVER_INCREMENTAL_KNOWN_PAGES = 1
# Send If-None-Match / If-Modified-Since for pages captured before (full mode).
ARCHIVER_CONDITIONAL_REQUESTS = True
# A full run that misses more than this share of a source's posts suspects the listing, not
# the posts: no post is marked removed (a listing that suddenly empties is not a purge).
ARCHIVER_REMOVAL_MAX_MISSING_FRACTION = 0.5
# Seconds to wait for another run holding the archive's lock (0 = fail at once).
ARCHIVER_LOCK_WAIT = 0.0
# Set by the archiver CLI, which takes the lock itself before the crawl starts.
ARCHIVER_LOCK_HELD = False
# The Atom feed OUTPUT/feed.atom: how many posts, and its title (empty = from the source).
ARCHIVER_FEED_LIMIT = 50
ARCHIVER_FEED_TITLE = ""
# WARC capture: every HTTP exchange into runs/<run-id>/warc/, files rolled at MAX_SIZE bytes.
ARCHIVER_WARC_ENABLED = True
ARCHIVER_WARC_PREFIX = "archiver"
ARCHIVER_WARC_MAX_SIZE = 1_000_000_000
# Who runs the archiver (a person or organisation), written in every warcinfo record.
ARCHIVER_WARC_OPERATOR = ""
# A payload archived before for the same URI (this run or an earlier one) is written as a WARC
# revisit record (identical-payload-digest) instead of being stored again.
ARCHIVER_WARC_DEDUP = True
# Headers whose values are written as "[redacted]" in WARC records (credentials such as
# Authorization or Cookie); the warcinfo record says which (`--redact-header NAME`).
ARCHIVER_WARC_REDACT_HEADERS: list[str] = []
# Keep runs/<run-id>/crawl-log.jsonl: one line per fetch attempt (time, URL, status or error,
# bytes, duration, WARC record id), so an unreachable page is on record too.
ARCHIVER_CRAWL_LOG_ENABLED = True
# A distributed crawl (`--redis URL`): the Redis all workers share (queue, duplicate filter,
# the run's outstanding requests), and this worker's id (in its WARC file names, items file and
# crawl log; set by --redis as w1, w2... unless given). Empty: one process, no Redis.
ARCHIVER_REDIS_URL = ""
ARCHIVER_WORKER_ID = ""
# Write the run's CDXJ index (indexes/index.cdxj) when a run ends.
ARCHIVER_PACKAGE_ENABLED = True
# Also write the run's WACZ (runs/<run-id>/archive.wacz) when it ends. Off by default: the WACZ
# holds a second copy of every WARC (it doubles the archive on disk); `archiver package` makes
# it on demand from the sealed run. Needs ARCHIVER_PACKAGE_ENABLED.
ARCHIVER_WACZ_EACH_RUN = False
# Evidence (archiver/evidence): every run ends with runs/<run-id>/manifest.json. With a key
# (made by `archiver keygen`), the manifest is signed (Ed25519) and the public key is kept in
# OUTPUT/keys/; without one the run is sealed unsigned (and reported so by verify).
ARCHIVER_SIGNING_KEY = ""
# An RFC 3161 time stamp authority (http URL): the manifest and each WARC file are
# timestamped when a run ends. Down or unset: the run is complete and marked untimestamped;
# `archiver timestamp OUTPUT` adds the missing timestamps later.
ARCHIVER_TSA_URL = ""

# Rebuild OUTPUT/index.html and OUTPUT/posts/ (browsing pages) when a run ends.
ARCHIVER_BROWSE_ENABLED = True
# Keep the full-text search tables of state.sqlite up to date when a run ends.
ARCHIVER_SEARCH_INDEX_ENABLED = True
# The pywb collection the browsing pages link to (`archiver replay`'s default port/collection).
ARCHIVER_REPLAY_URL = "http://127.0.0.1:8080/archive"
# Live progress on a terminal (archiver/extensions/progress.py): "auto" = only when stderr is
# a terminal (cron logs stay plain), "on" = always (not a terminal: one plain final line),
# "off" = never.
ARCHIVER_PROGRESS = "auto"

# Settings that make a crawl of a loopback server (the replica, tests, the demo) fast.
LOOPBACK_SETTINGS: dict[str, object] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_TIMEOUT": 10,
    "LOG_LEVEL": "WARNING",
}
