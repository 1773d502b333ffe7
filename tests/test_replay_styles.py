"""A replayed post looks like the live post: the replica is crawled, the same post is opened
live and in pywb (headless Debian Chromium via Playwright), and styles that only the site's
CSS gives (a colour from Bartik's style.css, the font family of a stylesheet the theme's CSS
``@import``s, background images named by ``url()`` in CSS, loaded) are compared. Screenshots
of both are saved in the test's tmp dir (``live.png``, ``replay.png``)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import LOOPBACK_ARGS, require_program, require_pywb, run_archiver
from test_replay import CHROMIUM_ARGS, _require_module, replaying

from archiver.archive.layout import ArchivePaths
from archiver.files import read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite

# Computed in the post's document: each value comes from the site's CSS, not the browser's.
MEASURE_JS = """async () => {
  const style = (selector) => getComputedStyle(document.querySelector(selector));
  const backgrounds = {};
  for (const selector of ['#page-title', '.field-name-body', '#block-search-form .form-submit']) {
    const value = style(selector).backgroundImage;
    const match = /url\\("?(.*?)"?\\)/.exec(value);
    let width = 0;
    if (match) {
      width = await new Promise((resolve) => {
        const image = new Image();
        image.onload = () => resolve(image.naturalWidth);
        image.onerror = () => resolve(0);
        image.src = match[1];
      });
    }
    backgrounds[selector] = {url: match ? match[1] : null, loadedWidth: width};
  }
  return {
    submittedColour: style('.meta.submitted').color,
    titleColour: style('#page-title').color,
    bodyFont: style('body').fontFamily,
    backgrounds: backgrounds,
  };
}"""


def _original_url(url: str | None, site_base: str) -> str | None:
    """The site URL inside a pywb URL (``.../20261203im_/http://site/x.png`` -> site URL)."""
    return None if url is None else site_base + url.rsplit(site_base, 1)[-1]


@pytest.fixture(scope="module")
def styles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    chromium = require_program("chromium", "replay test drives Debian's Chromium")
    require_pywb()
    _require_module("playwright")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("replay-styles")
    output = tmp / "out"
    site = ReplicaSite(ReplicaOptions(posts=3, seed=5, fault_rate=0.0))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            with ReplicaServer(site, port=0) as server:
                result = run_archiver(
                    "crawl", "--start-url", server.listing_url, "--output", str(output),
                    *LOOPBACK_ARGS,
                )  # fmt: skip
                assert result.returncode == 0, result.stderr[-3000:]
                base = server.base_url
                archive = ArchivePaths(output)
                items = list(read_jsonl(archive.run(archive.run_ids()[-1]).items_jsonl))
                page.goto(items[0]["url"], wait_until="load")
                page.wait_for_selector("h1#page-title")
                live = page.evaluate(MEASURE_JS)
                live_url = items[0]["url"]
                page.screenshot(path=str(tmp / "live.png"), full_page=True)
            # The live site is gone now: whatever the replay shows comes from the WARC.
            with replaying(output) as (_, replay_url):
                page.goto(replay_url, wait_until="load")
                page.wait_for_selector("#replay_iframe")
                frame = page.frame_locator("#replay_iframe")
                frame.locator("h1#page-title").wait_for(timeout=20_000)
                content = next(f for f in page.frames if "mp_/" in f.url)
                content.wait_for_function("document.readyState === 'complete'", timeout=20_000)
                replayed = content.evaluate(MEASURE_JS)
                replayed_url = content.url
                page.screenshot(path=str(tmp / "replay.png"), full_page=True)
        finally:
            browser.close()
    return {
        "live": live, "replay": replayed, "base": base, "tmp": tmp,
        "live_url": live_url, "replay_url": replayed_url,
    }  # fmt: skip


def test_replay_shows_the_same_post(styles: dict[str, Any]) -> None:
    assert styles["replay_url"].endswith(styles["live_url"])  # the first item is the post shown


def test_colours_from_the_site_css_survive_replay(styles: dict[str, Any]) -> None:
    live, replay = styles["live"], styles["replay"]
    assert live["submittedColour"] == "rgb(104, 105, 107)"  # Bartik style.css: #68696b
    assert live["titleColour"] == "rgb(28, 78, 128)"  # the sub-theme's iuhrdf.css: #1c4e80
    assert replay["submittedColour"] == live["submittedColour"]
    assert replay["titleColour"] == live["titleColour"]


def test_font_of_a_nested_import_survives_replay(styles: dict[str, Any]) -> None:
    live, replay = styles["live"], styles["replay"]
    assert live["bodyFont"].startswith('"IUHRDF Naskh"')  # fonts.css, @import'ed by iuhrdf.css
    assert replay["bodyFont"] == live["bodyFont"]


def test_css_background_images_load_in_replay(styles: dict[str, Any]) -> None:
    base = styles["base"]
    for selector, live in styles["live"]["backgrounds"].items():
        replayed = styles["replay"]["backgrounds"][selector]
        assert live["loadedWidth"] > 0, selector
        assert replayed["loadedWidth"] == live["loadedWidth"], (selector, replayed)
        assert _original_url(replayed["url"], base) == live["url"]
    assert (styles["tmp"] / "live.png").stat().st_size > 0
    assert (styles["tmp"] / "replay.png").stat().st_size > 0
