"""Exit codes of the ``archiver`` command (stable; cron jobs rely on them).

- 0 ``OK``: the run completed (new posts or not).
- 2 ``USAGE``: bad arguments; a one-line message says which.
- 3 ``PARTIAL``: the run completed, but some pages failed for good (listed in run.json).
- 4 ``FAILED``: the run could not run or was interrupted; the message says why.
- 5 ``LIMITED``: the run completed, but a guard against traps (``ARCHIVER_MAX_LISTING_PAGES``,
  ``ARCHIVER_MAX_POSTS_PER_RUN``, ``ARCHIVER_MAX_EMPTY_LISTING_PAGES``) stopped the paging;
  run.json and changes.json name it (``limit_reached``). A run with failures is 3 even so.
"""

from __future__ import annotations

OK = 0
USAGE = 2
PARTIAL = 3
FAILED = 4
LIMITED = 5
