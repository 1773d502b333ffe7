"""Full-text search over every capture (archiver.state.search, ``archiver search``): words of
Latin/Turkish, Arabic-script Uyghur and Chinese text are found, each hit names its item, run
and WARC record; the index lives in state.sqlite as a schema migration and follows the runs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from browse_archive import two_run_archive
from helpers import run_archiver

from archiver.browse import search_archive, sync_search_index
from archiver.state import ArchiveState
from archiver.state.schema import MIGRATIONS, SCHEMA_VERSION
from archiver.state.search import SearchIndex


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    two_run_archive(tmp_path)
    return tmp_path


def _found(archive: Path, query: str) -> set[tuple[str, str]]:
    return {(hit.url.rsplit("-", 1)[1], hit.run_id) for hit in search_archive(archive, query)}


@pytest.mark.parametrize(
    ("query", "node"),
    [
        ("gösteri", "11"),  # Turkish, as written
        ("GOSTERI", "11"),  # case and diacritics folded
        ("uygurlar", "11"),  # ğ -> g
        ("istanbul", "11"),  # İ -> i
        ("camps close", "11"),  # every word, anywhere
        ("ئۇيغۇرلار", "12"),  # Uyghur (Arabic script), a whole word
        ("خىتاي", "12"),
        ("لاگېر", "12"),  # a word's stem finds its inflected form (prefix)
        ("集中营", "13"),  # Chinese: no spaces between words (trigrams)
        ("新疆", "13"),  # two characters: a substring scan
        ("维吾尔人权", "13"),  # in the title
    ],
)
def test_a_word_of_each_script_is_found(archive: Path, query: str, node: str) -> None:
    assert {found for found, _ in _found(archive, query)} == {node}


def test_every_capture_is_a_hit_with_its_run_and_warc_record(archive: Path) -> None:
    # Post 11 was captured in both runs (its body changed; "camps" is in both versions).
    assert _found(archive, "camps") == {("11", "20260101T100000Z"), ("11", "20260201T100000Z")}
    assert _found(archive, "added paragraph") == {("11", "20260201T100000Z")}
    hit = search_archive(archive, "added paragraph")[0]
    assert hit.title == "Gösteri in Istanbul (updated)"
    assert hit.warc is not None and hit.warc["offset"] == 1011
    assert hit.warc["filename"] == "archiver-20260201T100000Z-00000.warc.gz"
    assert "added paragraph" in hit.snippet


def test_query_syntax_is_taken_literally(archive: Path) -> None:
    for query in ('"', "OR", "AND NOT", "title:x", "*", "NEAR(a b)", "%", "_"):
        assert search_archive(archive, query) == []


def test_sync_indexes_each_run_once_and_again_when_its_items_change(archive: Path) -> None:
    assert sync_search_index(archive) == 2
    assert sync_search_index(archive) == 0
    items = archive / "runs" / "20260101T100000Z" / "items.jsonl"
    items.write_text(items.read_text().replace("集中营", "再教育营"), encoding="utf-8")
    assert sync_search_index(archive) == 1
    assert _found(archive, "集中营") == {("13", "20260201T100000Z")}


def test_search_is_the_migration_after_v1_and_leaves_v1_tables_alone(tmp_path: Path) -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 2
    database = tmp_path / "state.sqlite"
    with ArchiveState.open(database) as state:
        assert state.schema_version == SCHEMA_VERSION
    with SearchIndex.open(database) as index:  # same schema, nothing to migrate
        assert index.search("anything") == []
    tables = {
        row[0]
        for row in sqlite3.connect(database).execute("SELECT name FROM sqlite_master")
        if row[0].startswith("search_")
    }
    assert {"search_captures", "search_words", "search_trigrams", "search_runs"} <= tables


def test_archiver_search_json_and_text(archive: Path) -> None:
    completed = run_archiver("search", "集中营", "--json", "--output", str(archive), timeout=60)
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert document["count"] == 2  # both captures of post 13
    assert {h["run_id"] for h in document["hits"]} == {"20260101T100000Z", "20260201T100000Z"}
    assert all(h["warc"]["record_id"] for h in document["hits"])
    text = run_archiver("search", "خىتاي", "--output", str(archive), timeout=60)
    assert text.returncode == 0
    assert "runs/20260101T100000Z/warc/archiver-20260101T100000Z-00000.warc.gz @ 1012" in (
        text.stdout
    )
    assert "1 capture(s) match" in text.stderr


def test_archiver_search_refuses_a_directory_without_runs(tmp_path: Path) -> None:
    completed = run_archiver("search", "x", "--output", str(tmp_path), timeout=60)
    assert completed.returncode == 2
    assert not (tmp_path / "state.sqlite").exists()
