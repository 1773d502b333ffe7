"""The archive's pages in a real browser: two crawls of the replica (the second ``--full``,
after a post with a hostile title and multilingual body was added and another post edited),
then headless Chromium (Debian's, through Playwright with ``executable_path``) opens
``index.html`` from ``file://``: post count, timeline bars, the filter, no script of a title
runs, the edited post's diff. ``archiver search`` finds a word of each script in the body."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import LOOPBACK_ARGS, require_program, run_archiver
from test_replay import CHROMIUM_ARGS, _require_module

from archiver.archive.layout import ArchivePaths
from archiver.browse import BrowsePaths, post_file_name
from archiver.files import read_jsonl, sha256_file
from archiver.items import record_key
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.state.search import SearchIndex

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> \"Statement\" & 'more'"
BODY = [
    "Uyghurs protested in Istanbul: gözaltı kamplarının kapatılmasını istediler.",
    "ئۇيغۇرلار لاگېرلارنىڭ تاقىلىشىنى تەلەپ قىلدى.",
    "维吾尔人要求关闭再教育营。",
]


@dataclass
class Story:
    root: Path
    hostile_url: str
    edited_key: str


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    root = tmp_path_factory.mktemp("browse") / "out"
    site = ReplicaSite(ReplicaOptions(posts=8, seed=4))
    with ReplicaServer(site) as server:

        def crawl(*extra: str) -> None:
            args = ("crawl", "--start-url", server.listing_url, "--output", str(root))
            completed = run_archiver(*args, *extra, *LOOPBACK_ARGS)
            assert completed.returncode == 0, completed.stderr[-2000:]

        crawl()
        live = [t for t in site.truth() if t["status"] == "live"]
        edited = live[2]
        site.edit_post(edited["node_id"], body="This post was edited.\n\nA second new paragraph.")
        hostile = site.add_post(title=HOSTILE, body=BODY)
        crawl("--full")
    return Story(root, hostile["url"], f"iuhrdf node/{edited['node_id']}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = require_program("chromium", "the archive's pages are checked in Debian's Chromium")
    _require_module("playwright")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def _open(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    """A page showing ``path`` from file://, with the dialogs and network requests it made."""
    page = browser.new_page()
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.resolve().as_uri())
    return page, dialogs, requests


def test_each_run_rebuilt_the_pages_and_the_search_index(story: Story) -> None:
    archive = ArchivePaths(story.root)
    with SearchIndex.open(archive.state_db) as index:  # before any `archiver search` ran
        for run_id in archive.run_ids():
            digest = index.indexed_digest(run_id)
            assert digest == sha256_file(archive.run(run_id).items_jsonl)
    assert BrowsePaths(story.root).index_html.stat().st_mtime >= max(
        archive.run(r).run_json.stat().st_mtime for r in archive.run_ids()
    )


def test_index_shows_every_post_the_timeline_and_filters(
    story: Story, browser: Any, tmp_path: Path
) -> None:
    posts = list(read_jsonl(ArchivePaths(story.root).posts_jsonl))
    page, dialogs, requests = _open(browser, BrowsePaths(story.root).index_html)
    rows = page.locator("#posts tbody tr")
    assert rows.count() == len(posts) == 9
    assert page.locator("#post-count").inner_text() == "9"
    bars = page.locator("svg#timeline rect.bar")
    assert bars.count() >= 2
    assert page.locator("svg#timeline rect.mark-new").count() == 1
    assert page.locator("svg#timeline rect.mark-changed").count() == 1
    assert bars.first.bounding_box()["height"] > 0  # drawn, not just present

    title = str(posts[-1]["title"])  # the oldest post: one word of its title picks it out
    word = max(title.split(), key=len)
    page.locator("#filter").fill(word.lower())
    visible = page.locator("#posts tbody tr:visible")
    assert 1 <= visible.count() < len(posts)
    assert all(word.lower() in visible.nth(i).inner_text().lower() for i in range(visible.count()))
    assert page.locator("#shown").inner_text() == str(visible.count())
    page.locator("#filter").fill("no-such-word-anywhere")
    assert page.locator("#posts tbody tr:visible").count() == 0
    page.locator("#filter").fill("")
    assert page.locator("#posts tbody tr:visible").count() == len(posts)
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    assert (tmp_path / "index.png").stat().st_size > 10_000
    assert dialogs == []
    assert all(url.startswith("file://") for url in requests)  # nothing from the network


