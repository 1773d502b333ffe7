"""CrawlMemory: what the archive knew when this crawl began, as the spider needs it.

- **known** posts: captured by an earlier run (from OUTPUT/state.sqlite). An incremental run
  does not fetch them again and stops paging at a page that lists only them; a full run
  re-fetches them with the validators (ETag, Last-Modified) of their last capture.
- posts **captured before** an interruption of this same run (from its items file): a resumed
  run does not fetch them again, but keeps paging past them.
- **missing** posts: known, live, and in no listing this run (full runs fetch them at the end
  to prove a removal by 404/410).

The spider asks questions; this module holds the answers (from the crawl's one state
connection, :func:`archiver.archive.session.crawl_state`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from archiver.archive.layout import ArchivePaths
from archiver.files import read_jsonl
from archiver.items import post_key, record_key
from archiver.pages import Teaser
from archiver.state import ArchiveState

logger = logging.getLogger(__name__)


@dataclass
class CrawlMemory:
    """The archive's memory for one crawl of one source."""

    archive: ArchivePaths
    source: str
    run_id: str
    state: ArchiveState | None = None
    known_urls: set[str] = field(default_factory=set)
    known_node_ids: set[str] = field(default_factory=set)
    captured_before: set[str] = field(default_factory=set)
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The latest stored capture (catalogue record) of each post, by identity and by path: what
    a full run's item says for a post the server answered 304 Not Modified."""
    previous_run_complete: bool = True
    """Whether the archive has been walked to the end of the listing (the run before this one
    reached it, or stopped at posts an archive already walked held:
    :meth:`archiver.state.ArchiveState.walked_to_end`). Only then may an incremental run stop
    at a page of known posts: after a limit, a crash or a failed listing page the posts behind
    that page may never have been seen, and every later run walks to the end until one got
    there."""

    def load(self, state: ArchiveState | None, *, resume: bool) -> None:
        """Read what ``state`` knows (the crawl's shared connection; None when the state is
        off) and, when resuming, this run's items."""
        if state is not None:
            self.state = state
            # Known = first captured by an earlier run; this run's own captures (before an
            # interruption) are in captured_before instead.
            self.known_urls = self.state.known_urls(self.source, before_run=self.run_id)
            self.known_node_ids = self.state.known_node_ids(self.source, before_run=self.run_id)
            # Posts, not addresses: an old alias of a post is one more known URL, not a post.
            logger.info(
                "The archive holds %d posts of %s", self.state.post_count(self.source), self.source
            )
            self.previous_run_complete = self.state.walked_to_end(self.run_id)
            if not self.previous_run_complete:
                logger.warning(
                    "The archive has not been walked to the end of the listing yet (the "
                    "previous run ended %s): this run walks every listing page",
                    self.state.previous_run_status(self.run_id),
                )
        if resume:
            self._load_captured_before()

    def load_stored_captures(self) -> None:
        """Read the catalogue (``posts.jsonl``): the latest capture of every post of the source."""
        for record in read_jsonl(self.archive.posts_jsonl):
            if record.get("source") != self.source or record.get("body_text") is None:
                continue
            self.stored[record_key(record)] = record
            for url in (record.get("url"), record.get("listed_url")):
                if url:
                    self.stored[post_key(self.source, None, url)] = record

    def stored_capture(self, teaser: Teaser) -> dict[str, Any] | None:
        """The latest stored capture of the listed post, or None."""
        return self.stored.get(self.key(teaser)) or self.stored.get(
            post_key(self.source, None, teaser.url)
        )

    def _load_captured_before(self) -> None:
        run = self.archive.run(self.run_id)
        captured = 0
        for path in (run.items_partial, run.items_jsonl):
            for record in read_jsonl(path):
                if record.get("body_text") is None:
                    continue  # a teaser-only item: its page is worth another try
                captured += 1
                self.captured_before.add(record_key(record))
                for url in (record.get("url"), record.get("listed_url")):
                    if url:
                        self.captured_before.add(url)
        logger.info("Resuming run %s: %d posts were captured before", self.run_id, captured)

    def key(self, teaser: Teaser) -> str:
        """The listed post's identity (:func:`archiver.items.post_key`)."""
        return post_key(self.source, teaser.node_id, teaser.url)

    def is_known(self, teaser: Teaser) -> bool:
        if teaser.node_id and teaser.node_id in self.known_node_ids:
            return True
        return teaser.url in self.known_urls

    def was_captured_before(self, teaser: Teaser) -> bool:
        return self.key(teaser) in self.captured_before or teaser.url in self.captured_before

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) of the last capture of ``url``."""
        return self.state.validators(url) if self.state else (None, None)

    def missing_posts(self) -> list[Teaser]:
        """Known live posts this run saw in no listing, as teasers built from the state."""
        if self.state is None:
            return []
        teasers = []
        for url in self.state.missing_from_run(self.run_id, self.source):
            known = self.state.post(self.source, url)
            teasers.append(
                Teaser(
                    url=url,
                    node_id=known.node_id if known else None,
                    title=known.title if known else None,
                    submitted=None,
                    date_raw=None,
                    author=None,
                    machine_date=None,
                    teaser=None,
                    position=-1,
                )
            )
        return teasers

    def close(self) -> None:
        """Forget the state connection (its owner, the crawl, closes it)."""
        self.state = None
