"""The browsing pages (archiver.browse) built from a crafted two-run archive: the index lists
every post newest first with its evidence links, the timeline has a bar per month with the last
run's changes marked, a changed post's page shows a side-by-side diff, hostile text is escaped
everywhere, and ``archiver index`` / ``archiver verify`` keep the pages up to date."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path

import pytest
from browse_archive import HOSTILE_TITLE, two_run_archive, write_run
from helpers import run_archiver

from archiver.archive.scratch import scratch_database
from archiver.browse import BrowsePaths, build_browse, post_file_name
from archiver.browse.markup import PAGES_GENERATION, page, replay_url
from archiver.browse.model import load_archive
from archiver.items import record_key


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    two_run_archive(tmp_path)
    build_browse(tmp_path)
    return tmp_path


def _index(archive: Path) -> str:
    return BrowsePaths(archive).index_html.read_text(encoding="utf-8")


def test_index_lists_every_post_newest_first_with_evidence_links(archive: Path) -> None:
    text = _index(archive)
    rows = re.findall(r'<tr data-search="[^"]*" data-key="([^"]*)"', text)
    assert rows == [
        "iuhrdf node/15", "iuhrdf node/11", "iuhrdf node/12", "iuhrdf node/13", "iuhrdf node/14",
    ]  # fmt: skip
    assert '<b id="post-count">5</b> posts (1 removed)' in text
    assert "2020-10-08T17:31:00-04:00" in text  # the date with its offset
    replayed = "http://127.0.0.1:8080/archive/20260201100000/http://127.0.0.1:8000/content/post-11"
    assert replayed in text
    assert 'href="runs/20260201T100000Z/warc/archiver-20260201T100000Z-00000.warc.gz"' in text
    assert "archiver-20260201T100000Z-00000.warc.gz @ 1011" in text
    name = post_file_name("iuhrdf node/11")
    assert f'href="posts/{name}.html#item-20260201T100000Z"' in text
    item = _item_on_page(archive, "iuhrdf node/11", "20260201T100000Z")
    assert json.loads(item)["title"] == "Gösteri in Istanbul (updated)"


def _item_on_page(archive: Path, key: str, run_id: str) -> str:
    """The text of the element ``#item-<run_id>`` on the post's page (one line of JSON)."""
    page_text = BrowsePaths(archive).post_page(post_file_name(key)).read_text(encoding="utf-8")
    found = re.findall(rf'<pre id="item-{run_id}">([^<]*)</pre>', page_text)
    assert len(found) == 1
    return html.unescape(found[0])


def _items_line(archive: Path, run_id: str, node_id: str) -> str:
    lines = (archive / "runs" / run_id / "items.jsonl").read_text(encoding="utf-8").splitlines()
    [line] = [line for line in lines if json.loads(line)["node_id"] == node_id]
    return line


def test_each_capture_links_to_its_item_on_the_post_page_as_items_jsonl_holds_it(
    archive: Path,
) -> None:
    """One file per post (issue 15): a capture's item is the line of its run's items.jsonl,
    on the post's page (escaped), where the page's and index.html's JSON links point."""
    for run_id in ("20260101T100000Z", "20260201T100000Z"):
        assert _item_on_page(archive, "iuhrdf node/11", run_id) == _items_line(
            archive, run_id, "11"
        )
    page_text = BrowsePaths(archive).post_page(post_file_name("iuhrdf node/11")).read_text()
    links = re.findall(r'<a href="([^"]*)" class="item-link">', page_text)
    assert links == ["#item-20260101T100000Z", "#item-20260201T100000Z"]
    hostile = _item_on_page(archive, "iuhrdf node/15", "20260201T100000Z")
    assert hostile == _items_line(archive, "20260201T100000Z", "15")
    assert json.loads(hostile)["title"] == HOSTILE_TITLE  # text: the page holds it escaped
    assert not any(p.is_dir() for p in BrowsePaths(archive).posts_dir.iterdir())


def test_index_shows_flags_runs_and_no_verification_yet(archive: Path) -> None:
    text = _index(archive)
    assert 'class="flag weekday_mismatch"' in text
    assert 'class="flag removed"' in text
    assert 'class="flag new"' in text and 'class="flag changed"' in text
    assert "weekday_checked</span>" not in text  # how a date was decided is no problem
    assert text.count('<tr><td class="mono">2026') == 2  # one row per run
    assert "not verified yet" in text


