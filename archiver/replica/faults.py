"""Which requests the replica fails on purpose, decided from the path and the seed alone.

A fraction ``fault_rate`` of URLs (path with query) fails its first 1..``fault_attempts``
attempts with one of ``fault_kinds`` and then succeeds, so a crawler that retries gets
everything and one that does not loses exactly those URLs. robots.txt and listing pages are
eligible like any other URL.
"""

from __future__ import annotations

import hashlib

from archiver.replica.options import ReplicaOptions


class FaultPlan:
    """Deterministic fault decisions for one replica."""

    def __init__(self, options: ReplicaOptions) -> None:
        self.rate = options.fault_rate
        self.kinds = tuple(options.fault_kinds)
        self.max_attempts = options.fault_attempts
        self.seed = options.seed

    def _digest(self, target: str) -> bytes:
        return hashlib.sha256(f"replica-faults:{self.seed}:{target}".encode()).digest()

    def failing_attempts(self, target: str) -> int:
        """How many first attempts at ``target`` fail (0 = never)."""
        if self.rate <= 0:
            return 0
        digest = self._digest(target)
        if int.from_bytes(digest[:8], "big") / 2**64 >= self.rate:
            return 0
        return 1 + digest[8] % self.max_attempts

    def fault_for(self, target: str, attempt: int) -> str | None:
        """The fault kind for the ``attempt``-th (1-based) request of ``target``, or None."""
        if attempt > self.failing_attempts(target):
            return None
        digest = self._digest(target)
        return self.kinds[(digest[9] + attempt) % len(self.kinds)]