def test_a_hostile_title_shows_as_text_and_runs_nothing(
    story: Story, browser: Any, tmp_path: Path
) -> None:
    page, dialogs, _ = _open(browser, BrowsePaths(story.root).index_html)
    link = page.locator("#posts a.title", has_text="onerror=alert(2)")
    assert link.inner_text() == HOSTILE
    page.locator("#filter").fill("<script>")  # the filter matches the literal text
    assert page.locator("#posts tbody tr:visible").count() == 1
    page.screenshot(path=str(tmp_path / "hostile.png"))
    link.click()
    page.wait_for_load_state()
    assert page.locator("#post-title").inner_text() == HOSTILE
    assert page.locator("img").count() == 0 and page.locator("body script").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_the_edited_posts_page_shows_both_captures_and_the_diff(
    story: Story, browser: Any, tmp_path: Path
) -> None:
    path = BrowsePaths(story.root).post_page(post_file_name(story.edited_key))
    page, _, _ = _open(browser, path)
    assert page.locator("#captures tr.capture").count() == 2
    body_diff = page.locator('section.diff .field-diff[data-field="body"]')
    shown = body_diff.inner_text().replace("\xa0", " ")  # HtmlDiff keeps spaces as &nbsp;
    assert "A second new paragraph." in shown
    assert page.locator("section.diff .diff_add").count() >= 1
    page.screenshot(path=str(tmp_path / "diff.png"), full_page=True)
    # Each capture links to its item on this page, which is the run's line of items.jsonl:
    # following the link opens the closed <details> holding it.
    first_run = ArchivePaths(story.root).run_ids()[0]
    link = page.locator("#captures a.item-link").first
    assert link.get_attribute("href") == f"#item-{first_run}"
    shown = page.locator(f"#item-{first_run}")
    assert not shown.is_visible()
    link.click()
    shown.wait_for(state="visible")
    line = shown.inner_text()
    assert record_key(json.loads(line)) == story.edited_key
    assert line in _items_lines(story.root, first_run)


def _items_lines(root: Path, run_id: str) -> list[str]:
    items = ArchivePaths(root).run(run_id).items_jsonl
    return items.read_text(encoding="utf-8").splitlines()


def test_the_index_links_each_post_to_its_latest_item_on_its_page(
    story: Story, browser: Any
) -> None:
    page, dialogs, _ = _open(browser, BrowsePaths(story.root).index_html)
    row = page.locator("#posts tbody tr", has_text="onerror=alert(2)")
    row.locator("a.item-link").click()
    page.wait_for_load_state()
    last_run = ArchivePaths(story.root).run_ids()[-1]
    assert page.url.endswith(f".html#item-{last_run}")
    shown = page.locator(f"#item-{last_run}")
    shown.wait_for(state="visible")
    item = json.loads(shown.inner_text())
    assert item["title"] == HOSTILE and item["url"].endswith(story.hostile_url)
    assert shown.inner_text() in _items_lines(story.root, last_run)
    page.wait_for_timeout(300)
    assert dialogs == []


@pytest.mark.parametrize("word", ["kamplarının", "لاگېرلارنىڭ", "再教育营", "维吾尔"])
def test_search_finds_a_body_word_of_each_script(story: Story, word: str) -> None:
    completed = run_archiver("search", word, "--json", "--output", str(story.root), timeout=60)
    assert completed.returncode == 0, completed.stderr
    hits = json.loads(completed.stdout)["hits"]
    assert [h["url"].endswith(story.hostile_url) for h in hits] == [True]
    assert hits[0]["title"] == HOSTILE and hits[0]["warc"]["offset"] >= 0
