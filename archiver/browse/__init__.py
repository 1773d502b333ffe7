"""The archive as a person sees it: static pages to browse, and search over every capture.

- ``OUTPUT/index.html``: every post, newest first, a client-side filter, a timeline of posts
  per month, the runs, the totals and the last verification (:func:`build_browse`);
- ``OUTPUT/posts/<name>.html``: every capture of one post, with a side-by-side diff between
  captures that differ, and each capture's item (``#item-<run-id>``);
- ``OUTPUT/verify.json``: the last ``archiver verify`` of the archive root;
- the search tables of ``state.sqlite`` kept in step with the runs' items
  (:func:`sync_search_index`).

Pages are static (inline CSS and JS, no network assets) and work from ``file://``. Every
title, body and URL shown is escaped: they are the source's text, not ours. Reads no settings.
"""

from __future__ import annotations

from archiver.browse.build import build_browse
from archiver.browse.paths import BrowsePaths, post_file_name
from archiver.browse.search import search_archive, sync_search_index
from archiver.browse.verifyresult import write_verify_result

__all__ = [
    "BrowsePaths",
    "build_browse",
    "post_file_name",
    "search_archive",
    "sync_search_index",
    "write_verify_result",
]
