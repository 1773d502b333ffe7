"""``archiver dates``: normalise raw date texts from stdin, one JSON object per line to stdout.

A stable contract other tools call::

    archiver dates --tz America/New_York [--languages tr,en] [--order MDY|DMY|YMD]
                   [--fetched-at 2020-10-09T12:00:00+00:00]

A stream (``archiver.dates.stream``): each line is answered, flushed, as it is read; all lines
are one source, whose date order is learned from the lines before. Output, in input order:
``{"raw": ..., "published": ISO 8601 or null, "flags": [...]}`` (plus ``"candidates"`` when a
null has several possible instants); a line over 512 characters is answered ``too_long``.
Exit 0; bad arguments give a one-line error on stderr and exit 2. ``--fetched-at``
(optional) resolves relative dates ("3 hours ago"); without it they come out null. Reads no
Scrapy settings.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import datetime
from typing import Any

from archiver.dates import DateArgumentError, SourceDateNormaliser
from archiver.dates.stream import normalise_stream

EXIT_BAD_ARGUMENTS = 2


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``dates`` subcommand on an argparse subparsers object (``func=run``)."""
    parser = subparsers.add_parser(
        "dates",
        help="normalise raw date texts (one per line on stdin) to ISO 8601",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    configure_parser(parser)
    return parser


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tz", required=True, help="IANA timezone of the source")
    parser.add_argument(
        "--languages", default="", help="dateparser language codes, comma-separated (tr,en)"
    )
    parser.add_argument("--order", default=None, help="numeric date order: MDY, DMY or YMD")
    parser.add_argument(
        "--fetched-at", default=None, help="ISO 8601 fetch time for relative dates (aware)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read stdin, write JSON lines; 0 on success, 2 on bad arguments."""
    languages = [code.strip() for code in (args.languages or "").split(",") if code.strip()]
    order = args.order.upper() if args.order else None
    try:
        normaliser = SourceDateNormaliser(args.tz, languages, order)
        fetched_at = _fetch_time(args.fetched_at)
    except DateArgumentError as error:
        print(f"archiver dates: error: {error}", file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
    normalise_stream(sys.stdin.buffer, out, normaliser, fetched_at)
    out.detach()
    return 0


def _fetch_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise DateArgumentError(f"--fetched-at is not ISO 8601: {text!r}") from error
    if value.tzinfo is None:
        raise DateArgumentError("--fetched-at needs a UTC offset")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="archiver dates", description=__doc__, allow_abbrev=False)
    configure_parser(parser)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
