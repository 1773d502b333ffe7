"""ReplicaSite: the replica's content, its ground truth and the mutations cron tests apply.

The site is deterministic for its options; mutations (add, edit, delete) are recorded as plain
operations so a separately running replica can replay them from a JSON state file
(``archiver replica --state FILE``). Thread-safe: the server reads while tests mutate.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from archiver.replica import corpus
from archiver.replica.dates import SITE_ZONE, iso, medium_date, weekday_abbreviation
from archiver.replica.options import ReplicaOptions
from archiver.replica.posts import (
    ImageRef,
    Post,
    generate_posts,
    make_images,
    normalise_space,
    slugify,
    unique_alias,
)

PAGE_STATUSES_SERVED = frozenset(
    {
        "live",
        "moved",
        "wrong_charset",
        "huge_page",
        "malformed_html",
        "garbled_date",
        "missing_date",
        "contradictory_date",
    }
)
"""Statuses whose post page is an HTML page with the post on it."""

TOPICS: dict[str, tuple[int, str]] = {
    "news": (1, "News"),
    "east-turkestan-uyghurs": (2, "East Turkestan Uyghurs"),
}
"""Topic listings: path component -> (term id, name)."""
_TOPIC_TAGS = {"east-turkestan-uyghurs": frozenset({"East Turkestan", "Uyghur"})}
TAG_TERM_IDS = {name: 10 + index for index, name in enumerate(corpus.TAGS)}


class ReplicaSite:
    """All content of one replica; see the package docstring for the public contract."""

    def __init__(self, options: ReplicaOptions | None = None) -> None:
        self.options = options or ReplicaOptions()
        self._lock = threading.RLock()
        self._operations: list[dict[str, Any]] = []
        self._reset()

    def _reset(self) -> None:
        self._posts = generate_posts(self.options)
        self._taken = {p.alias for p in self._posts} | {
            p.listed_alias for p in self._posts if p.listed_alias
        }
        newest_change = max((p.changed for p in self._posts if p.changed), default=None)
        self.created = newest_change or datetime(2020, 10, 10, tzinfo=SITE_ZONE)
        self.clock = self.created + timedelta(days=1)
        self._mutation_rng = random.Random(f"replica-mutations:{self.options.seed}")
        self._version = 0
        # What every page asks (listed posts, the alias index, last change), computed once per
        # version: O(posts) per request made a 50,000-post replica quadratic (bench/scale.py).
        self._cache: dict[str, tuple[int, Any]] = {}

    def _cached(self, name: str, compute: Callable[[], Any]) -> Any:
        with self._lock:
            hit = self._cache.get(name)
            if hit is not None and hit[0] == self._version:
                return hit[1]
            value = compute()
            self._cache[name] = (self._version, value)
            return value

    # -- reading -------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """Bumped by every mutation (caches and ETags of whole-site pages key on it)."""
        return self._version

    def posts(self) -> list[Post]:
        """A snapshot of every post (removed ones included), newest first."""
        with self._lock:
            return [post.copy() for post in self._posts]

    def listed_posts(self, listing: str = "news") -> list[Post]:
        """Posts a listing shows, newest first. ``listing``: a topic, ``tag:<name>`` or
        ``front``."""
        listed: list[Post] = self._cached(
            "listed", lambda: [p.copy() for p in self._posts if p.listed]
        )
        # Copies of the site's posts, shared by the callers of one version (who only read).
        posts = list(listed)
        if listing.startswith("tag:"):
            tag = listing[4:]
            return [p for p in posts if tag in p.tags]
        wanted = _TOPIC_TAGS.get(listing)
        if wanted is None:
            return posts
        return [p for p in posts if wanted.intersection(p.tags)]

    def post_by_alias(self, path: str) -> tuple[Post | None, str]:
        """The post at ``path`` and how: ``current``, ``old`` (moved), or ``none``."""
        with self._lock:
            index: dict[str, tuple[Post, str]] = self._cached("aliases", self._alias_index)
            found = index.get(path)
            if found is None:
                return None, "none"
            return found[0].copy(), found[1]

    def _alias_index(self) -> dict[str, tuple[Post, str]]:
        """alias -> (post, how), the first post in site order winning, as a scan would."""
        index: dict[str, tuple[Post, str]] = {}
        for post in self._posts:
            index.setdefault(post.alias, (post, "current"))
            if post.listed_alias:
                index.setdefault(post.listed_alias, (post, "old"))
        return index

    def post_by_node_id(self, node_id: int) -> Post | None:
        with self._lock:
            for post in self._posts:
                if post.node_id == node_id:
                    return post.copy()
        return None

    def image(self, file_path: str) -> ImageRef | None:
        """The image served at ``file_path`` (either image style), if any post uses it."""
        with self._lock:
            for post in self._posts:
                for image in post.images:
                    if file_path in (image.file_path, image.teaser_src.split("?", 1)[0]):
                        return image
        return None

    @property
    def last_changed(self) -> datetime:
        """When anything listed last changed (Last-Modified of listing pages and feeds)."""
        changed: datetime = self._cached(
            "last_changed",
            lambda: max([self.created] + [p.changed for p in self._posts if p.changed]),
        )
        return changed

    def truth(self, base_url: str = "", include_removed: bool = False) -> list[dict[str, Any]]:
        """Every post an archiver should find, newest first (see the package docstring).

        ``base_url`` prefixes url, listed_url and images; ``include_removed`` adds posts a
        mutation deleted or unpublished (status ``removed``, ``unpublished``)."""
        with self._lock:
            posts = [p.copy() for p in self._posts]
        return [
            truth_entry(post, base_url)
            for post in posts
            if include_removed or post.status not in ("removed", "unpublished")
        ]

    # -- mutations -----------------------------------------------------------------------

    def add_post(
        self,
        title: str | None = None,
        body: str | Iterable[str] | None = None,
        author: str = "Kanat",
        published: datetime | str | None = None,
        tags: Iterable[str] | None = None,
        images: int | None = None,
        has_rdfa: bool = True,
    ) -> dict[str, Any]:
        """Publish a new post (newest unless ``published`` says otherwise); its truth entry."""
        operation = {
            "op": "add",
            "title": title,
            "body": _paragraph_list(body),
            "author": author,
            "published": published.isoformat() if isinstance(published, datetime) else published,
            "tags": list(tags) if tags is not None else None,
            "images": images,
            "has_rdfa": has_rdfa,
        }
        return self._apply(operation)

    def edit_post(
        self, node_id: int, body: str | Iterable[str] | None = None, title: str | None = None
    ) -> dict[str, Any]:
        """Change a post's body and/or title (a new revision); its truth entry."""
        return self._apply(
            {"op": "edit", "node_id": node_id, "body": _paragraph_list(body), "title": title}
        )

    def delete_post(self, node_id: int, keep_listed: bool = False) -> dict[str, Any]:
        """Delete a post: its page 404s and (unless ``keep_listed``) listings drop it."""
        return self._apply({"op": "delete", "node_id": node_id, "keep_listed": keep_listed})

    def unpublish_post(self, node_id: int) -> dict[str, Any]:
        """Unpublish a post as Drupal 7 does: listings drop it, its page answers 403."""
        return self._apply({"op": "unpublish", "node_id": node_id})

    def unlist_post(self, node_id: int) -> dict[str, Any]:
        """Drop a post from every listing while its page stays (a broken View, a bad cache)."""
        return self._apply({"op": "unlist", "node_id": node_id})

    def operations(self) -> list[dict[str, Any]]:
        """The mutations applied so far, as JSON-ready operations (see ``replay``)."""
        with self._lock:
            return [dict(op) for op in self._operations]

    def replay(self, operations: Iterable[Mapping[str, Any]]) -> None:
        """Rebuild the site from its options, then apply ``operations`` in order."""
        with self._lock:
            self._operations = []
            self._reset()
            for operation in operations:
                self._apply(dict(operation))

    def _apply(self, operation: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            handlers = {
                "add": self._add,
                "edit": self._edit,
                "delete": self._delete,
                "unlist": self._unlist,
                "unpublish": self._unpublish,
            }
            handler = handlers.get(str(operation.get("op")))
            if handler is None:
                raise ValueError(f"unknown replica operation {operation.get('op')!r}")
            self.clock += timedelta(minutes=1)
            post = handler(operation)
            post.changed = self.clock
            self._operations.append(operation)
            self._version += 1
            return truth_entry(post, "")

    def _find(self, node_id: int) -> Post:
        for post in self._posts:
            if post.node_id == int(node_id):
                return post
        raise KeyError(f"no post with node id {node_id}")

    def _add(self, op: Mapping[str, Any]) -> Post:
        rng = self._mutation_rng
        newest = max(p.published for p in self._posts)
        if op.get("published"):
            published = datetime.fromisoformat(op["published"])
            if published.tzinfo is None:
                published = published.replace(tzinfo=SITE_ZONE)
            published = published.astimezone(SITE_ZONE)
        else:
            published = (newest + timedelta(hours=rng.randint(20, 60))).replace(
                second=rng.randrange(60)
            )
        node_id = max(p.node_id for p in self._posts) + rng.randint(1, 3)
        title = op.get("title") or f"Rabiya Qadeer: New Statement Number {len(self._operations)}"
        paragraphs = op.get("body") or [
            f"{title}. This statement was published after the archive's last run.",
            "We call on the international community to act.",
        ]
        post = Post(
            node_id=node_id,
            alias=unique_alias(slugify(title), self._taken, node_id),
            title=title,
            author=op.get("author") or "Kanat",
            published=published,
            published_raw=medium_date(published, weekday_abbreviation(published, "tr", rng)),
            weekday_language="tr",
            paragraphs=list(paragraphs),
            tags=list(op["tags"]) if op.get("tags") is not None else ["Uyghur"],
            has_rdfa=bool(op.get("has_rdfa", True)),
        )
        count = op.get("images")
        if count is None:
            count = 1
        post.images = make_images(post.alias.rsplit("/", 1)[1], int(count), rng)
        self._posts.append(post)
        self._posts.sort(key=lambda p: p.published, reverse=True)
        return post

    def _edit(self, op: Mapping[str, Any]) -> Post:
        post = self._find(op["node_id"])
        if op.get("body"):
            post.paragraphs = list(op["body"])
            post.teaser_override = None
        if op.get("title"):
            post.title = op["title"]
        post.revision += 1
        return post

    def _delete(self, op: Mapping[str, Any]) -> Post:
        post = self._find(op["node_id"])
        post.status = "removed"
        post.listed = bool(op.get("keep_listed", False))
        return post

    def _unpublish(self, op: Mapping[str, Any]) -> Post:
        post = self._find(op["node_id"])
        post.status = "unpublished"
        post.listed = False
        return post

    def _unlist(self, op: Mapping[str, Any]) -> Post:
        post = self._find(op["node_id"])
        post.listed = False
        return post


def _paragraph_list(body: str | Iterable[str] | None) -> list[str] | None:
    if body is None:
        return None
    if isinstance(body, str):
        return [part for part in body.split("\n\n") if part.strip()]
    return list(body)


def truth_entry(post: Post, base_url: str) -> dict[str, Any]:
    """What an archiver should record for ``post`` (paths prefixed with ``base_url``)."""
    minute = post.published.replace(second=0)
    return {
        "url": base_url + post.alias,
        "node_id": post.node_id,
        "title": post.title,
        "author": post.author,
        "published": iso(post.published if post.has_rdfa else minute),
        "published_minute": iso(minute),
        "published_exact": iso(post.published),
        "published_raw": post.published_raw,
        "weekday_language": post.weekday_language,
        "teaser": "\n\n".join(t for t in (normalise_space(p) for p in post.teaser_paragraphs) if t),
        "body_text": "\n\n".join(t for t in (normalise_space(p) for p in post.paragraphs) if t),
        "images": [base_url + image.src for image in post.images],
        "tags": list(post.tags),
        "listed_url": base_url + post.link_alias,
        "status": post.status,
        "has_rdfa": post.has_rdfa,
        "php_notice": post.php_notice,
        "revision": post.revision,
        "listed": post.listed,
    }
