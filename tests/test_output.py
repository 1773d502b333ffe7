"""Atomic writes, JSON Lines reading after a torn write, and the catalogue merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.archive.catalogue import merge_catalogue
from archiver.files import (
    JsonLinesAppender,
    atomic_write_json,
    atomic_write_jsonl,
    read_jsonl,
)


def test_atomic_write_leaves_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "posts.jsonl"
    atomic_write_jsonl(target, [{"url": "a"}])

    class Unserialisable:
        pass

    with pytest.raises(TypeError):
        atomic_write_json(target, {"bad": Unserialisable()})
    assert list(read_jsonl(target)) == [{"url": "a"}]
    assert [p.name for p in tmp_path.iterdir()] == ["posts.jsonl"]  # no temp file left


def test_jsonl_keeps_non_ascii_text_readable(tmp_path: Path) -> None:
    target = tmp_path / "items.jsonl"
    atomic_write_jsonl(target, [{"title": "Ürümçi ئۈرۈمچى"}])
    assert "Ürümçi ئۈرۈمچى" in target.read_text(encoding="utf-8")


def test_torn_last_line_is_skipped(tmp_path: Path) -> None:
    target = tmp_path / "items.jsonl.partial"
    appender = JsonLinesAppender(target)
    appender.append({"url": "a"})
    appender.append({"url": "b"})
    appender.close()
    with target.open("a", encoding="utf-8") as handle:
        handle.write('{"url": "c", "ti')  # a crash in the middle of an append
    assert [r["url"] for r in read_jsonl(target)] == ["a", "b"]


def _post(url: str, published: str | None, body: str | None = "text", run: str = "r1") -> dict:
    return {"source": "s", "url": url, "published": published, "body_text": body, "run_id": run}


def test_catalogue_is_newest_first_with_undated_last() -> None:
    merged = merge_catalogue(
        [],
        [
            _post("old", "2018-01-01T00:00:00-05:00"),
            _post("undated", None),
            _post("new", "2020-10-08T17:31:00-04:00"),
        ],
    )
    assert [p["url"] for p in merged] == ["new", "old", "undated"]


def test_catalogue_keeps_earlier_posts_and_takes_newer_versions() -> None:
    previous = [_post("a", "2019-01-01T00:00:00-05:00", "v1"), _post("b", None, "kept")]
    merged = merge_catalogue(previous, [_post("a", "2019-01-01T00:00:00-05:00", "v2", "r2")])
    by_url = {p["url"]: p for p in merged}
    assert by_url["a"]["body_text"] == "v2"
    assert by_url["b"]["body_text"] == "kept"


def test_failed_fetch_does_not_erase_a_good_capture() -> None:
    previous = [_post("a", None, "the good body", "r1")]
    merged = merge_catalogue(previous, [_post("a", None, None, "r2")])
    assert merged[0]["body_text"] == "the good body"
    assert merged[0]["last_seen_run"] == "r2"
    assert json.dumps(merged)  # still plain JSON


def test_failed_rename_removes_the_temp_file_and_keeps_the_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "run.json"
    atomic_write_json(target, {"status": "running"})

    def no_space(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("archiver.files.os.replace", no_space)
    with pytest.raises(OSError):
        atomic_write_json(target, {"status": "complete"})
    assert json.loads(target.read_text())["status"] == "running"
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_run_record_arguments_hide_redacted_credentials() -> None:
    from archiver.extensions.runlog import redacted_arguments

    argv = [
        "archiver",
        "crawl",
        "-s",
        'DEFAULT_REQUEST_HEADERS={"Authorization": "Bearer x1"}',
        "-s",
        "DOWNLOAD_DELAY=0",
        "--redact-header",
        "Authorization",
    ]
    assert redacted_arguments(argv, ["Authorization"]) == [
        "archiver",
        "crawl",
        "-s",
        "DEFAULT_REQUEST_HEADERS=[redacted]",
        "-s",
        "DOWNLOAD_DELAY=0",
        "--redact-header",
        "Authorization",
    ]


# Records as posts.jsonl and items.jsonl hold them: with removed_at last (the catalogue's),
# without it (a run's items), with it elsewhere (an older or edited file), and odd ones.
CATALOGUE_RECORDS = [
    {"source": "s", "url": "a", "published": "2020-01-01T00:00:00+00:00", "body_text": "x",
     "removed_at": None},
    {"source": "s", "url": "b", "body_text": "é\n\"", "flags": ["f"],
     "removed_at": "2021-01-01T00:00:00+00:00"},
    {"source": "s", "url": "c", "body_text": None, "removed_at": "2021-02-02T00:00:00+00:00",
     "title": "removed_at not last"},
    {"source": "s", "url": "d", "published": "2019-05-05T05:05:05+02:00", "body_text": "y"},
]  # fmt: skip


@pytest.mark.parametrize("removed_at", [None, "2024-05-01T12:00:00+00:00"])
def test_catalogue_rows_are_the_records_and_their_lines_as_json_line_writes_them(
    removed_at: str | None,
) -> None:
    import sqlite3

    from archiver.archive.catalogue import merged_catalogue_rows
    from archiver.files import json_line

    records = [dict(r) for r in CATALOGUE_RECORDS]
    scratch = sqlite3.connect(":memory:", isolation_level=None)
    rows = list(merged_catalogue_rows(records[:2], records[2:], scratch))
    assert [row.record() for row in rows] == merge_catalogue(records[:2], records[2:])
    for row in rows:
        record = row.record()
        assert list(record) == list(next(r for r in records if r["url"] == record["url"]))
        record["removed_at"] = removed_at  # what with_removed_at does
        assert row.line_with_removed_at(removed_at) == json_line(record)


def test_the_feed_keeps_the_same_entries_from_summaries_as_from_records() -> None:
    from archiver.archive.catalogue import feed_summary
    from archiver.archive.reports import NewestEntries

    records = [
        {"url": f"u{i}", "published": f"2020-01-{1 + i % 28:02d}T00:00:00+00:00",
         "body_text": "b" if i % 3 else None, "flags": ["article_missing"] if i % 5 == 0 else []}
        for i in range(60)
    ]  # fmt: skip
    whole, summarised = NewestEntries(7), NewestEntries(7)
    loaded: list[str] = []
    for record in records:
        whole.add(record)
        summarised.offer(feed_summary(record), lambda r=record: loaded.append(r["url"]) or r)
    assert summarised.entries() == whole.entries()
    assert len(loaded) < len(records)  # only records the feed kept (for a while) were asked for
