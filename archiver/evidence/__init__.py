"""Evidence: a tamper-evident, signed and timestamped chain from every item to its bytes.

A finished run is *sealed* (:func:`archiver.evidence.seal.seal_run`, called by the run
lifecycle as its last step before run.json): ``runs/<run-id>/manifest.json`` lists every
file of the run (size, SHA-256), every item (URL, SHA-256 of its canonical JSON, WARC
pointer, payload digest) and the SHA-256 of the previous run's manifest (a hash chain across
the runs of one archive). The manifest is signed with Ed25519 when a key is configured
(``ARCHIVER_SIGNING_KEY``) and timestamped by an RFC 3161 authority when one is
(``ARCHIVER_TSA_URL``). Signatures and timestamp replies sit in ``runs/<run-id>/evidence/``.

This package sits just below ``archiver.archive`` (the lifecycle calls it) and takes plain
paths; the checks are :mod:`archiver.verify.evidence`.
"""

from __future__ import annotations

from archiver.evidence.manifest import (
    EVIDENCE_DIR,
    MANIFEST_NAME,
    canonical_json,
    is_evidence_path,
)

__all__ = ["EVIDENCE_DIR", "MANIFEST_NAME", "canonical_json", "is_evidence_path"]
