"""The state database: new / changed / removed posts across runs, idempotence, crash safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archiver.items import post_key
from archiver.state import ArchiveState, Change, StateError
from archiver.state.schema import MIGRATIONS, SCHEMA_VERSION

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE = "iuhrdf"
BASE = "http://127.0.0.1:8000/content/"


def item(slug: str, body: str | None = "Body", run_id: str = "r1", **extra: Any) -> dict[str, Any]:
    """A post item as the pipelines hand it over (only the fields the state reads)."""
    import hashlib

    record: dict[str, Any] = {
        "source": SOURCE,
        "url": BASE + slug,
        "listed_url": BASE + slug,
        "node_id": str(zlib.crc32(slug.encode()) % 10000),
        "title": f"Title of {slug}",
        "published": "2020-10-08T17:31:00-04:00",
        "body_text": body,
        "content_sha256": hashlib.sha256(body.encode()).hexdigest() if body else None,
        "http_status": 200,
        "flags": [],
        "warc": {"filename": f"{run_id}.warc.gz", "offset": 0, "record_id": f"<urn:{slug}>"},
        "crawled_at": "2024-01-01T00:00:00+00:00",
        "run_id": run_id,
    }
    record.update(extra)
    return record


@pytest.fixture
def state(tmp_path: Path) -> Iterator[ArchiveState]:
    with ArchiveState.open(tmp_path / "state.sqlite") as opened:
        yield opened


def kinds(changes: list[Change]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for change in changes:
        result.setdefault(change.kind, set()).add(change.url.removeprefix(BASE))
    return result


def run(
    state: ArchiveState,
    run_id: str,
    mode: str,
    captures: list[dict[str, Any]],
    listed: list[str] | None = None,
    status: str = "complete",
    **kw: Any,
) -> list[Change]:
    state.begin_run(run_id, mode, "2024-01-01T00:00:00+00:00")
    for capture in captures:
        state.record_capture(run_id, capture)
    state.record_listing_page(run_id, SOURCE, [BASE + s for s in listed or []])
    return state.finish_run(run_id, status, mode, {"items": len(captures)}, **kw)


def test_open_creates_versioned_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "out" / "state.sqlite"
    with ArchiveState.open(path) as state:
        assert state.schema_version == SCHEMA_VERSION >= 1
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"posts", "versions", "runs"} <= tables
    ArchiveState.open(path).close()  # reopening applies nothing twice


def test_a_database_from_a_newer_archiver_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StateError, match="upgrade the archiver"):
        ArchiveState.open(path)


def test_first_run_reports_every_post_new_and_knows_them(state: ArchiveState) -> None:
    changes = run(state, "r1", "incremental", [item("a"), item("b")])
    assert kinds(changes) == {"new": {"a", "b"}}
    assert state.known_urls(SOURCE) == {BASE + "a", BASE + "b"}
    assert state.is_known(SOURCE, BASE + "a") and not state.is_known(SOURCE, BASE + "c")
    assert state.run("r1")["status"] == "complete"  # type: ignore[index]
    assert state.run("r1")["counts"] == {"items": 2}  # type: ignore[index]


def test_second_run_reports_only_added_posts(state: ArchiveState) -> None:
    run(state, "r1", "incremental", [item("a"), item("b")])
    changes = run(state, "r2", "incremental", [item("c", run_id="r2")], listed=["a"])
    assert kinds(changes) == {"new": {"c"}}
    post = state.post(SOURCE, BASE + "a")
    assert post is not None and post.first_seen_run == "r1" and post.last_seen_run == "r2"


def test_changed_body_keeps_both_versions_and_reports_hashes(state: ArchiveState) -> None:
    run(state, "r1", "full", [item("a", "old text"), item("b")])
    old = state.post(SOURCE, BASE + "a")
    changes = run(state, "r2", "full", [item("a", "new text", "r2"), item("b", run_id="r2")])
    assert kinds(changes) == {"changed": {"a"}}
    (changed,) = changes
    new = state.post(SOURCE, BASE + "a")
    assert old is not None and new is not None
    assert (changed.old_sha256, changed.new_sha256) == (old.content_sha256, new.content_sha256)
    assert changed.old_sha256 != changed.new_sha256
    versions = state.versions(SOURCE, BASE + "a")
    assert [v["run_id"] for v in versions] == ["r1", "r2"]
    assert versions[0]["warc"]["filename"] == "r1.warc.gz"  # the first evidence stays
    assert len(state.versions(SOURCE, BASE + "b")) == 1  # unchanged: no new version
    assert new.warc == {"filename": "r2.warc.gz", "offset": 0, "record_id": "<urn:a>"}


def test_recording_the_same_capture_twice_is_idempotent(state: ArchiveState) -> None:
    run(state, "r1", "full", [item("a", "old")])
    state.begin_run("r2", "full")
    first = state.record_capture("r2", item("a", "new", "r2"))
    state.begin_run("r2", "full")  # the run resumed after a crash
    again = state.record_capture("r2", item("a", "new", "r2"))
    assert first.kind == again.kind == "changed"
    assert first.old_sha256 == again.old_sha256
    assert len(state.versions(SOURCE, BASE + "a")) == 2
    assert kinds(state.finish_run("r2", "complete")) == {"changed": {"a"}}
    # A third run with the same content is no change at all.
    assert run(state, "r3", "full", [item("a", "new", "r3")]) == []


def test_teaser_only_item_neither_changes_nor_erases_a_capture(state: ArchiveState) -> None:
    run(state, "r1", "full", [item("a", "text")])
    failed = item("a", None, "r2", flags=["article_fetch_failed"], http_status=500)
    assert run(state, "r2", "full", [failed]) == []
    post = state.post(SOURCE, BASE + "a")
    assert post is not None and post.content_sha256 is not None and not post.capture_pending


def test_a_new_post_whose_page_failed_is_fetched_again(state: ArchiveState) -> None:
    failed = item("a", None, flags=["article_fetch_failed"], http_status=503)
    assert kinds(run(state, "r1", "incremental", [failed])) == {"new": {"a"}}
    assert state.pending_urls(SOURCE) == {BASE + "a"}
    assert BASE + "a" not in state.known_urls(SOURCE)
    # The next run captures it: not reported new a second time.
    assert run(state, "r2", "incremental", [item("a", run_id="r2")]) == []
    assert state.known_urls(SOURCE) == {BASE + "a"} and not state.pending_urls(SOURCE)


def test_listed_alias_is_known(state: ArchiveState) -> None:
    redirected = item("new-slug", listed_url=BASE + "old-slug")
    run(state, "r1", "incremental", [redirected])
    assert state.known_urls(SOURCE) == {BASE + "new-slug", BASE + "old-slug"}
    post = state.post(SOURCE, BASE + "old-slug")
    assert post is not None and post.url == BASE + "new-slug"
    state.begin_run("r2", "full")
    state.record_seen_in_listing("r2", SOURCE, BASE + "old-slug")
    assert state.post(SOURCE, BASE + "new-slug").last_seen_run == "r2"  # type: ignore[union-attr]


def test_known_by_node_id(state: ArchiveState) -> None:
    run(state, "r1", "incremental", [item("a", node_id="42")])
    assert state.is_known(SOURCE, BASE + "elsewhere", node_id="42")
    assert not state.is_known(SOURCE, BASE + "elsewhere", node_id="43")


def test_404_or_410_removes_the_post_at_once(state: ArchiveState) -> None:
    run(state, "r1", "incremental", [item("a"), item("b"), item("c")])
    state.begin_run("r2", "full")
    missing = item("a", None, "r2", flags=["article_missing"], http_status=404)
    assert state.record_capture("r2", missing).kind == "removed"
    assert state.record_gone("r2", SOURCE, BASE + "b", 410).kind == "removed"
    state.record_listing_page("r2", SOURCE, [BASE + "c"])
    changes = state.finish_run("r2", "complete")
    assert kinds(changes) == {"removed": {"a", "b"}}
    reasons = {c.url.removeprefix(BASE): c.reason for c in changes}
    assert reasons == {"a": "http_404", "b": "http_410"}
    assert all(c.removed_at for c in changes)
    removed_keys = set()
    for name in ("a", "b"):
        known = state.post(SOURCE, BASE + name)
        assert known is not None
        removed_keys.add(post_key(SOURCE, known.node_id, BASE + name))
    assert set(state.removed_posts()) == removed_keys
    # Removed posts stay known (no refetch in incremental runs) and keep their evidence.
    assert BASE + "a" in state.known_urls(SOURCE)
    assert len(state.versions(SOURCE, BASE + "a")) == 1
    with pytest.raises(ValueError):
        state.record_gone("r2", SOURCE, BASE + "c", 500)


def test_gone_from_listings_is_removed_only_after_two_full_runs(state: ArchiveState) -> None:
    slugs = [f"p{i}" for i in range(10)]
    run(state, "r1", "full", [item(s) for s in slugs])
    listed = slugs[1:]  # p0 vanished from every listing
    assert kinds(run(state, "r2", "full", [], listed=listed)) == {"removal_suspected": {"p0"}}
    assert state.post(SOURCE, BASE + "p0").removed_at is None  # type: ignore[union-attr]
    # An incremental run decides nothing by absence.
    assert run(state, "r3", "incremental", [], listed=slugs[1:3]) == []
    changes = run(state, "r4", "full", [], listed=listed)
    assert kinds(changes) == {"removed": {"p0"}}
    assert changes[0].reason == "gone_from_listings"


def test_a_post_seen_again_is_no_longer_suspected(state: ArchiveState) -> None:
    slugs = [f"p{i}" for i in range(10)]
    run(state, "r1", "full", [item(s) for s in slugs])
    run(state, "r2", "full", [], listed=slugs[1:])
    run(state, "r3", "incremental", [], listed=["p0"])
    assert state.post(SOURCE, BASE + "p0").removal_suspected_run is None  # type: ignore[union-attr]
    assert kinds(run(state, "r4", "full", [], listed=slugs[1:])) == {"removal_suspected": {"p0"}}


def test_partial_full_run_decides_no_removal(state: ArchiveState) -> None:
    slugs = [f"p{i}" for i in range(10)]
    run(state, "r1", "full", [item(s) for s in slugs])
    run(state, "r2", "full", [], listed=slugs[1:])
    assert run(state, "r3", "full", [], listed=slugs[1:], status="partial") == []
    assert not state.removed_posts()


def test_a_listing_that_empties_removes_nothing(state: ArchiveState) -> None:
    slugs = [f"p{i}" for i in range(10)]
    run(state, "r1", "full", [item(s) for s in slugs])
    for run_id in ("r2", "r3", "r4"):
        # Only the newest post still listed: 90% missing is a broken listing, not a purge.
        assert run(state, run_id, "full", [], listed=["p0"]) == []
    assert not state.removed_posts()
    # A run that saw nothing of the source at all decides nothing either.
    assert run(state, "r5", "full", [], listed=[]) == []
    # The fraction is the caller's to tune.
    changes = run(state, "r6", "full", [], listed=["p0"], max_missing_fraction=1.0)
    assert kinds(changes) == {"removal_suspected": set(slugs[1:])}


def test_a_removed_post_captured_again_is_back(state: ArchiveState) -> None:
    run(state, "r1", "incremental", [item("a")])
    state.begin_run("r2", "full")
    state.record_gone("r2", SOURCE, BASE + "a", 404)
    state.finish_run("r2", "complete")
    run(state, "r3", "full", [item("a", run_id="r3")])
    assert state.post(SOURCE, BASE + "a").removed_at is None  # type: ignore[union-attr]
    assert not state.removed_posts()


def test_validators_and_payloads(state: ArchiveState) -> None:
    url = BASE + "a"
    assert state.validators(url) == (None, None)
    state.set_validators(url, '"abc"', "Mon, 01 Jan 2024 00:00:00 GMT")
    state.set_validators(url, '"def"', None)
    assert state.validators(url) == ('"def"', None)
    pointer = {"record_id": "<urn:uuid:1>", "date": "2024-01-01T00:00:00Z"}
    assert state.remember_payload("r1", url, "sha256:AAA", pointer)
    assert not state.remember_payload("r2", url, "sha256:AAA", {"record_id": "<urn:uuid:2>"})
    assert state.original_payload(url, "sha256:AAA") == {**pointer, "run_id": "r1"}
    assert state.original_payload(url, "sha256:BBB") is None


def test_begin_run_rejects_unknown_mode(state: ArchiveState) -> None:
    with pytest.raises(ValueError):
        state.begin_run("r1", "sometimes")
    with pytest.raises(StateError):
        state.finish_run("never-begun", "complete")


CRASHING_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from archiver.state import ArchiveState

    state = ArchiveState.open(Path(sys.argv[1]))
    state.begin_run("r1", "full")
    for n in range(100000):
        body = f"body {n}"
        import hashlib
        state.record_capture("r1", {
            "source": "s", "url": f"http://x/{n}", "title": "t", "body_text": body,
            "content_sha256": hashlib.sha256(body.encode()).hexdigest(), "flags": [],
        })
        print(n, flush=True)
    """
)


