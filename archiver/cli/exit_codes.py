"""Exit codes of the ``archiver`` command (stable; cron jobs rely on them).

- 0 ``OK``: the run completed (new posts or not).
- 2 ``USAGE``: bad arguments; a one-line message says which.
- 3 ``PARTIAL``: the run completed, but some pages failed for good (listed in run.json).
- 4 ``FAILED``: the run could not run or was interrupted; the message says why.
"""

from __future__ import annotations

OK = 0
USAGE = 2
PARTIAL = 3
FAILED = 4
