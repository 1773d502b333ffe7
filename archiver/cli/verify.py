"""``archiver verify DIR [--json] [--repair]``: check an archive; exit 0 only when all holds.

The checks themselves are :func:`archiver.verify.verify_archive`; this module is the command.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from archiver.archive.lock import ArchiveLocked
from archiver.cli import exit_codes
from archiver.verify import VerifyReport, verify_archive
from archiver.verify.archive import is_run_dir

EXPECTED = "an archive directory (the --output of archiver crawl) or one of its runs/RUN_ID"


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "verify", help="check an archive's WARCs, item pointers, hashes and WACZ"
    )
    parser.add_argument("directory", metavar="DIR", help="archive (OUTPUT) or one run directory")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--repair",
        action="store_true",
        help="first repair .open WARC files left by a crash (cut after the last whole record,"
        " close), then verify",
    )
    parser.set_defaults(func=run)


def path_problem(path: Path) -> str | None:
    """One line saying what was given and what is expected, or None when ``path`` will do."""
    if not path.exists():
        return f"{path} does not exist; expected {EXPECTED}"
    if not path.is_dir():
        return f"{path} is a file, not a directory; expected {EXPECTED}"
    if path.name == "runs" and not is_run_dir(path):
        return (
            f"{path} is the runs/ directory of an archive; verify the archive itself "
            f"(archiver verify {path.parent}) or one run ({path}/RUN_ID)"
        )
    if not is_run_dir(path) and not (path / "runs").is_dir():
        return f"{path} holds no runs/ directory and no run.json; expected {EXPECTED}"
    return None


def run(args: argparse.Namespace) -> int:
    path = Path(args.directory)
    problem = path_problem(path)
    if problem is not None:
        print(f"archiver verify: error: {problem}", file=sys.stderr)
        return exit_codes.USAGE
    try:
        report = verify_archive(path, repair=getattr(args, "repair", False))
    except ArchiveLocked as error:
        print(f"archiver verify: cannot repair now: {error}", file=sys.stderr)
        return exit_codes.FAILED
    if getattr(args, "json", False):
        print(json.dumps(_report_json(report), ensure_ascii=False, indent=2))
    else:
        print(report.summary())
    return exit_codes.OK if report.ok else exit_codes.FAILED


def _report_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "path": str(report.path),
        "ok": report.ok,
        "runs": report.runs,
        "warc_files": report.warc_files,
        "records": report.records,
        "items": report.items,
        "pointers_resolved": report.pointers_resolved,
        "catalogue_entries": report.catalogue_entries,
        "catalogue_resolved": report.catalogue_resolved,
        "files_hashed": report.files_hashed,
        "notes": report.notes,
        "crawl_in_progress": report.crawl_in_progress,
        "defects": [d.__dict__ for d in report.defects],
    }
