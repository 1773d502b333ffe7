"""Extraction: HTML in, plain data out. No Scrapy objects, no I/O, so every function is
testable on a saved page.

- ``listing``: a listing page -> its teasers and the next page's URL.
- ``post``: a post page -> title, submitted line, body, images, tags, page requisites.
- ``text``: the small clean-up functions both share (whitespace, body paragraphs).
- ``submitted``: the "submitted" line (date text, author, machine-readable date).
- ``requisites``: what a page or a stylesheet loads (stylesheets, @import, url(), srcset, ...).
"""

from __future__ import annotations

from archiver.pages.listing import EXPECTED_TEASERS, ListingPage, Teaser, parse_listing_page
from archiver.pages.post import PostPage, parse_post_page

__all__ = [
    "EXPECTED_TEASERS",
    "ListingPage",
    "PostPage",
    "Teaser",
    "parse_listing_page",
    "parse_post_page",
]
