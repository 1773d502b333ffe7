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
from archiver.cli import collector, exit_codes

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


def command_name(module_name: str) -> str:
    """The subcommand a module of COMMAND_MODULES registers: ``archiver.cli.<name>``, or
    ``archiver.<name>.cli`` for a command living with its package (the replica)."""
    parts = module_name.split(".")
    return parts[2] if parts[1] == "cli" else parts[1]


def build_parser(argv: Sequence[str] | None = None) -> ArgumentParser:
    """The ``archiver`` parser. Given the command line (``argv``) naming a command, only that
    command's module is imported: each pulls in its own libraries (the crawl: Scrapy; verify
    and replay: WACZ and CDXJ tools), and importing them all took a third of a second at
    every start. Without a known command (``archiver --help``, a typo) all are."""
    parser = ArgumentParser(
        prog="archiver", description="Crawl news posts into an evidence archive."
    )
    parser.add_argument("--version", action="version", version=f"archiver {__version__}")
    commands: Any = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=ArgumentParser
    )
    commands.required = True
    named = next((arg for arg in argv or () if not arg.startswith("-")), None)
    modules = [m for m in COMMAND_MODULES if command_name(m) == named] or COMMAND_MODULES
    for module_name in modules:
        importlib.import_module(module_name).add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` names; its exit code. Without ``argv`` (the ``archiver``
    command, ``python -m archiver``) the command line is the process's own, and so is its
    garbage collector (archiver.cli.collector: off while the command's modules load, nothing
    collected at exit); a caller that passes ``argv`` keeps its collector as it is."""
    if argv is None:
        argv = sys.argv[1:]
        collector.own_process()
    try:
        parser = build_parser(argv)
        args = parser.parse_args(argv)
    finally:
        collector.start_up_done()
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
