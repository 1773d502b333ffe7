"""``python -m archiver.replica``: the same as ``archiver replica``."""

from __future__ import annotations

from archiver.replica.cli import main

raise SystemExit(main())
