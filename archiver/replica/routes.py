"""Which response the replica gives for a path: Drupal's routing of aliases, listings, feeds,
posts, static files and images, plus the deliberate oddities (404 for a deleted post, 301 from
an old alias, the traps of the reliability suite). Wire concerns (faults, gzip, conditional
requests, logging) live in server.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from archiver.replica import assets, images, render
from archiver.replica.content import PAGE_STATUSES_SERVED, TAG_TERM_IDS, TOPICS, ReplicaSite
from archiver.replica.feeds import rss
from archiver.replica.posts import Post, slugify

HTML = "text/html; charset=utf-8"
OFFSITE_HOST = "https://www.example.com"
"""Where the ``offsite_redirect`` trap sends clients (never contacted by a correct crawler)."""
ROBOTS_DISALLOWED_TARGET = "/admin/content/node/"
"""Where the ``robots_redirect`` trap sends clients (robots.txt disallows /admin/)."""
RECENT_POSTS = 5
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Reply:
    """A response before the wire layer (faults, gzip, 304) is applied."""

    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: list[tuple[str, str]] = field(default_factory=list)
    last_modified: datetime | None = None
    etag: str | None = None
    """Validator; None = derived from the body bytes."""
    is_listing: bool = False


def route(site: ReplicaSite, base: str, target: str) -> Reply:
    """The reply for ``target`` (path and query, as requested) on ``site`` served at ``base``."""
    parts = urlsplit(target)
    path, query = parts.path or "/", parse_qs(parts.query)
    if path == "/" and "q" in query:  # Drupal without clean URLs: /?q=topic/news
        path = "/" + query.pop("q")[0].lstrip("/")
    static = assets.static_file(path)
    if static is not None:
        body, content_type = static
        return Reply(200, body, content_type, last_modified=site.created)
    if path.startswith("/sites/default/files/"):
        return _image(site, base, path)
    recent = [p for p in site.listed_posts("news") if p.status != "removed"][:RECENT_POSTS]
    page_number = _page_number(query)
    if path in ("/", "/news", "/topic/news", "/taxonomy/term/1"):
        return _listing(site, base, path, "news", "News", 1, page_number, recent)
    if path.startswith("/topic/") and path[7:] in TOPICS:
        term_id, name = TOPICS[path[7:]]
        return _listing(site, base, path, path[7:], name, term_id, page_number, recent)
    if path.startswith("/tags/"):
        for tag, term_id in TAG_TERM_IDS.items():
            if slugify(tag) == path[6:]:
                return _listing(site, base, path, f"tag:{tag}", tag, term_id, page_number, recent)
    if path == "/rss.xml" or (path.startswith("/taxonomy/term/") and path.endswith("/feed")):
        return _feed(site, base, path)
    if path.startswith("/content/"):
        return _post_by_alias(site, base, path, recent)
    if path.startswith("/node/") and path[6:].isdigit():
        post = site.post_by_node_id(int(path[6:]))
        if post is not None and post.status in PAGE_STATUSES_SERVED:
            return _post_reply(site, base, post, recent)
    if path in ("/user", "/user/login", "/user/register", "/user/password"):
        return Reply(200, render.login_page(base, recent).encode(), last_modified=site.created)
    if path == "/search" or path.startswith("/search/"):
        return Reply(
            200, render.search_page(base, recent, path).encode(), last_modified=site.created
        )
    if path in ("/about-us", "/contact"):
        title = "About Us" if path == "/about-us" else "Contact"
        text = "The International Uyghur Human Rights and Democracy Foundation, Washington, DC."
        html = render.basic_page(base, recent, path, title, text)
        return Reply(200, html.encode(), last_modified=site.created)
    return not_found(site, base, path, recent)


def not_found(site: ReplicaSite, base: str, path: str, recent: list[Post]) -> Reply:
    return Reply(404, render.not_found_page(base, recent, path).encode())


def _page_number(query: dict[str, list[str]]) -> int:
    raw = query.get("page", ["0"])[0]
    # Drupal reads the first number of "page" (it may be "1,0" for several pagers); junk = 0.
    head = raw.split(",", 1)[0]
    return int(head) if head.isdigit() else 0


def _listing(
    site: ReplicaSite,
    base: str,
    path: str,
    listing: str,
    heading: str,
    term_id: int,
    page_number: int,
    recent: list[Post],
) -> Reply:
    options = site.options
    posts = site.listed_posts(listing)
    size = options.page_size
    last = max(0, (len(posts) - 1) // size)
    traps = options.traps
    shown_page, pager_page, pager_last = page_number, page_number, last
    if page_number > last:
        if "endless_pager" in traps:
            shown_page, pager_last = last, page_number + 1
        elif options.past_last_page == "last":
            shown_page = pager_page = last
        else:
            shown_page = -1
    teasers = posts[shown_page * size : (shown_page + 1) * size] if shown_page >= 0 else []
    pager_html = ""
    if shown_page >= 0 or "endless_pager" in traps:
        pager_html = render.pager(
            path, pager_page, pager_last, loop_back="pager_loop" in traps and pager_page >= last
        )
    html = render.listing_page(base, path, heading, term_id, teasers, pager_html, recent)
    return Reply(200, html.encode(), last_modified=site.last_changed, is_listing=True)


def _feed(site: ReplicaSite, base: str, path: str) -> Reply:
    listing, title = "news", "News"
    if path.startswith("/taxonomy/term/"):
        term = path.split("/")[3]
        by_id = {tid: (key, name) for key, (tid, name) in TOPICS.items()}
        by_id.update({tid: (f"tag:{tag}", tag) for tag, tid in TAG_TERM_IDS.items()})
        if not term.isdigit() or int(term) not in by_id:
            return not_found(site, base, path, [])
        listing, title = by_id[int(term)]
    posts = [p for p in site.listed_posts(listing) if p.status != "removed"]
    body = rss(base, path, title, posts).encode()
    return Reply(200, body, "application/rss+xml; charset=utf-8", last_modified=site.last_changed)


def _image(site: ReplicaSite, base: str, path: str) -> Reply:
    image = site.image(path)
    if image is None:
        return not_found(site, base, path, [])
    body = images.image_bytes(image.kind, image.file_path)
    return Reply(200, body, images.content_type(image.kind), last_modified=site.created)


def _post_by_alias(site: ReplicaSite, base: str, path: str, recent: list[Post]) -> Reply:
    post, how = site.post_by_alias(path)
    if post is None and path.endswith("-loop"):
        post, how = site.post_by_alias(path[: -len("-loop")])
        if post is not None and post.status == "redirect_loop":
            return _redirect(301, base + post.alias)
        return not_found(site, base, path, recent)
    if post is None:
        return not_found(site, base, path, recent)
    if how == "old":
        return _redirect(301, base + post.alias)
    return _post_reply(site, base, post, recent)


def _redirect(status: int, location: str) -> Reply:
    html = f'<html><body>Moved to <a href="{location}">{location}</a></body></html>'
    return Reply(status, html.encode(), headers=[("Location", location)])


def _post_reply(site: ReplicaSite, base: str, post: Post, recent: list[Post]) -> Reply:
    status = post.status
    if status in ("deleted", "removed"):
        return not_found(site, base, post.alias, recent)
    if status == "unpublished":  # Drupal 7: anonymous users may not see an unpublished node
        return Reply(403, render.access_denied_page(base, recent, post.alias).encode())
    if status == "redirect_loop":
        return _redirect(301, base + post.alias + "-loop")
    if status == "offsite_redirect":
        return _redirect(302, OFFSITE_HOST + post.alias)
    if status == "robots_redirect":
        return _redirect(302, f"{base}{ROBOTS_DISALLOWED_TARGET}{post.node_id}")
    validator = hashlib.sha256(
        f"{base}|{post.node_id}|{post.revision}|{status}|{site.options.seed}".encode()
    ).hexdigest()[:20]
    etag = f'"{validator}"'
    if status == "not_html":
        return Reply(200, _PDF, "application/pdf", last_modified=post.changed, etag=etag)
    if status == "image_post":
        body = images.png_bytes(post.alias, 64, 48)
        return Reply(200, body, "image/png", last_modified=post.changed, etag=etag)
    if status == "empty_body":
        return Reply(200, b"", HTML, last_modified=post.changed, etag=etag)
    html = render.post_page(base, post, recent)
    content_type = HTML
    if status == "wrong_charset":
        content_type = "text/html; charset=iso-8859-1"
    elif status == "huge_page":
        filler = "<!-- " + "padding " * 128 + "-->\n"
        copies = site.options.huge_page_bytes // len(filler) + 1
        html = html.replace("</body>", filler * copies + "</body>", 1)
    elif status == "malformed_html":
        html = html.replace("</p>", "", 3).replace("</div>\n  </div>", "<b><i></b></i>", 1)
        html = html.rsplit("</body>", 1)[0]
    links = [
        (
            "Link",
            f'<{base}/node/{post.node_id}>; rel="shortlink",<{base}{post.alias}>; rel="canonical"',
        )
    ]
    return Reply(
        200, html.encode(), content_type, headers=links, last_modified=post.changed, etag=etag
    )