def test_timeline_has_a_bar_per_month_with_the_last_runs_changes(archive: Path) -> None:
    text = _index(archive)
    svg = text[text.index("<svg") : text.index("</svg>")]
    bars = dict(re.findall(r'<rect class="bar" data-month="([\d-]+)" data-count="(\d+)"', svg))
    assert bars == {"2019-12": "1", "2020-09": "1", "2020-10": "1", "2020-11": "1"}
    marks = re.findall(r'<rect class="mark-(\w+)" data-month="([\d-]+)"', svg)
    assert sorted(marks) == [("changed", "2020-10"), ("new", "2020-11"), ("removed", "2019-12")]
    assert "1 post(s) without a decided date" in text


def test_changed_post_page_lists_captures_and_a_side_by_side_diff(archive: Path) -> None:
    page_text = BrowsePaths(archive).post_page(post_file_name("iuhrdf node/11")).read_text()
    assert page_text.count('<tr class="capture">') == 2
    diff = page_text[page_text.index('<section class="diff"') :]
    assert 'data-from="20260101T100000Z" data-to="20260201T100000Z"' in diff
    assert 'data-field="title"' in diff and 'data-field="body"' in diff
    assert 'data-field="images"' not in diff  # unchanged fields are not diffed
    assert '<span class="diff_add">An&nbsp;added&nbsp;paragraph.</span>' in diff
    assert "http://127.0.0.1:8080/archive/20260101100000/" in page_text  # replay then


def test_hostile_title_is_text_in_content_attributes_and_pages(archive: Path) -> None:
    text = _index(archive)
    assert "<script>alert" not in text and "<img src=x" not in text
    assert html.escape(HOSTILE_TITLE) in text  # the visible title
    # In the filter's data attribute: no quote can end it.
    row = re.search(r'<tr data-search="([^"]*)" data-key="iuhrdf node/15"', text)
    assert row is not None and html.unescape(row.group(1)).startswith(HOSTILE_TITLE.lower())
    post = BrowsePaths(archive).post_page(post_file_name("iuhrdf node/15")).read_text()
    assert "<script>alert" not in post and "</script><b>" not in post
    assert post.count("<script") == 0  # post pages run no code at all


def test_pages_allow_only_their_own_script_and_no_network() -> None:
    document = page("t", "<p>x</p>", script="console.log(1);")
    policy = re.search(r'Content-Security-Policy" content="([^"]*)"', document)
    assert policy is not None
    assert "default-src &#x27;none&#x27;" in policy.group(1)
    assert "script-src &#x27;sha256-" in policy.group(1)
    assert "http" not in policy.group(1)


def test_replay_url_is_pywbs_at_the_capture_time() -> None:
    pointer = {"date": "2026-12-03T14:49:48.206201Z", "target_uri": "http://h/content/x"}
    assert replay_url(pointer) == "http://127.0.0.1:8080/archive/20261203144948/http://h/content/x"
    assert replay_url({"date": "2026-01-01T00:00:00Z", "target_uri": "javascript:alert(1)"}) is None


def test_post_file_names_are_safe_and_distinct() -> None:
    names = {post_file_name(k) for k in ("iuhrdf node/1", "iuhrdf node-1", "x /../../etc")}
    assert len(names) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", n) and not n.startswith(".") for n in names)