def test_a_killed_writer_leaves_a_consistent_database(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    committed = -1
    for line in child.stdout:  # poll the child's progress; kill it mid-stream
        committed = int(line)
        if committed >= 30:
            break
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=10)  # reap it and close the pipe
    with ArchiveState.open(path) as state:
        assert state._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        posts = state.posts("s")
        assert len(posts) > committed  # everything reported committed is there
        for post in posts:  # and each post is whole: its version came with it
            assert len(state.versions("s", post.url)) == 1
            assert post.content_sha256 == state.versions("s", post.url)[0]["content_sha256"]


def test_missing_from_run_lists_what_a_full_run_should_recheck(state: ArchiveState) -> None:
    run(state, "r1", "full", [item("a"), item("b"), item("c"), item("gone")])
    state.begin_run("r2", "full")
    state.record_capture("r2", item("a", run_id="r2"))
    state.record_listing_page("r2", SOURCE, [BASE + "b"])
    state.record_gone("r2", SOURCE, BASE + "gone", 404)
    assert state.missing_from_run("r2", SOURCE) == [BASE + "c"]
    assert state.missing_from_run("r2", "other-source") == []


def test_a_version_1_archive_is_migrated_and_found_by_identity(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    connection = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        assert isinstance(statement, str)
        connection.execute(statement)
    connection.execute(
        "INSERT INTO posts (source, url, node_id, first_seen_run, last_seen_run, first_seen_at,"
        " last_seen_at, content_sha256) VALUES ('s', 'http://old.example/content/a', '7',"
        " 'r1', 'r1', 't', 't', 'x')"
    )
    connection.execute(
        "INSERT INTO versions (source, url, run_id, content_sha256, captured_at)"
        " VALUES ('s', 'http://old.example/content/a', 'r1', 'x', 't')"
    )
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()
    with ArchiveState.open(path) as state:
        assert state.schema_version == SCHEMA_VERSION == 3
        moved = state.post("s", "https://www.example/content/a/")
        assert moved is not None and moved.url == "http://old.example/content/a"
        state.begin_run("r2", "full")
        new_item = {
            "source": "s", "url": "https://new.example/content/a", "node_id": 7,
            "title": "A", "body_text": "b", "content_sha256": "x", "flags": [],
        }  # fmt: skip
        assert state.record_capture("r2", new_item).kind == "unchanged"
        assert len(state.posts("s")) == 1


def test_the_archive_stays_unwalked_until_a_run_reaches_the_end(state: ArchiveState) -> None:
    """Issue 18: a limited, failed or interrupted run (or one that lost a listing page) leaves
    the archive "not walked to the end"; the runs after it walk everything until one did."""
    assert state.walked_to_end("r0")  # no run before: nothing is known, nothing to walk
    history = [
        ("r1", "limited", 0, False),
        ("r2", "failed", 0, False),  # e.g. a start URL that listed nothing
        ("r3", "partial", 0, False),  # a listing page failed
        ("r4", "partial", 1, True),  # a post failed; the listing was walked
        ("r5", "interrupted", 0, False),
        ("r6", "complete", 1, True),
    ]
    for run_id, status, walked, expected in history:
        state.begin_run(run_id, "incremental")
        state.finish_run(run_id, status, counts={"archiver/walked_to_end": walked})
        assert state.walked_to_end(run_id + "z") is expected, run_id
    state.begin_run("r7", "incremental")
    state.finish_run("r7", "complete", counts={})  # recorded before the count existed
    assert state.walked_to_end("r8")


def test_a_post_is_found_in_order_alias_address_node_id_path(state: ArchiveState) -> None:
    """The stored address of a post: an alias first, then the address itself, then the node
    id, then the path on another host (never a post that shows another node id)."""
    run(state, "r1", "incremental", [item("a", node_id="1"), item("b", node_id="2")])
    run(state, "r2", "incremental", [item("c", node_id="3", listed_url=BASE + "b")])
    other_host = "http://news.example:9000/content/"
    assert state._canonical(SOURCE, BASE + "b", "1") == BASE + "c"  # the alias wins
    assert state._canonical(SOURCE, BASE + "a", "2") == BASE + "a"  # the address itself
    assert state._canonical(SOURCE, other_host + "x", "2") == BASE + "b"  # the node id
    assert state._canonical(SOURCE, other_host + "a", None) == BASE + "a"  # the path
    assert state._canonical(SOURCE, other_host + "a", "") == BASE + "a"
    assert state._canonical(SOURCE, other_host + "a", "9") == other_host + "a"  # another post
    assert state._canonical(SOURCE, other_host + "a", 1) == BASE + "a"  # its own node id
    assert state._canonical("other", BASE + "a", "1") == BASE + "a"  # unknown: itself
    # A page of post 1 at a new address is post 1 (recorded at its stored address).
    run(state, "r3", "incremental", [item("d", node_id="1")])
    assert state._canonical(SOURCE, BASE + "d", "1") == BASE + "a"


def test_finding_a_post_is_one_statement(state: ArchiveState) -> None:
    run(state, "r1", "incremental", [item("a", node_id="1")])
    statements: list[str] = []
    state._db.set_trace_callback(statements.append)
    try:
        state._canonical(SOURCE, "http://elsewhere.example/new", "7")
    finally:
        state._db.set_trace_callback(None)
    assert len(statements) == 1


def test_latest_warc_is_the_posts_latest_capture(state: ArchiveState) -> None:
    run(state, "r1", "incremental", [item("a", run_id="r1"), item("b", None, "r1")])
    run(state, "r2", "incremental", [item("a", "Edited", "r2", listed_url=BASE + "old-a")])
    for url in (BASE + "a", BASE + "old-a", BASE + "b", BASE + "unknown"):
        post = state.post(SOURCE, url)
        assert state.latest_warc(SOURCE, url) == (post.warc if post else None), url
    assert state.latest_warc(SOURCE, BASE + "old-a") == {
        "filename": "r2.warc.gz",
        "offset": 0,
        "record_id": "<urn:a>",
    }
    assert state.latest_warc(SOURCE, BASE + "b") is None  # a teaser only: no capture


def test_an_unchanged_post_is_told_with_its_title_and_date(state: ArchiveState) -> None:
    run(state, "r1", "incremental", [item("a", listed_url=BASE + "old-a")])
    state.begin_run("r2", "full")
    for url in (BASE + "a", BASE + "old-a"):
        change = state.change("r2", SOURCE, url)
        assert (change.kind, change.url, change.title, change.published) == (
            "unchanged",
            url,
            "Title of a",
            "2020-10-08T17:31:00-04:00",
        )
    unknown = state.change("r2", SOURCE, BASE + "unknown")
    assert (unknown.kind, unknown.title, unknown.published) == ("unchanged", None, None)
