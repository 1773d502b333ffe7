"""SHA-256 of a run's files: written into run.json when a run ends, checked by verify.

One function for both sides, so that what a run records and what verify recomputes can never
drift apart. Temporary (``.tmp``) and in-progress (``.partial``) files are not part of a run;
nor are the manifest and its evidence files, which are made from these hashes
(:mod:`archiver.evidence`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from archiver.archive.layout import RunPaths
from archiver.evidence import is_evidence_path

__all__ = ["hash_run_files", "sha256_file"]

_HASH_SKIP_SUFFIXES = (".tmp", ".partial")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def hash_run_files(run: RunPaths) -> dict[str, str]:
    """SHA-256 (hex) of every file of the run, by path relative to the run dir (not run.json,
    not the manifest and evidence files)."""
    hashes: dict[str, str] = {}
    for path in sorted(p for p in run.directory.rglob("*") if p.is_file()):
        if path == run.run_json or path.name.endswith(_HASH_SKIP_SUFFIXES):
            continue
        relative = path.relative_to(run.directory).as_posix()
        if not is_evidence_path(relative):
            hashes[relative] = sha256_file(path)
    return hashes
