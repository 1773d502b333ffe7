"""``archiver search "words" [--json] [--output DIR]``: find captures by words of their title
or body, in every run of the archive (SQLite FTS5 in ``state.sqlite``; see
archiver.state.search for how Latin, Arabic-script and Chinese text are matched).

Each hit names the post, the run that captured it and its WARC record. Exit 0 whether or not
anything matched (the count is printed); 2 for a bad query or directory.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from archiver.archive.layout import ArchivePaths
from archiver.browse import search_archive
from archiver.cli import exit_codes


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("search", help="full-text search over every capture")
    parser.add_argument("query", metavar="WORDS", help="words that must all occur")
    parser.add_argument(
        "--output", default="output", metavar="DIR", help="archive directory (default ./output)"
    )
    parser.add_argument("--json", action="store_true", help="print the hits as JSON")
    parser.add_argument("--limit", type=int, default=100, help="most hits shown (default 100)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = Path(args.output)
    if not ArchivePaths(root).runs_dir.is_dir():
        print(f"archiver search: error: no archive (no runs/) in {root}", file=sys.stderr)
        return exit_codes.USAGE
    if not args.query.split():
        print("archiver search: error: give at least one word", file=sys.stderr)
        return exit_codes.USAGE
    hits = search_archive(root, args.query, limit=max(args.limit, 1))
    if args.json:
        document = {"query": args.query, "count": len(hits), "hits": [h.as_json() for h in hits]}
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return exit_codes.OK
    for hit in hits:
        pointer = hit.warc or {}
        print(f"{hit.published or 'undated'}  {hit.title}")
        print(f"  {hit.url}")
        print(
            f"  run {hit.run_id}; WARC runs/{hit.run_id}/warc/{pointer.get('filename')}"
            f" @ {pointer.get('offset')}"
        )
        print(f"  {hit.snippet}")
    print(f"{len(hits)} capture(s) match {args.query!r}", file=sys.stderr)
    return exit_codes.OK
