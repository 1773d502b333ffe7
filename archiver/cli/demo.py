"""``archiver demo``: start the bundled replica on a free loopback port, crawl it with
loopback-speed settings, print a short summary, stop the replica.

It is the quickest way to see the whole pipeline work offline, and the README's first command.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from archiver.archive.layout import ArchivePaths
from archiver.cli import exit_codes
from archiver.cli.crawl import (
    add_settings_argument,
    crawl,
    describe_end,
    exit_code_for,
    settings_from_args,
    summary_block,
)
from archiver.files import read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.settings import LOOPBACK_SETTINGS
from archiver.verify import verify_archive

DEFAULT_DEMO_OUTPUT = "output/demo"


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("demo", help="crawl the bundled replica site (offline demo)")
    parser.add_argument(
        "--output",
        default=DEFAULT_DEMO_OUTPUT,
        metavar="DIR",
        help=f"archive directory (default {DEFAULT_DEMO_OUTPUT})",
    )
    parser.add_argument("--posts", type=int, default=60, help="posts on the replica (default 60)")
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=0.1,
        help="share of replica URLs that fail transiently before succeeding (default 0.1)",
    )
    add_settings_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:

    if args.posts < 1:
        print("archiver demo: error: --posts must be at least 1", file=sys.stderr)
        return exit_codes.USAGE
    if not 0.0 <= args.fault_rate < 1.0:
        print("archiver demo: error: --fault-rate must be in [0, 1)", file=sys.stderr)
        return exit_codes.USAGE
    site = ReplicaSite(ReplicaOptions(posts=args.posts, fault_rate=args.fault_rate))
    with ReplicaServer(site, host="127.0.0.1", port=0) as server:
        print(f"archiver demo: replica site serving at {server.base_url}", file=sys.stderr)
        args.start_url = [server.listing_url]
        args.source = None
        try:
            settings = settings_from_args(args, defaults=dict(LOOPBACK_SETTINGS))
        except ValueError as error:
            print(f"archiver demo: error: {error}", file=sys.stderr)
            return exit_codes.USAGE
        record = crawl(settings)
        truth_count = len(site.truth())
    if record.get("ran") is False:
        # Nothing ran (e.g. the archive is locked): no summary of a run that never was.
        print(describe_end(record, args.output), file=sys.stderr)
        return exit_code_for(record)
    print(summarise(record, Path(args.output), truth_count))
    if record.get("ran") is not False:
        # The whole archive, not only this run: the catalogue's pointers and the chain of
        # manifests across runs are checked too.
        report = verify_archive(Path(args.output))
        print(f"  verification:     {'OK' if report.ok else 'FAILED'}")
        print("    " + report.summary().replace("\n", "\n    "))
        if not report.ok:
            return exit_codes.FAILED
    print(describe_end(record, args.output), file=sys.stderr)
    return exit_code_for(record)


def summarise(record: dict[str, Any], output: Path, truth_count: int) -> str:
    """A few lines a person reads after the demo: what was archived and where."""
    run = ArchivePaths(output).run(str(record.get("run_id")))
    items = list(read_jsonl(run.items_jsonl))
    dated = sum(1 for item in items if item.get("published"))
    flags = Counter(flag for item in items for flag in item.get("flags") or [])
    date_flags = Counter(flag for item in items for flag in item.get("date_flags") or [])
    warcs = sorted(run.warc_dir.glob("*.warc.gz")) if run.warc_dir.is_dir() else []
    lines = [
        *summary_block(record, str(output)),
        f"  replica lists:    {truth_count} posts",
        f"  dates decided:    {dated} of {len(items)}"
        + (f"  ({_top(date_flags)})" if date_flags else ""),
        f"  flagged posts:    {sum(1 for i in items if i.get('flags'))}"
        + (f"  ({_top(flags)})" if flags else ""),
        f"  requests:         {record.get('counts', {}).get('downloader/request_count', 0)}",
        f"  items:            {run.items_jsonl}",
        f"  run record:       {run.run_json}",
        f"  WARC files:       {len(warcs)} in {run.warc_dir}",
    ]
    if run.wacz.exists():
        lines.append(f"  WACZ package:     {run.wacz}")
    else:
        lines.append(f"  WACZ package:     on demand: archiver package {output}")
    index_html = output / "index.html"
    if index_html.exists():
        lines.append(
            f"  browse:           {index_html} (search: archiver search WORDS --output {output})"
        )
    return "\n".join(lines)


def _top(counter: Counter[str]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counter.most_common(4))
