"""Custom Scrapy signals that let archiver components talk without importing each other.

- ``page_failed``: a page could not be had for good (after retries). Sent by the spider with
  ``url``, ``kind`` (``listing``/``post``/``requisite``), ``error`` (text) and ``status``
  (int or None); the run log lists these in run.json.
- ``listing_page_seen``: a listing page showed these posts (``urls``: their canonical or
  listed URLs). The state records the sighting (a post still listed is not removed).
- ``post_fetched``: a post page came with HTTP validators (``url``, ``etag``,
  ``last_modified``), kept for conditional requests in the next full run.
- ``post_not_modified``: a conditional request for a known post got 304 (``url``): seen,
  unchanged, no new item.
- ``disk_full``: a write failed for want of room (``message``: one line naming the device and
  the file). The run log stops the crawl at the first one and fails the run (``disk_full``);
  ``--resume`` on a disk with space completes it.
- ``items_finalising``: the run's items are about to be written for good. Sent by the run log
  (through the run's end, archiver.archive.lifecycle) with ``items``, a list of item dicts it
  may change in place: once per batch of items (of
  ``archiver.archive.lifecycle.ADJUST_BATCH``), in the order they are written, so a run's
  items are never all in memory. Components that learned from the whole run during the crawl
  (the date order of a source) settle what they could not settle item by item.
"""

from __future__ import annotations

page_failed = object()
listing_page_seen = object()
post_fetched = object()
post_not_modified = object()
items_finalising = object()
disk_full = object()
