"""Where the browsing pages live in an archive (beside the files of archiver.archive.layout)::

    OUTPUT/index.html                      the archive's front page
    OUTPUT/verify.json                     the last verification of the archive root
    OUTPUT/posts/<name>.html               one post: every capture, diffs between them, and
                                           each capture's item as its run's items.jsonl holds
                                           it, at ``#item-<run-id>`` (:func:`item_anchor`)

``<name>`` is :func:`post_file_name` of the post's identity (archiver.items.post_key).

One file per post: a capture's item is on its post's page, not in a file of its own (issue 15:
a run's end wrote a directory and a file per capture, three quarters of the pages' cost).
Archives built before kept ``OUTPUT/posts/<name>/<run-id>.json``: derived files, removed by a
full build (``archiver index``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def post_file_name(post_key: str) -> str:
    """A file name for a post: its key made safe, plus a short hash so that keys that differ
    only in unsafe characters never share a file (``iuhrdf node/12`` -> ``iuhrdf-node-12-…``)."""
    readable = _UNSAFE.sub("-", post_key).strip("-.")[:80] or "post"
    digest = hashlib.sha256(post_key.encode("utf-8")).hexdigest()[:10]
    return f"{readable}-{digest}"


@dataclass(frozen=True)
class BrowsePaths:
    root: Path

    @property
    def index_html(self) -> Path:
        return self.root / "index.html"

    @property
    def verify_json(self) -> Path:
        return self.root / "verify.json"

    @property
    def posts_dir(self) -> Path:
        return self.root / "posts"

    def post_page(self, name: str) -> Path:
        return self.posts_dir / f"{name}.html"


def item_anchor(run_id: str) -> str:
    """The id of a capture's item on its post's page: ``posts/<name>.html#item-<run-id>``."""
    return f"item-{run_id}"
