"""The ``archiver`` command: the door to crawling, the demo, dates, verification and replay.

Each subcommand lives in its own module with ``add_parser(subparsers)`` setting ``func``.
Exit codes are listed in archiver.cli.exit_codes.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from archiver import __version__
from archiver.cli import exit_codes

# Modules that register one subcommand each, in the order `archiver --help` lists them.
COMMAND_MODULES = (
    "archiver.cli.crawl",
    "archiver.cli.sources",
    "archiver.cli.demo",
    "archiver.cli.dates",
    "archiver.replica.cli",
    "archiver.cli.verify",
    "archiver.cli.replay",
    "archiver.cli.package",
    "archiver.cli.schedule",
    "archiver.cli.keygen",
    "archiver.cli.timestamp",
    "archiver.cli.prove",
    "archiver.cli.index",
    "archiver.cli.search",
)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help with each option's default (when it has one worth saying and its help does not
    say it already), descriptions and epilogs as written (the exit code list), and no
    docstring markup (backticks)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text.lower() or not action.option_strings:
            return text
        default = action.default
        if default is None or default is False or default in ([], (), argparse.SUPPRESS):
            return text
        return text + " (default: %(default)s)"

    def format_help(self) -> str:
        return super().format_help().replace("`", "")


class ArgumentParser(argparse.ArgumentParser):
    """argparse with a one-line error and exit status 2 (argparse prints the whole usage), and
    no abbreviated long options (``--start-ur`` is an error, not ``--start-url``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(exit_codes.USAGE)


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="archiver", description="Crawl news posts into an evidence archive."
    )
    parser.add_argument("--version", action="version", version=f"archiver {__version__}")
    commands: Any = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=ArgumentParser
    )
    commands.required = True
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
