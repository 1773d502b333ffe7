"""How much ``archiver crawl`` says on the terminal: ``--quiet``, default, ``--verbose``.

- ``--quiet``: errors and the final summary line only (``LOG_LEVEL=ERROR``, no progress);
- default: on a terminal, the live progress line and warnings (``LOG_LEVEL=WARNING``); not on
  a terminal (cron), Scrapy's INFO log as before, no progress;
- ``--verbose``: Scrapy's INFO log on the terminal (with the progress line on a terminal).

``-s LOG_LEVEL=...`` / ``-s ARCHIVER_PROGRESS=...`` still win over all three.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.settings import SETTINGS_PRIORITIES, Settings

from archiver.extensions.progress import progress_wanted


def add_verbosity_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--quiet",
        "-q",
        dest="verbosity",
        action="store_const",
        const="quiet",
        help="print only errors and the final summary line (no progress, LOG_LEVEL=ERROR)",
    )
    group.add_argument(
        "--verbose",
        "-v",
        dest="verbosity",
        action="store_const",
        const="verbose",
        help="show Scrapy's INFO log on the terminal (LOG_LEVEL=INFO)",
    )


def apply_verbosity(settings: Settings, verbosity: str | None) -> None:
    """Set LOG_LEVEL and ARCHIVER_PROGRESS for ``verbosity``, unless ``-s`` set them."""
    user = SETTINGS_PRIORITIES["cmdline"]

    def choose(name: str, value: str) -> None:
        if (settings.getpriority(name) or 0) < user:
            settings.set(name, value, priority="cmdline")

    if verbosity == "quiet":
        choose("LOG_LEVEL", "ERROR")
        choose("ARCHIVER_PROGRESS", "off")
    elif verbosity == "verbose":
        choose("LOG_LEVEL", "INFO")
    elif progress_wanted(str(settings.get("ARCHIVER_PROGRESS", "auto")), sys.stderr):
        choose("LOG_LEVEL", "WARNING")  # the progress line says the rest
