"""``archiver index DIR``: rebuild an archive's browsing pages (``index.html``, ``posts/``) and
bring its search index up to date. Every run does both when it ends; this does it on demand
(after an upgrade, a verification, or for an archive made before the pages existed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from archiver.archive.layout import ArchivePaths
from archiver.browse import BrowsePaths, build_browse, sync_search_index
from archiver.browse.markup import DEFAULT_REPLAY_BASE
from archiver.cli import exit_codes


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "index", help="rebuild an archive's index.html, post pages and search index"
    )
    parser.add_argument("directory", metavar="DIR", help="archive directory (OUTPUT)")
    parser.add_argument(
        "--replay-url",
        default=DEFAULT_REPLAY_BASE,
        metavar="URL",
        help=f"pywb collection the pages link to (default {DEFAULT_REPLAY_BASE}, "
        "as `archiver replay` serves)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = Path(args.directory)
    if not ArchivePaths(root).runs_dir.is_dir():
        print(f"archiver index: error: no archive (no runs/) in {root}", file=sys.stderr)
        return exit_codes.USAGE
    built = build_browse(root, replay=args.replay_url)
    synced = sync_search_index(root)
    print(
        f"archiver index: {built.posts} posts, {built.captures} captures, "
        f"{built.runs} runs: {BrowsePaths(root).index_html} ({synced} run(s) newly "
        "indexed for search)"
    )
    return exit_codes.OK
