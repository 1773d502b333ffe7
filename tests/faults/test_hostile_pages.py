"""Hostile or broken input: each gives a clear log line and a flag, never a crash or a lost run.

One crawl of a replica where single posts are traps (malformed HTML; garbled, missing and
contradictory dates; a PDF, a PNG and an empty body where a post page should be; a page
labelled Latin-1 that is UTF-8; a page larger than DOWNLOAD_MAXSIZE; a redirect loop), then
crawls of pagination traps (a pager looping back, an endless ``?page=`` repeating the last page,
the same listing under four URLs) and of a listing that suddenly empties.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import REPO_ROOT

from archiver.archive.layout import ArchivePaths
from archiver.files import read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite

from .crawling import (
    assert_no_duplicates,
    crawl_args,
    items_of,
    only_run_id,
    path_of,
    run_archiver,
    run_record,
)

SCHEMA = json.loads((REPO_ROOT / "archiver/schemas/post.schema.json").read_text())
POST_TRAPS = frozenset(
    {
        "malformed_html",
        "garbled_date",
        "missing_date",
        "contradictory_date",
        "not_html",
        "image_post",
        "empty_body",
        "wrong_charset",
        "huge_page",
        "redirect_loop",
    }
)


@dataclass
class HostileCrawl:
    returncode: int
    log: str
    record: dict[str, Any]
    items: dict[str, dict[str, Any]]
    truth: dict[str, dict[str, Any]]
    base_url: str

    def trap(self, name: str) -> tuple[dict[str, Any], dict[str, Any], str]:
        """(item, truth, absolute URL) of the post that is trap ``name``."""
        [truth] = [t for t in self.truth.values() if t["status"] == name]
        return self.items[truth["url"]], truth, self.base_url + truth["listed_url"]


def _options_with_non_ascii_charset_trap() -> ReplicaOptions:
    """Options whose wrong-charset post has non-ASCII text (else there is nothing to correct)."""
    for seed in range(1, 100):
        options = ReplicaOptions(posts=30, seed=seed, traps=POST_TRAPS, huge_page_bytes=3_000_000)
        [truth] = [t for t in ReplicaSite(options).truth() if t["status"] == "wrong_charset"]
        if not (truth["body_text"] + truth["title"]).isascii():
            return options
    raise AssertionError("no seed puts non-ASCII text on the wrong-charset post")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileCrawl:
    output = tmp_path_factory.mktemp("hostile")
    site = ReplicaSite(_options_with_non_ascii_charset_trap())
    with ReplicaServer(site) as server:
        result = run_archiver(
            *crawl_args(server.listing_url, output, "-s", "DOWNLOAD_MAXSIZE=1000000"), timeout=120
        )
        base_url = server.base_url
    run_id = only_run_id(output)
    items = items_of(output, run_id)
    assert_no_duplicates([path_of(i["url"]) for i in items], "items.jsonl holds a post")
    return HostileCrawl(
        returncode=result.returncode,
        log=result.stderr,
        record=run_record(output, run_id),
        items={path_of(i["url"]): i for i in items},
        truth={t["url"]: t for t in site.truth()},
        base_url=base_url,
    )


def test_the_run_completes_with_every_listed_post(hostile: HostileCrawl) -> None:
    # Partial (exit 3): the huge page and the redirect loop could not be archived, and the
    # run says so; every other hostile page was.
    assert hostile.returncode == 3, hostile.log[-4000:]
    assert hostile.record["status"] == "partial"
    failed = {f["url"] for f in hostile.record["failures"]}
    assert failed == {hostile.trap(name)[2] for name in ("huge_page", "redirect_loop")}
    assert "Traceback" not in hostile.log
    assert sorted(hostile.items) == sorted(hostile.truth), "a hostile post was lost"
    for item in hostile.items.values():
        jsonschema.validate(item, SCHEMA)


def test_malformed_html_still_yields_the_exact_post(hostile: HostileCrawl) -> None:
    item, truth, _ = hostile.trap("malformed_html")
    assert item["title"] == truth["title"]
    assert item["body_text"] == truth["body_text"]
    assert item["published"] == truth["published"]
    assert item["flags"] == []


@pytest.mark.parametrize(
    ("trap", "date_flag"),
    [
        ("garbled_date", "unparsed"),
        ("missing_date", "missing"),
        ("contradictory_date", "weekday_mismatch"),
    ],
)
def test_an_unsure_date_is_null_and_flagged_never_guessed(
    hostile: HostileCrawl, trap: str, date_flag: str
) -> None:
    item, truth, url = hostile.trap(trap)
    assert item["published"] is None
    assert date_flag in item["date_flags"]
    assert "missing_published" in item["flags"]
    assert item["published_raw"] == (truth["published_raw"] or None)
    assert item["body_text"] == truth["body_text"]  # the rest of the post is kept
    assert f"No sure date for {url}" in hostile.log


@pytest.mark.parametrize(
    ("trap", "content_type"), [("not_html", "application/pdf"), ("image_post", "image/png")]
)
def test_a_post_page_that_is_not_html_keeps_its_teaser(
    hostile: HostileCrawl, trap: str, content_type: str
) -> None:
    item, truth, url = hostile.trap(trap)
    assert "article_not_html" in item["flags"]
    assert item["title"] == truth["title"]
    assert item["teaser"] == truth["teaser"]
    assert item["body_text"] is None
    assert item["warc"]["target_uri"] == url  # the bytes served are in the WARC
    assert f"Post {url} is not HTML ({content_type})" in hostile.log


def test_an_empty_post_page_is_flagged(hostile: HostileCrawl) -> None:
    item, truth, url = hostile.trap("empty_body")
    assert "page_empty_page" in item["flags"]
    assert item["title"] == truth["title"]
    assert f"Post {url}: empty_page" in hostile.log


def test_a_page_labelled_latin1_but_utf8_is_read_as_utf8(hostile: HostileCrawl) -> None:
    item, truth, url = hostile.trap("wrong_charset")
    assert "charset_corrected" in item["flags"]
    assert item["title"] == truth["title"]
    assert item["body_text"] == truth["body_text"]
    assert f"Post {url}: charset_corrected" in hostile.log


def test_a_page_over_the_size_cap_is_flagged_and_the_run_goes_on(hostile: HostileCrawl) -> None:
    item, truth, url = hostile.trap("huge_page")
    assert "article_fetch_failed" in item["flags"]
    assert item["title"] == truth["title"]
    assert "DOWNLOAD_MAXSIZE" in hostile.log and url in hostile.log


def test_a_redirect_loop_is_flagged_not_followed_forever(hostile: HostileCrawl) -> None:
    item, truth, url = hostile.trap("redirect_loop")
    assert "article_fetch_failed" in item["flags"]
    assert item["title"] == truth["title"]
    assert f"Post {url}: article_fetch_failed (IgnoreRequest: max redirections reached)" in (
        hostile.log
    )


# -- pagination traps ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("traps", "past_last_page"),
    [({"pager_loop"}, "empty"), ({"endless_pager"}, "empty"), (set(), "last")],
    ids=["pager-loops-to-page-0", "endless-page-param", "past-last-repeats-last"],
)
def test_pagination_traps_stop_when_a_page_adds_nothing(
    tmp_path: Path, traps: set[str], past_last_page: str
) -> None:
    site = ReplicaSite(
        ReplicaOptions(posts=25, seed=4, traps=frozenset(traps), past_last_page=past_last_page)
    )
    with ReplicaServer(site) as server:
        # The same listing under four URLs: Drupal's alias, its /news, ?q= and term paths.
        starts = [f"{server.base_url}{p}" for p in ("/news", "/?q=topic/news", "/taxonomy/term/1")]
        extra = [arg for url in starts for arg in ("--start-url", url)]
        result = run_archiver(*crawl_args(server.listing_url, tmp_path, *extra), timeout=120)
        log = server.request_log
    assert result.returncode == 0, result.stderr[-4000:]
    run_id = only_run_id(tmp_path)
    paths = [path_of(item["url"]) for item in items_of(tmp_path, run_id)]
    assert_no_duplicates(paths, "items.jsonl holds a post")
    assert sorted(paths) == sorted(t["url"] for t in site.truth())
    listing_requests = [e for e in log if "page=" in e.path or e.path in ("/topic/news",)]
    pages = (25 - 1) // 10 + 1
    # Each of the four listings walks its pages plus at most one that adds nothing.
    assert len(listing_requests) <= 4 * (pages + 1), [e.path for e in listing_requests]
    assert "adds no new post" in result.stderr or past_last_page == "empty"


# -- a listing that suddenly empties -------------------------------------------------------


def test_a_listing_that_empties_does_not_mark_every_post_removed(tmp_path: Path) -> None:
    site = ReplicaSite(ReplicaOptions(posts=20, seed=6, deleted_posts=0))
    archive = ArchivePaths(tmp_path)
    with ReplicaServer(site) as server:
        first = run_archiver(*crawl_args(server.listing_url, tmp_path), timeout=120)
        assert first.returncode == 0, first.stderr[-4000:]
        for truth in site.truth():
            site.unlist_post(truth["node_id"])  # a broken View: the pages stay, the list empties
        assert "node-teaser" not in _get(server.listing_url)
        second = run_archiver(*crawl_args(server.listing_url, tmp_path, "--full"), timeout=120)
    # A listing that lists nothing is a failed run (no_teasers, exit 4): a cron job notices.
    assert second.returncode == 4, second.stderr[-4000:]
    second_id = archive.run_ids()[-1]
    assert run_record(tmp_path, second_id)["status"] == "failed"
    changes = run_record(tmp_path, second_id)["changes"]
    assert changes["removed"] == 0, changes
    catalogue = list(read_jsonl(archive.posts_jsonl))
    assert len(catalogue) == 20
    assert all(post.get("removed_at") is None for post in catalogue)


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url) as response:
        return str(response.read().decode("utf-8"))
