"""Full-text search over every capture of the archive, in the state database (SQLite FTS5).

Each capture (a post as one run's ``items.jsonl`` holds it) is one row of ``search_captures``
and one row in each of two FTS5 tables (schema migration ``_V3_SEARCH``):

- ``search_words`` (``unicode61 remove_diacritics 2``): words of scripts written with spaces
  (Latin, Turkish, Arabic-script Uyghur), case and diacritics folded, prefix matching
  ("uygur" finds "Uyğurlar");
- ``search_trigrams`` (``trigram``): any run of three characters, for scripts written without
  spaces (Chinese, Japanese); a one- or two-character term of those scripts is a substring
  scan of the same table.

A query is whitespace-separated terms; a capture matches when it holds every term. The index is
filled from the runs' items files (:meth:`SearchIndex.index_run`), so it can always be rebuilt
from the archive itself. Reads no settings.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver.items import record_key
from archiver.state.schema import connect

logger = logging.getLogger(__name__)

_SNIPPET_CHARS = 80


@dataclass(frozen=True)
class SearchHit:
    """One capture that holds every term of a query."""

    post_key: str
    source: str
    url: str
    title: str | None
    published: str | None
    run_id: str
    crawled_at: str | None
    warc: dict[str, Any] | None
    """The capture's WARC pointer (file name, offset, length, record id, ...)."""
    snippet: str
    """The body (or title) around the first term found."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def is_unspaced_script(char: str) -> bool:
    """True for characters of scripts written without spaces between words (CJK, Thai...)."""
    name = unicodedata.name(char, "")
    return name.startswith(("CJK ", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR"))


class SearchIndex:
    """The search tables of one state database. ``SearchIndex.open(path)``; ``close()`` it."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    def open(cls, path: Path) -> SearchIndex:
        """Open (or create) the state database and bring its schema up to date."""
        return cls(connect(path))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- filling --------------------------------------------------------------------------

    def indexed_digest(self, run_id: str) -> str | None:
        row = self._db.execute(
            "SELECT items_sha256 FROM search_runs WHERE run_id = ?", (run_id,)
        ).fetchone()
        return str(row[0]) if row else None

    def index_run(self, run_id: str, items: Iterable[Mapping[str, Any]], digest: str) -> int:
        """Replace run ``run_id``'s captures with ``items``; ``digest`` names the items file.
        Returns the number of captures indexed. One transaction."""
        count = 0
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._delete_run(run_id)
            for item in items:
                self._insert(run_id, item)
                count += 1
            self._db.execute(
                "INSERT OR REPLACE INTO search_runs (run_id, items_sha256, indexed_at)"
                " VALUES (?, ?, ?)",
                (run_id, digest, datetime.now(UTC).replace(microsecond=0).isoformat()),
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return count

    def _delete_run(self, run_id: str) -> None:
        ids = [r[0] for r in self._db.execute(
            "SELECT id FROM search_captures WHERE run_id = ?", (run_id,)
        )]  # fmt: skip
        for table in ("search_words", "search_trigrams"):
            self._db.executemany(f"DELETE FROM {table} WHERE rowid = ?", [(i,) for i in ids])
        self._db.execute("DELETE FROM search_captures WHERE run_id = ?", (run_id,))

    def _insert(self, run_id: str, item: Mapping[str, Any]) -> None:
        key = record_key(item)
        self._db.execute(
            "DELETE FROM search_captures WHERE post_key = ? AND run_id = ?", (key, run_id)
        )
        warc = item.get("warc")
        cursor = self._db.execute(
            "INSERT INTO search_captures (post_key, source, url, run_id, title, published,"
            " crawled_at, warc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                str(item.get("source") or ""),
                str(item.get("url") or ""),
                run_id,
                item.get("title"),
                item.get("published"),
                item.get("crawled_at"),
                json.dumps(warc, ensure_ascii=False) if warc else None,
            ),
        )
        row = (cursor.lastrowid, item.get("title") or "", item.get("body_text") or "")
        for table in ("search_words", "search_trigrams"):
            self._db.execute(f"INSERT INTO {table} (rowid, title, body) VALUES (?, ?, ?)", row)

    # -- searching ------------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 100) -> list[SearchHit]:
        """Captures holding every term of ``query``, newest capture first."""
        terms = [t for t in (part.replace('"', "") for part in query.split()) if t]
        if not terms:
            return []
        conditions: list[str] = []
        arguments: list[str | int] = []
        for term in terms:
            sql, term_arguments = _term_condition(term)
            conditions.append(f"c.id IN ({sql})")
            arguments.extend(term_arguments)
        rows = self._db.execute(
            "SELECT c.*, w.body AS body FROM search_captures c"
            " JOIN search_words w ON w.rowid = c.id"
            f" WHERE {' AND '.join(conditions)}"
            " ORDER BY c.run_id DESC, c.published DESC, c.url LIMIT ?",
            (*arguments, limit),
        ).fetchall()
        return [_hit(row, terms) for row in rows]


def _term_condition(term: str) -> tuple[str, list[str]]:
    """SQL selecting the ids of captures holding ``term``, and its arguments."""
    if any(is_unspaced_script(char) for char in term):
        if len(term) >= 3:
            sql = "SELECT rowid FROM search_trigrams WHERE search_trigrams MATCH ?"
            return sql, [_phrase(term)]
        # The trigram table answers LIKE too (a scan for fewer than three characters).
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql = (
            "SELECT rowid FROM search_trigrams"
            " WHERE title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\'"
        )
        return sql, [pattern, pattern]
    sql = "SELECT rowid FROM search_words WHERE search_words MATCH ?"
    return sql, [_phrase(term) + "*"]


def _phrase(term: str) -> str:
    """``term`` as an FTS5 string (operators and punctuation taken literally)."""
    return '"' + term.replace('"', '""') + '"'


def _hit(row: sqlite3.Row, terms: list[str]) -> SearchHit:
    return SearchHit(
        post_key=row["post_key"],
        source=row["source"],
        url=row["url"],
        title=row["title"],
        published=row["published"],
        run_id=row["run_id"],
        crawled_at=row["crawled_at"],
        warc=json.loads(row["warc"]) if row["warc"] else None,
        snippet=_snippet(row["body"] or row["title"] or "", terms),
    )


def _snippet(text: str, terms: list[str]) -> str:
    folded = text.casefold()
    positions = [p for p in (folded.find(t.casefold()) for t in terms) if p >= 0]
    start = max(min(positions, default=0) - _SNIPPET_CHARS // 2, 0)
    piece = " ".join(text[start : start + _SNIPPET_CHARS].split())
    return ("…" if start else "") + piece + ("…" if start + _SNIPPET_CHARS < len(text) else "")
