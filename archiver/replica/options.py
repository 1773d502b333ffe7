"""Options of the replica site: size, seed, speed, faults and the traps of the reliability suite.

Everything the replica serves is a pure function of these options (and of the mutations applied
later), so two replicas built from equal options serve byte-identical pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FAULT_KINDS = ("503", "500", "drop", "timeout")
"""``503`` (with Retry-After: 1), ``500``, ``drop`` (socket closed, no response),
``timeout`` (the response stalls for ``stall_seconds`` then the socket is closed)."""

TRAPS = (
    "pager_loop",  # the last listing page's "next ›" points back to page 0
    "endless_pager",  # every page past the last repeats the last page and links a next one
    "redirect_loop",  # one listed post's alias 301s to another alias that 301s back
    "offsite_redirect",  # one listed post's alias 302s to another host
    "not_html",  # one listed post's page is a PDF
    "wrong_charset",  # one post page is Windows-1254 bytes declared as UTF-8 ... and vice versa
    "huge_page",  # one post page is padded to ``huge_page_bytes``
    "empty_body",  # one post page answers 200 with an empty body
    "malformed_html",  # one post page has unclosed and misnested tags
    "garbled_date",  # one post prints a date that is no date (and has no RDFa date)
    "missing_date",  # one post prints no date at all (and has no RDFa date)
    "contradictory_date",  # one post's printed weekday contradicts its date (no RDFa date)
    "image_post",  # one listed post's page is a PNG image
    "robots_redirect",  # one listed post's alias 302s to a robots-disallowed /admin/ path
    "cookie_domain",  # listings also set cookies with a Domain attribute (own and foreign)
)
"""Pagination traps and hostile pages (issue 6). Each affects one listed post (or the pager,
or the listings' cookies)."""

SITE_WIDE_TRAPS = frozenset({"pager_loop", "endless_pager", "cookie_domain"})
"""Traps that change the site's behaviour rather than one post."""

GARBLED_DATE = "Xyz, 13/45/20x0 - 99:61"
"""What the ``garbled_date`` trap's post prints as its date."""


@dataclass(frozen=True)
class ReplicaOptions:
    """How the replica site is built and how it behaves on the wire."""

    posts: int = 60
    """Total posts, the six posts of the real listing first (newest), then generated ones."""
    seed: int = 1
    """Seed of the generated posts and of which URLs fail."""
    page_size: int = 10
    """Teasers per listing page (Drupal's default is 10)."""
    past_last_page: str = "empty"
    """``empty`` (Views: an empty list, HTTP 200) or ``last`` (core pager: the last page again)."""
    latency_ms: int = 0
    """Added to every response."""
    fault_rate: float = 0.0
    """Fraction of URLs (chosen from path + seed) that fail their first 1..``fault_attempts``."""
    fault_kinds: tuple[str, ...] = ("503", "500", "drop")
    """Which of FAULT_KINDS a failing URL may use."""
    fault_attempts: int = 2
    """A failing URL fails between 1 and this many first attempts, then succeeds."""
    stall_seconds: float = 30.0
    """How long a ``timeout`` fault stalls before closing the socket."""
    gzip: bool = True
    """Compress text responses when the client sends ``Accept-Encoding: gzip``."""
    brotli: bool = False
    """Compress text responses with ``br`` when the client accepts it (before gzip): a server
    that honours ``br``, as many CDNs do."""
    conditional: bool = True
    """Send ETag / Last-Modified and answer 304 to If-None-Match / If-Modified-Since."""
    set_cookie: bool = True
    """Set a Drupal-like session cookie on listing pages (exercises clients' cookie handling)."""
    deleted_posts: int = 1
    """Listed posts whose page is gone (404)."""
    moved_posts: int = 1
    """Listed posts linked under an old alias that 301s to the current one."""
    rdfa_fraction: float = 2 / 3
    """Share of nodes whose date carries the RDFa ``content`` attribute."""
    notice_fraction: float = 0.2
    """Share of post pages that begin with a PHP "Deprecated function" notice."""
    traps: frozenset[str] = field(default_factory=frozenset)
    """Names from TRAPS to switch on."""
    huge_page_bytes: int = 12 * 1024 * 1024
    """Size of the ``huge_page`` trap's page."""

    def __post_init__(self) -> None:
        if self.posts < 1:
            raise ValueError("posts must be at least 1")
        if self.page_size < 1:
            raise ValueError("page_size must be at least 1")
        if self.past_last_page not in ("empty", "last"):
            raise ValueError("past_last_page must be 'empty' or 'last'")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        unknown = set(self.fault_kinds) - set(FAULT_KINDS)
        if unknown or not self.fault_kinds:
            raise ValueError(f"fault_kinds must be a non-empty subset of {FAULT_KINDS}")
        if self.fault_attempts < 1:
            raise ValueError("fault_attempts must be at least 1")
        bad_traps = set(self.traps) - set(TRAPS)
        if bad_traps:
            raise ValueError(f"unknown traps {sorted(bad_traps)} (known: {', '.join(TRAPS)})")