def test_archiver_index_rebuilds_and_verify_result_is_shown(tmp_path: Path) -> None:
    posts = two_run_archive(tmp_path)
    completed = run_archiver("index", str(tmp_path), timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert "5 posts, 7 captures, 2 runs" in completed.stdout
    assert BrowsePaths(tmp_path).index_html.exists()
    assert record_key(posts["hostile"]) == "iuhrdf node/15"
    # A crafted archive has no WARCs: verify fails, and the page says so.
    verified = run_archiver("verify", str(tmp_path), timeout=60)
    assert verified.returncode == 4
    result = json.loads(BrowsePaths(tmp_path).verify_json.read_text())
    assert result["ok"] is False and result["verified_at"]
    assert 'id="verify" class="bad">verify FAILED' in _index(tmp_path)


def test_archiver_index_refuses_a_directory_without_runs(tmp_path: Path) -> None:
    completed = run_archiver("index", str(tmp_path), timeout=60)
    assert completed.returncode == 2
    assert completed.stderr.strip() == f"archiver index: error: no archive (no runs/) in {tmp_path}"


def test_item_fields_never_become_paths_outside_the_archive() -> None:
    from archiver.browse.markup import evidence_links, warc_href

    pointer = {"filename": "../../../etc/passwd", "offset": 1, "date": "x", "target_uri": "u"}
    assert warc_href("20260101T100000Z", pointer) == ("runs/20260101T100000Z/warc/passwd")
    assert warc_href("../../x", pointer) is None
    links = evidence_links("../../x", pointer, "posts/p.html#item-../../x", prefix="", replay="r")
    assert links == ""  # no item link, no WARC link, no replay (no http target)


def test_a_runs_end_rewrites_only_its_posts_pages_and_they_equal_a_full_build(
    tmp_path: Path,
) -> None:
    """At a run's end only the pages of the posts the runs since the last build captured or
    reported are rewritten (issue 15: not every page of the archive's history, in memory);
    the result is what a full build writes."""
    two_run_archive(tmp_path)
    paths = BrowsePaths(tmp_path)
    first, second = sorted(p.name for p in (tmp_path / "runs").iterdir())
    build_browse(tmp_path)  # pages of both runs
    untouched = paths.post_page(post_file_name(record_key({"source": "iuhrdf", "node_id": "12"})))
    assert untouched.is_file()
    # A third run captures post 11 only.
    time.sleep(0.01)
    latest = json.loads((tmp_path / "runs" / second / "items.jsonl").read_text().splitlines()[0])
    third = "20260301T100000Z"
    write_run(tmp_path, third, [dict(latest, run_id=third, title="Third title")])
    before = untouched.stat().st_mtime_ns
    incremental = build_browse(tmp_path, incremental=True)
    assert untouched.stat().st_mtime_ns == before  # not a capture of run 3: not rewritten
    written = {p: p.read_bytes() for p in tmp_path.rglob("*.html")}
    full = build_browse(tmp_path)
    assert {p: p.read_bytes() for p in written} == written
    assert incremental.captures == full.captures == 8
    assert first < second < third


def test_a_full_build_removes_the_item_files_older_versions_wrote(tmp_path: Path) -> None:
    """Earlier versions wrote posts/<name>/<run-id>.json per capture: derived files, removed
    by a full build (``archiver index``); a run's end does not look for them."""
    two_run_archive(tmp_path)
    build_browse(tmp_path)
    posts = BrowsePaths(tmp_path).posts_dir
    name = post_file_name("iuhrdf node/11")
    old = posts / name
    old.mkdir()
    (old / "20260101T100000Z.json").write_text("{}\n")
    (old / ".20260201T100000Z.json.new.tmp").write_text("{")
    kept = posts / "notes"
    kept.mkdir()
    (kept / "20260101T100000Z.json").write_text("{}\n")
    (kept / "mine.txt").write_text("not ours")
    build_browse(tmp_path, incremental=True)
    assert old.is_dir()
    build_browse(tmp_path)
    assert not old.exists()
    assert sorted(p.name for p in kept.iterdir()) == ["20260101T100000Z.json", "mine.txt"]
    assert (posts / f"{name}.html").is_file()


def test_a_runs_end_over_pages_of_an_older_generation_rebuilds_them_all(tmp_path: Path) -> None:
    """index.html written before the items moved onto the post pages: its links and the
    post pages left as they were would not fit the new ones, so every page is rebuilt."""
    two_run_archive(tmp_path)
    full = build_browse(tmp_path)
    paths = BrowsePaths(tmp_path)
    index = paths.index_html.read_text(encoding="utf-8")
    older = index.replace(f'<meta name="generator" content="{PAGES_GENERATION}">\n', "")
    paths.index_html.write_text(older, encoding="utf-8")
    untouched = paths.post_page(post_file_name("iuhrdf node/12"))
    untouched.write_text("a page of before", encoding="utf-8")
    (paths.posts_dir / post_file_name("iuhrdf node/12")).mkdir()
    again = build_browse(tmp_path, incremental=True)
    assert again.written == 2  # index.html and the page of before
    assert 'id="item-20260101T100000Z"' in untouched.read_text(encoding="utf-8")
    assert paths.index_html.read_text(encoding="utf-8") == index
    assert not (paths.posts_dir / post_file_name("iuhrdf node/12")).exists()
    assert build_browse(tmp_path, incremental=True).written == 0  # no run since: as it was
    assert full.written == 6


def test_the_archive_is_keyed_in_one_transaction_of_the_scratch_database(tmp_path: Path) -> None:
    """Each row a transaction of its own (a lock, a look for a journal, page writes) took a
    third of a build: the scratch database's transaction stays open while the view loads."""
    two_run_archive(tmp_path)
    with scratch_database(tmp_path) as db:
        view = load_archive(tmp_path, db)
        assert db.in_transaction
        assert len(list(view.posts())) == 5
