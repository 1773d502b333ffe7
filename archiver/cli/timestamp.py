"""``archiver timestamp DIR [--tsa-url URL]``: add the RFC 3161 timestamps a run lacks.

A run whose time stamp authority was down when it ended is complete but marked
``"timestamped": false`` in run.json (``evidence.untimestamped`` lists what lacks one). This
asks the TSA (``--tsa-url``, else the run's own ``ARCHIVER_TSA_URL``) for each missing
timestamp, stores the replies in the run's ``evidence/`` folder and updates run.json. DIR is
an archive (every run) or one run directory. Holds the archive's lock while it writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from archiver.archive.layout import ArchivePaths, RunPaths, is_run_id
from archiver.archive.lock import ArchiveLock, ArchiveLocked
from archiver.cli import exit_codes
from archiver.evidence.timestamps import TimestampError, add_missing_timestamps


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "timestamp", help="add missing RFC 3161 timestamps to finished runs"
    )
    parser.add_argument("directory", metavar="DIR", help="archive (OUTPUT) or one run directory")
    parser.add_argument("--tsa-url", default="", help="the time stamp authority (RFC 3161)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.directory)
    if is_run_id(path.name) and (path / "run.json").exists():
        runs, root = [RunPaths(path)], path.parent.parent
    else:
        archive = ArchivePaths(path)
        runs, root = [archive.run(run_id) for run_id in archive.run_ids()], path
    if not runs:
        sys.stderr.write(f"archiver timestamp: no runs in {path}\n")
        return exit_codes.USAGE
    complete = True
    try:
        with ArchiveLock(ArchivePaths(root).lock_file):
            for run_paths in runs:
                try:
                    state = add_missing_timestamps(run_paths.directory, args.tsa_url)
                except TimestampError as error:
                    print(f"{run_paths.run_id}: {error}")
                    complete = False
                    continue
                if state is None:
                    print(f"{run_paths.run_id}: no manifest (not sealed), skipped")
                    continue
                complete = complete and bool(state["timestamped"])
                missing = state.get("untimestamped") or []
                print(
                    f"{run_paths.run_id}: {len(state['timestamps'])} timestamp(s)"
                    + (
                        f", {len(missing)} still missing: {state.get('timestamp_error')}"
                        if missing
                        else ""
                    )
                )
    except ArchiveLocked as error:
        sys.stderr.write(f"archiver timestamp: {error}\n")
        return exit_codes.FAILED
    return exit_codes.OK if complete else exit_codes.FAILED
