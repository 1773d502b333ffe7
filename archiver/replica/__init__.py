"""The replica site: a Drupal 7 look-alike served over real HTTP on loopback.

Users run ``archiver replica --port N`` to try the archiver offline; the demo, the tests and
the benchmarks crawl it. Contract::

    from archiver.replica import ReplicaOptions, ReplicaSite, ReplicaServer

    site = ReplicaSite(ReplicaOptions(posts=60, seed=1, fault_rate=0.2))
    with ReplicaServer(site, host="127.0.0.1", port=0) as server:
        server.listing_url          # http://127.0.0.1:PORT/topic/news
        server.request_log          # [RequestLogEntry(method, path, headers, status, attempt,
                                    #   time, fault)], a thread-safe copy
        site.truth()                # every post an archiver should find, newest first
        site.add_post(...); site.edit_post(node_id, body=..., title=...); site.delete_post(nid)

Truth entries: url (path of the current alias), node_id, title, author, published (ISO with
offset: the RDFa instant, seconds included, when the node shows RDFa; else the printed minute),
published_minute, published_exact, published_raw, weekday_language, teaser and body_text
(whitespace-normalised paragraphs joined by a blank line), images (paths with query), tags,
listed_url (what listings link), status (live | deleted: listed, 404 | moved: listed under an
old alias that 301s | removed: deleted by a mutation | a trap name), has_rdfa, php_notice,
revision, listed.
"""

from __future__ import annotations

from archiver.replica.content import ReplicaSite
from archiver.replica.options import FAULT_KINDS, TRAPS, ReplicaOptions
from archiver.replica.server import ReplicaServer, RequestLogEntry

__all__ = [
    "FAULT_KINDS",
    "TRAPS",
    "ReplicaOptions",
    "ReplicaServer",
    "ReplicaSite",
    "RequestLogEntry",
]
