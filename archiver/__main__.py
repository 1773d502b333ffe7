"""``python -m archiver`` = the ``archiver`` command (works before the script is on PATH)."""

from __future__ import annotations

from archiver.cli import main

raise SystemExit(main())
