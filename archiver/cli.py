"""The ``archiver`` command: the door to crawling, the demo, dates, verification and replay.

Exit codes are listed in archiver.exit_codes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from archiver import __version__, exit_codes


class ArgumentParser(argparse.ArgumentParser):
    """argparse with a one-line error and exit status 2 (argparse prints the whole usage)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(exit_codes.USAGE)


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="archiver", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"archiver {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    commands.required = True
    from archiver import crawl_cli, dates_cli, demo_cli, verify
    from archiver.replica import cli as replica_cli

    crawl_cli.add_parser(commands)
    demo_cli.add_parser(commands)
    dates_cli.add_parser(commands)
    replica_cli.add_parser(commands)
    verify.add_parser(commands)
    _add_optional(commands)
    return parser


def _add_optional(commands: argparse._SubParsersAction[ArgumentParser]) -> None:
    """Commands whose modules need optional extras (pywb for replay)."""
    from archiver import replay

    replay.add_parser(commands)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
