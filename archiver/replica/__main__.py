"""``python -m archiver.replica``: the same as ``archiver replica`` (an entry point, like the
``archiver`` command itself, so it may call the CLI)."""

from __future__ import annotations

import sys

from archiver.cli import main

raise SystemExit(main(["replica", *sys.argv[1:]]))
