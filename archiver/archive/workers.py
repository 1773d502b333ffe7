"""Several crawl processes as ONE run: the workers of a distributed crawl (``--redis URL``).

The request queue and the duplicate filter are scrapy-redis's (see
:mod:`archiver.extensions.distributed`); this module keeps what makes the processes one run of
the archive, in the same Redis, under keys namespaced by the archive (its absolute path) and
the run id (``archiver:<archive>:run`` -> run id; ``archiver:<archive>:<run-id>:*``):

- :meth:`RunWorkers.join`: the first worker picks the run id, the others take it; each gets a
  worker id (``w1``, ``w2``... unless ``ARCHIVER_WORKER_ID`` names it), used in its WARC file
  names, its items file (``items-<worker>.jsonl.partial``) and its crawl log;
- ``outstanding``: requests queued or held by a worker that has not gone idle since it took
  them. A request is counted before it is offered to the duplicate filter (so a worker that
  finds its start request already seen also finds it counted), and a worker uncounts what it
  took only when its engine is idle (every callback done, every request it yielded queued and
  counted). The crawl is over when the count is 0: the queue is empty AND no worker has a
  request in flight. Until then an idle worker stays open (DontCloseSpider);
- :meth:`RunWorkers.leave`: a worker that has stopped leaves its report (counts, failures);
  the last one to leave gets every report and finishes the run, through the one run lifecycle
  (:func:`archiver.archive.lifecycle.finish_run`), then removes the run's keys.

The ``redis`` package (the ``scale`` extra) is imported only here, only when used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_ROOT = "archiver"
# The run id expires if no worker ever finishes it (a crashed run): a day later a new one starts.
RUN_KEY_TTL = 24 * 3600


def archive_namespace(output_dir: str | Path) -> str:
    """``archiver:<12 hex>``: the Redis namespace of the archive at ``output_dir``."""
    digest = hashlib.sha256(str(Path(output_dir).resolve()).encode()).hexdigest()[:12]
    return f"{KEY_ROOT}:{digest}"


@dataclass(frozen=True)
class RunKeys:
    """The Redis keys of one distributed run."""

    namespace: str
    run_id: str

    def key(self, name: str) -> str:
        return f"{self.namespace}:{self.run_id}:{name}"

    @property
    def requests(self) -> str:
        return self.key("requests")

    @property
    def dupefilter(self) -> str:
        return self.key("dupefilter")

    @property
    def outstanding(self) -> str:
        return self.key("outstanding")

    @property
    def joined(self) -> str:
        return self.key("joined")

    @property
    def reports(self) -> str:
        return self.key("reports")


def connect(url: str) -> Any:
    """A Redis client for ``url`` (raises ValueError naming the extra when redis is missing)."""
    try:
        import redis
    except ImportError:
        raise ValueError(
            "--redis needs the redis and scrapy-redis packages: pip install 'archiver[scale]'"
        ) from None
    return redis.Redis.from_url(url, decode_responses=True)


class RunWorkers:
    """One worker's view of the distributed run of the archive ``output_dir``."""

    def __init__(self, client: Any, namespace: str) -> None:
        self.client = client
        self.namespace = namespace

    @classmethod
    def connect(cls, url: str, output_dir: str | Path) -> RunWorkers:
        return cls(connect(url), archive_namespace(output_dir))

    @property
    def run_key(self) -> str:
        return f"{self.namespace}:run"

    def keys(self, run_id: str) -> RunKeys:
        return RunKeys(self.namespace, run_id)

    def join(self, new_run_id: str, worker: str | None = None) -> tuple[str, str]:
        """(run id, worker id): the run being crawled, or ``new_run_id`` when none is."""
        self.client.set(self.run_key, new_run_id, nx=True, ex=RUN_KEY_TTL)
        run_id = str(self.client.get(self.run_key))
        number = int(self.client.incr(self.keys(run_id).joined))
        return run_id, worker or f"w{number}"

    def count(self, run_id: str, delta: int) -> int:
        """Add ``delta`` to the run's outstanding requests; the new count."""
        return int(self.client.incrby(self.keys(run_id).outstanding, delta))

    def outstanding(self, run_id: str) -> int:
        return int(self.client.get(self.keys(run_id).outstanding) or 0)

    def leave(self, run_id: str, worker: str, report: dict[str, Any]) -> list[dict[str, Any]]:
        """Leave ``report``; every worker's reports when this one is the last, else []."""
        keys = self.keys(run_id)
        self.client.hset(keys.reports, worker, json.dumps(report))
        left = int(self.client.hlen(keys.reports))
        joined = int(self.client.get(keys.joined) or 0)
        if left < joined:
            return []
        # Only one worker may finish: the one that takes the run key away.
        if not self.client.delete(self.run_key):
            return []
        raw = self.client.hgetall(keys.reports)
        return [json.loads(raw[name]) for name in sorted(raw)]

    def forget(self, run_id: str) -> None:
        """Remove the run's keys (queue, duplicate filter, counts, reports)."""
        keys = self.keys(run_id)
        self.client.delete(
            keys.requests, keys.dupefilter, keys.outstanding, keys.joined, keys.reports
        )


def merge_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The run's report from its workers': counts summed, failures and item errors joined,
    the worst finish reason, the first limit reached."""
    counts: dict[str, Any] = {}
    failures: dict[str, dict[str, Any]] = {}
    item_errors: dict[str, str] = {}
    reasons = []
    limit = None
    for report in reports:
        for name, value in report.get("counts", {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                counts[name] = counts.get(name, 0) + value
            else:
                counts.setdefault(name, value)
        for failure in report.get("failures", []):
            failures.setdefault(failure["url"], failure)
        item_errors.update(report.get("item_errors", {}))
        reasons.append(report.get("finish_reason"))
        limit = limit or report.get("limit_reached")
    not_finished = [r for r in reasons if r != "finished"]
    return {
        "counts": counts,
        "failures": sorted(failures.values(), key=lambda f: f["url"]),
        "item_errors": item_errors,
        "finish_reason": not_finished[0] if not_finished else "finished",
        "limit_reached": limit,
        "workers": sorted(str(r.get("worker")) for r in reports),
    }
