"""SHA-256 of a run's files: written into run.json when a run ends, checked by verify.

One function for both sides, so that what a run records and what verify recomputes can never
drift apart. Temporary (``.tmp``) and in-progress (``.partial``) files are not part of a run;
nor are the manifest and its evidence files, which are made from these hashes
(:mod:`archiver.evidence`).
"""

from __future__ import annotations

from collections.abc import Iterable

from archiver.archive.layout import RunPaths
from archiver.evidence import is_evidence_path
from archiver.files import sha256_file

__all__ = [
    "ON_DEMAND_FILES",
    "files_added_since",
    "hash_run_files",
    "run_file_names",
    "sha256_file",
]

_HASH_SKIP_SUFFIXES = (".tmp", ".partial")

ON_DEMAND_FILES = frozenset({"archive.wacz"})
"""Files a finished run may gain later, made from its sealed files and checked against them
(the WACZ of ``archiver package``): not a change to the run when they come after its seal."""


def run_file_names(run: RunPaths) -> list[str]:
    """Every file of the run that its hashes cover, by path relative to the run dir (not
    run.json, not the manifest and evidence files, not temporary or partial files)."""
    names = []
    for path in sorted(p for p in run.directory.rglob("*") if p.is_file()):
        if path == run.run_json or path.name.endswith(_HASH_SKIP_SUFFIXES):
            continue
        relative = path.relative_to(run.directory).as_posix()
        if not is_evidence_path(relative):
            names.append(relative)
    return names


def hash_run_files(run: RunPaths) -> dict[str, str]:
    """SHA-256 (hex) of every file of the run (:func:`run_file_names`)."""
    return {name: sha256_file(run.directory / name) for name in run_file_names(run)}


def files_added_since(run: RunPaths, listed: Iterable[str]) -> list[str]:
    """The run's files that its hashes (``listed``) do not name, but those made on demand."""
    return sorted(set(run_file_names(run)) - set(listed) - ON_DEMAND_FILES)
