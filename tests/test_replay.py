"""``archiver replay`` serves a demo crawl with pywb; headless Chromium (Debian's, driven by
Playwright with ``executable_path``) shows an archived post's title, body and image."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import (
    REPO_ROOT,
    archiver_env,
    require_program,
    require_pywb,
    run_archiver,
    run_demo,
    running_in_ci,
)

from archiver.archive.layout import ArchivePaths

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _require_module(name: str) -> None:
    try:
        __import__(name)
    except ImportError:
        message = f"Python package {name} is not installed (pip install -e '.[test]')"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("replay") / "out"
    run_demo(output, 5)
    return output


@contextmanager
def replaying(archive: Path) -> Iterator[tuple[str, str]]:
    """``archiver replay`` on ``archive``, read until it prints its URLs: yields the collection
    URL and the replay URL of an archived post; stops replay and its pywb child afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "archiver", "replay", str(archive), "--port", "0"],
        cwd=REPO_ROOT, env=archiver_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        collection = process.stdout.readline().strip()  # printed once pywb answers
        post = process.stdout.readline().strip()
        if not collection.startswith("Replaying collection: http://127.0.0.1:"):
            stderr = process.stderr.read() if process.poll() is not None else ""  # type: ignore[union-attr]
            pytest.fail(f"replay did not start: {collection} {stderr[-2000:]}")
        assert post.startswith("Archived post: "), post
        yield collection.split(": ", 1)[1], post.split(": ", 1)[1]
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # our own session: replay and its pywb child
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def replay(archive: Path) -> Iterator[tuple[str, str]]:
    require_pywb()
    with replaying(archive) as urls:
        yield urls


def test_post_replays_with_title_body_and_image(archive: Path, replay: tuple[str, str]) -> None:
    chromium = require_program("chromium", "replay test drives Debian's Chromium")
    _require_module("playwright")
    from playwright.sync_api import sync_playwright

    collection_url, post_url = replay
    run = ArchivePaths(archive).run(ArchivePaths(archive).run_ids()[-1])
    items = [json.loads(line) for line in run.items_jsonl.read_text().splitlines()]
    item = next(i for i in items if post_url.endswith("/" + i["url"]))
    assert item["images"], "the replica's post should have an image"
    body_start = item["body_text"].split("\n")[0][:40]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(post_url)
            frame = page.frame_locator("#replay_iframe")
            assert frame.locator("h1#page-title").inner_text(timeout=20_000) == item["title"]
            assert body_start in frame.locator("div.field-name-body").inner_text()
            image = frame.locator("div.field-name-field-image img").first
            image.wait_for(timeout=20_000)
            deadline = time.monotonic() + 20
            width = 0
            while time.monotonic() < deadline:
                width = image.evaluate("img => img.complete ? img.naturalWidth : -1")
                if width != -1:
                    break
                page.wait_for_timeout(100)
            assert width > 0, "the archived image did not load in replay"
        finally:
            browser.close()
    assert collection_url.endswith("/archive/")


def test_replay_on_a_taken_port_is_one_line_and_exit_2(archive: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        completed = run_archiver("replay", str(archive), "--port", str(port), timeout=60)
    assert completed.returncode == 2
    assert completed.stdout == ""  # no link to whatever holds the port
    assert completed.stderr.strip().splitlines() == [
        f"archiver replay: error: port {port} on 127.0.0.1 is in use; choose another with"
        " --port N (0 = any free port)"
    ]
