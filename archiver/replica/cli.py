"""``archiver replica``: serve the replica site so users can try the archiver offline.

    archiver replica [--host 127.0.0.1] [--port N] [--posts 60] [--seed 1] [--fault-rate 0.2]
                     [--latency-ms N] [--state FILE] [--print-truth]

Serves until Ctrl-C. Mutations for cron-mode trials: ``--state FILE`` names a JSON file
``{"operations": [{"op": "add", "title": "..."}, {"op": "edit", "node_id": 123, "body":
["New text."]}, {"op": "delete", "node_id": 124}]}``; the server re-reads it whenever it changes
and serves the base site with those operations applied, in order.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

from archiver.replica.content import ReplicaSite
from archiver.replica.options import FAULT_KINDS, TRAPS, ReplicaOptions
from archiver.replica.server import ReplicaServer


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``replica`` on the ``archiver`` command's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "replica",
        help="serve the bundled Drupal 7 replica site on loopback",
        description="Serve a Drupal 7 look-alike news site on loopback for offline trials.",
    )
    configure_parser(parser)
    parser.set_defaults(func=run)
    return parser


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback)")
    parser.add_argument("--port", type=_port, default=8000, help="port (0 = any free port)")
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow --host to be a non-loopback address (exposes the replica to the network)",
    )
    parser.add_argument("--posts", type=_positive, default=60, help="number of posts")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated content")
    parser.add_argument("--page-size", type=_positive, default=10, help="teasers per page")
    parser.add_argument(
        "--past-last-page",
        choices=("empty", "last"),
        default="empty",
        help="what a page past the last shows (Views: empty; core pager: the last again)",
    )
    parser.add_argument(
        "--fault-rate",
        type=_fraction,
        default=0.0,
        help="fraction of URLs failing their first attempts",
    )
    parser.add_argument(
        "--fault-kinds",
        default="503,500,drop",
        help=f"comma-separated subset of {','.join(FAULT_KINDS)}",
    )
    parser.add_argument("--latency-ms", type=_non_negative, default=0, help="added latency")
    parser.add_argument("--no-gzip", action="store_true", help="never compress responses")
    parser.add_argument(
        "--brotli", action="store_true", help="compress with br when the client accepts it"
    )
    parser.add_argument(
        "--trap",
        action="append",
        default=[],
        choices=TRAPS,
        help="switch on a hostile-input trap (repeatable)",
    )
    parser.add_argument("--state", metavar="FILE", help="JSON file of mutations to apply")
    parser.add_argument(
        "--print-truth", action="store_true", help="print the ground truth as JSON lines and exit"
    )


def options_from_args(args: argparse.Namespace) -> ReplicaOptions:
    kinds = tuple(kind.strip() for kind in args.fault_kinds.split(",") if kind.strip())
    return ReplicaOptions(
        posts=args.posts,
        seed=args.seed,
        page_size=args.page_size,
        past_last_page=args.past_last_page,
        fault_rate=args.fault_rate,
        fault_kinds=kinds,
        latency_ms=args.latency_ms,
        gzip=not args.no_gzip,
        brotli=args.brotli,
        traps=frozenset(args.trap),
    )


def run(args: argparse.Namespace) -> int:
    try:
        options = options_from_args(args)
        site = ReplicaSite(options)
        server = ReplicaServer(
            site,
            host=args.host,
            port=args.port,
            allow_non_loopback=args.allow_non_loopback,
            state_file=args.state,
        )
    except ValueError as error:
        sys.stderr.write(f"archiver replica: error: {error}\n")
        return 2
    if args.print_truth:
        server.reload_state()
        try:
            for entry in site.truth():
                sys.stdout.write(json.dumps(entry, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. piped into head: not an error
            sys.stderr.close()
        return 0
    try:
        server.start()
    except OSError as error:
        sys.stderr.write(
            f"archiver replica: error: cannot listen on {args.host}:{args.port}: {error}\n"
        )
        return 4
    print(f"Replica of a Drupal 7 news site at {server.base_url}/", flush=True)
    print(f"News listing: {server.listing_url}   (Ctrl-C stops)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("port must be between 0 and 65535")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value
