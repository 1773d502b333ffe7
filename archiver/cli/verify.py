"""``archiver verify DIR [--json] [--repair] [--public-key PEM] [--ca CERT]...``: check an
archive (or a proof bundle of ``archiver prove``); exit 0 only when all holds.

The checks themselves are :func:`archiver.verify.verify_archive`; this module is the command.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from archiver.archive.layout import ArchivePaths
from archiver.archive.lock import ArchiveLocked
from archiver.browse import BrowsePaths, build_browse, write_verify_result
from archiver.cli import exit_codes
from archiver.evidence.proof import is_proof_bundle
from archiver.verify import EvidenceOptions, VerifyReport, verify_archive
from archiver.verify.archive import is_run_dir
from archiver.verify.proof import verify_bundle

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
    parser.add_argument(
        "--public-key",
        metavar="PEM",
        help="check manifest signatures against this Ed25519 public key (default: the "
        "archive's own keys/<fingerprint>.pub, which proves integrity, not who signed)",
    )
    parser.add_argument(
        "--ca",
        metavar="CERT",
        action="append",
        default=[],
        help="trust timestamp replies signed under this CA certificate (PEM; repeatable)",
    )
    parser.add_argument(
        "--require-signature",
        action="store_true",
        help="an unsigned run is a defect (by default it is reported as UNSIGNED)",
    )
    parser.add_argument(
        "--require-timestamp",
        action="store_true",
        help="a run without a timestamp verified against --ca is a defect",
    )
    parser.set_defaults(func=run)


def evidence_options(args: argparse.Namespace) -> EvidenceOptions:
    public_key = getattr(args, "public_key", None)
    return EvidenceOptions(
        public_key=Path(public_key) if public_key else None,
        ca_certs=tuple(Path(ca) for ca in getattr(args, "ca", []) or []),
        require_signature=getattr(args, "require_signature", False),
        require_timestamp=getattr(args, "require_timestamp", False),
    )


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
    if is_proof_bundle(path):
        report = verify_bundle(path, evidence_options(args))
    else:
        problem = path_problem(path)
        if problem is not None:
            print(f"archiver verify: error: {problem}", file=sys.stderr)
            return exit_codes.USAGE
        try:
            report = verify_archive(
                path, repair=getattr(args, "repair", False), evidence=evidence_options(args)
            )
        except ArchiveLocked as error:
            print(f"archiver verify: cannot repair now: {error}", file=sys.stderr)
            return exit_codes.FAILED
    _remember(path, report)
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
        "catalogue_entries": report.catalogue_entries,
        "catalogue_resolved": report.catalogue_resolved,
        "files_hashed": report.files_hashed,
        "notes": report.notes,
        "evidence": report.evidence.to_json() if report.evidence is not None else None,
        "crawl_in_progress": report.crawl_in_progress,
        "defects": [d.__dict__ for d in report.defects],
    }
