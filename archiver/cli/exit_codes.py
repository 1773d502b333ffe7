"""Exit codes of the ``archiver`` command (stable; cron jobs rely on them).

- 0 ``OK``: the run completed (new posts or not).
- 2 ``USAGE``: bad arguments; a one-line message says which.
- 3 ``PARTIAL``: the run completed, but some pages failed for good (listed in run.json).
- 4 ``FAILED``: the run could not run, failed or was interrupted; the message says why (the
  archive is locked, no listing page could be fetched, the start URL lists no post
  (``no_teasers``: a post page, or a redesigned site), Ctrl-C (``interrupted``: ``archiver
  crawl --resume`` continues it)...). ``archiver verify``: a defect, or a run in progress.
- 5 ``LIMITED``: the run completed, but a guard against traps (``ARCHIVER_MAX_LISTING_PAGES``,
  ``ARCHIVER_MAX_POSTS_PER_RUN``, ``ARCHIVER_MAX_EMPTY_LISTING_PAGES``) stopped the paging;
  run.json and changes.json name it (``limit_reached``). A run with failures is 3 even so.

:data:`CODES` holds the same, for ``archiver crawl --help`` (one source).
"""

from __future__ import annotations

import textwrap

OK = 0
USAGE = 2
PARTIAL = 3
FAILED = 4
LIMITED = 5

CODES: tuple[tuple[int, str], ...] = (
    (OK, "the run completed (new posts or not)"),
    (USAGE, "bad arguments (a one-line message says which)"),
    (PARTIAL, "the run completed, but some pages failed for good (run.json: failures)"),
    (
        FAILED,
        "the run could not run, failed or was interrupted: the archive is locked, no listing "
        "page could be fetched, the start URL lists no post (no_teasers), Ctrl-C (interrupted: "
        "archiver crawl --resume continues it)",
    ),
    (LIMITED, "the run completed, but an ARCHIVER_MAX_* guard stopped the paging"),
)


def epilog() -> str:
    """The exit codes, as the end of a command's --help."""
    lines = ["exit codes:"]
    for code, meaning in CODES:
        lines += textwrap.wrap(
            meaning, width=78, initial_indent=f"  {code}  ", subsequent_indent="     "
        )
    return "\n".join(lines)
