"""``archiver sources``: list the sources of the sources file (name, start URLs, timezone,
languages), one per line, tab-separated; a bad file is one line naming the file, the source
and the field (exit 2)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from archiver.cli import exit_codes
from archiver.sources import load_sources, sources_file


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("sources", help="list the sources of the sources file")
    parser.add_argument(
        "--sources",
        default=None,
        metavar="FILE",
        help="sources file (TOML; default: the bundled one; ARCHIVER_SOURCES_FILE)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        profiles = load_sources(args.sources)
    except ValueError as error:
        print(f"archiver sources: error: {error}", file=sys.stderr)
        return exit_codes.USAGE
    print(f"# {sources_file(args.sources)}")
    print("name\tstart_urls\ttimezone\tlanguages")
    for name, profile in sorted(profiles.items()):
        urls = " ".join(profile.start_urls) or "-"
        languages = ",".join(profile.languages) or "-"
        print(f"{name}\t{urls}\t{profile.timezone}\t{languages}")
    return exit_codes.OK
