"""RSS 2.0 feeds of the replica (``/rss.xml`` and ``/taxonomy/term/<tid>/feed``), newest 10,
shaped like Drupal 7's node_feed() output."""

from __future__ import annotations

from email.utils import format_datetime
from html import escape

from archiver.replica.layout import SITE_NAME
from archiver.replica.posts import Post
from archiver.replica.render import body_field

FEED_ITEMS = 10


def rss(base: str, path: str, title: str, posts: list[Post]) -> str:
    items = []
    for post in posts[:FEED_ITEMS]:
        link = f"{base}{post.link_alias}"
        description = escape(body_field(post.teaser_paragraphs, post.node_id))
        categories = "".join(
            f'\n    <category domain="{base}/tags/{escape(tag.lower().replace(" ", "-"))}">'
            f"{escape(tag)}</category>"
            for tag in post.tags
        )
        items.append(
            f"""  <item>
    <title>{escape(post.title)}</title>
    <link>{link}</link>
    <description>{description}</description>{categories}
    <pubDate>{format_datetime(post.published)}</pubDate>
    <dc:creator>{escape(post.author)}</dc:creator>
    <guid isPermaLink="false">{post.node_id} at {base}</guid>
  </item>"""
        )
    body = "\n".join(items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xml:base="{base}{path}" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{escape(title)} | {escape(SITE_NAME)}</title>
    <link>{base}{path}</link>
    <description></description>
    <language>en</language>
    <atom:link href="{base}{path}" rel="self" type="application/rss+xml" />
{body}
  </channel>
</rss>
"""
