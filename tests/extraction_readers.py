"""Page readers for tests/test_extraction.py, in a module of their own: worker processes
receive a reader by its module and name."""

from __future__ import annotations

import os

from archiver.pages import parse_post_page
from archiver.pages.post import PostPage
from archiver.pages.selectors import Selectors

KILL_MARK = "<!-- this page kills its reader -->"


def read_or_die(text: str, url: str, selectors: Selectors) -> PostPage:
    """``parse_post_page``, except that a page with :data:`KILL_MARK` ends the process at once
    (as a fault in a C library would: no exception, no cleanup)."""
    if KILL_MARK in text:
        os._exit(70)
    return parse_post_page(text, url, selectors)
