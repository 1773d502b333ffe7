"""``archiver verify DIR [--json] [--repair]``: check an archive; exit 0 only when all holds.

The checks themselves are :func:`archiver.verify.verify_archive`; this module is the command.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from archiver.archive.layout import ArchivePaths
from archiver.browse import BrowsePaths, build_browse, write_verify_result
from archiver.cli import exit_codes
from archiver.verify import VerifyReport, verify_archive


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


def run(args: argparse.Namespace) -> int:
    report = verify_archive(Path(args.directory), repair=getattr(args, "repair", False))
    _remember(Path(args.directory), report)
    if getattr(args, "json", False):
        print(json.dumps(_report_json(report), ensure_ascii=False, indent=2))
    else:
        print(report.summary())
    return exit_codes.OK if report.ok else exit_codes.FAILED


def _remember(directory: Path, report: VerifyReport) -> None:
    """On an archive root: the result into verify.json, shown by its index.html."""
    if not ArchivePaths(directory).runs_dir.is_dir():
        return  # one run directory (or no archive): nothing of the archive's to update
    write_verify_result(directory, _report_json(report))
    if BrowsePaths(directory).index_html.exists():
        build_browse(directory)


def _report_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "path": str(report.path),
        "ok": report.ok,
        "runs": report.runs,
        "warc_files": report.warc_files,
        "records": report.records,
        "items": report.items,
        "pointers_resolved": report.pointers_resolved,
        "files_hashed": report.files_hashed,
        "notes": report.notes,
        "defects": [d.__dict__ for d in report.defects],
    }
