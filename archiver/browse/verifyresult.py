"""``OUTPUT/verify.json``: the last verification of an archive root, for its front page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver.browse.paths import BrowsePaths
from archiver.files import atomic_write_json, read_json


def write_verify_result(root: Path, report: dict[str, Any]) -> Path:
    """Store ``report`` (``archiver verify --json``'s document) with the time it was made."""
    path = BrowsePaths(root).verify_json
    atomic_write_json(path, {"verified_at": _now(), **report})
    return path


def read_verify_result(root: Path) -> dict[str, Any] | None:
    path = BrowsePaths(root).verify_json
    if not path.exists():
        return None
    try:
        value = read_json(path)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
