"""``archiver package DIR [RUN_ID ...] [--all] [--output PATH]``: write a run's WACZ on demand.

A run keeps its WARCs once, in ``warc/``; the WACZ (the WARCs, their index, the posts by title,
``datapackage.json``) is a second copy of them, so it is made when it is wanted (to hand over,
to open in ReplayWeb.page) rather than at every run's end (``ARCHIVER_WACZ_EACH_RUN`` does
that). DIR is an archive (OUTPUT; default run: the latest) or one run directory. The WACZ goes
to ``runs/<run-id>/archive.wacz``, or to ``--output PATH`` (one run only), written to a
temporary file and renamed. Its WARCs carry the hashes the run sealed; a WARC whose bytes
differ is refused (exit 4), and nothing is written. With a signing key (``--signing-key``,
else the run's own ``ARCHIVER_SIGNING_KEY``) the WACZ is signed (wacz-auth, ECDSA), and
timestamped with ``--tsa-url`` (else the run's ``ARCHIVER_TSA_URL``).

Takes no lock: it writes only into finished runs, which a crawl does not change (a resumed
run removes an earlier WACZ as it ends again). Reads no Scrapy settings.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path
from typing import Any

from archiver.archive.layout import ArchivePaths, RunPaths, is_run_id
from archiver.archive.lifecycle import seal_options
from archiver.archive.package import WaczSealedWithRun, package_sealed_run
from archiver.archive.wacz import WaczRefused
from archiver.cli import exit_codes
from archiver.evidence.seal import SealOptions, package_signer
from archiver.evidence.signing import SigningKeyError
from archiver.files import disk_full_message, read_json


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "package",
        help="write a run's WACZ (WARCs, index, pages) on demand",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        epilog="exit codes:\n  0  every WACZ written\n  2  bad arguments\n"
        "  4  a run could not be packaged (not finished, a WARC not as sealed, disk)",
    )
    parser.add_argument("directory", metavar="DIR", help="archive (OUTPUT) or one run directory")
    parser.add_argument(
        "run_ids", metavar="RUN_ID", nargs="*", help="runs to package (default: the latest)"
    )
    parser.add_argument("--all", action="store_true", help="package every finished run")
    parser.add_argument("--output", metavar="PATH", help="where to write the WACZ (one run only)")
    parser.add_argument(
        "--signing-key",
        metavar="PATH",
        help="sign with this key's ECDSA companion (PATH.ecdsa, made by archiver keygen; "
        "default: the run's ARCHIVER_SIGNING_KEY)",
    )
    parser.add_argument(
        "--tsa-url", metavar="URL", help="timestamp the signature (default: the run's own)"
    )
    parser.set_defaults(func=run)


def chosen_runs(args: argparse.Namespace) -> list[RunPaths]:
    """The runs named by DIR, RUN_ID... and --all; raises ValueError with a one-line reason."""
    path = Path(args.directory)
    if is_run_id(path.name) and (path / "run.json").exists():
        if args.run_ids or args.all:
            raise ValueError(f"{path} is one run: name no RUN_ID and no --all")
        return [RunPaths(path)]
    archive = ArchivePaths(path)
    known = archive.run_ids()
    if not known:
        raise ValueError(f"no runs in {path} (expected an archive or one of its runs/RUN_ID)")
    if args.all and args.run_ids:
        raise ValueError("name RUN_IDs or --all, not both")
    if args.all:
        return [archive.run(run_id) for run_id in known]
    missing = [run_id for run_id in args.run_ids if run_id not in known]
    if missing:
        raise ValueError(f"no run {', '.join(missing)} in {path}")
    return [archive.run(run_id) for run_id in args.run_ids or known[-1:]]


def run(args: argparse.Namespace) -> int:
    try:
        runs = chosen_runs(args)
    except ValueError as error:
        print(f"archiver package: error: {error}", file=sys.stderr)
        return exit_codes.USAGE
    if args.output and len(runs) > 1:
        print("archiver package: error: --output takes one run", file=sys.stderr)
        return exit_codes.USAGE
    if args.output:
        refusal = _output_refusal(Path(args.output), runs[0])
        if refusal:
            print(f"archiver package: error: --output {args.output}: {refusal}", file=sys.stderr)
            return exit_codes.USAGE
    failed = 0
    for run_paths in runs:
        if args.all and not _finished(run_paths):
            # --all means every finished run: one a crawl is writing (or left) is not one.
            print(f"archiver package: {run_paths.run_id}: skipped (not finished)", file=sys.stderr)
            continue
        destination = Path(args.output) if args.output else None
        try:
            options = _seal_options(run_paths, args)
            signer = package_signer(options)
            if args.signing_key is not None and signer is None:
                # Signing was asked for by name: an unsigned package is not what was wanted.
                raise SigningKeyError(
                    f"--signing-key {args.signing_key}: no ECDSA companion key "
                    f"({args.signing_key}.ecdsa, made by archiver keygen): nothing written"
                )
            written = package_sealed_run(run_paths, destination, signer=signer)
        except WaczSealedWithRun as error:
            print(f"archiver package: {run_paths.run_id}: {error}", file=sys.stderr)
            continue
        except (WaczRefused, SigningKeyError) as error:
            failed += 1
            print(f"archiver package: {run_paths.run_id}: {error}", file=sys.stderr)
            continue
        except OSError as error:
            failed += 1
            target = destination or run_paths.wacz
            reason = disk_full_message(error, target) or str(error)
            print(f"archiver package: {run_paths.run_id}: {reason}", file=sys.stderr)
            continue
        print(f"{run_paths.run_id}: {written} ({written.stat().st_size:,} bytes)")
    return exit_codes.FAILED if failed else exit_codes.OK


def _seal_options(run_paths: RunPaths, args: argparse.Namespace) -> SealOptions:
    """The signing key and TSA: the command's, else those the run was sealed with."""
    settings: dict[str, Any] = {}
    try:
        record = read_json(run_paths.run_json) if run_paths.run_json.is_file() else {}
    except (OSError, ValueError):
        record = {}  # packaging then refuses the run, saying why
    if isinstance(record, dict) and isinstance(record.get("settings"), dict):
        settings = dict(record["settings"])
    if args.signing_key is not None:
        settings["ARCHIVER_SIGNING_KEY"] = args.signing_key
    if args.tsa_url is not None:
        settings["ARCHIVER_TSA_URL"] = args.tsa_url
    return seal_options(settings)


def _output_refusal(output: Path, run_paths: RunPaths) -> str | None:
    """Why ``--output`` must not be written, or None: never a directory, never a file of the
    archive (its evidence, state or pages) but the run's own ``archive.wacz``, never an
    existing file that is not a ZIP (a WACZ is one)."""
    if output.is_dir():
        return "is a directory (name the WACZ file)"
    run_dir = run_paths.directory.resolve()
    root = run_dir.parent.parent if run_dir.parent.name == "runs" else run_dir
    target = output.resolve()
    if target != run_paths.wacz.resolve() and target.is_relative_to(root):
        return f"is inside the archive {root} (its files are evidence): write it elsewhere"
    if target.exists() and not zipfile.is_zipfile(target):
        return "exists and is not a WACZ (ZIP) file: not replaced"
    return None


def _finished(run_paths: RunPaths) -> bool:
    """Whether run.json says the run ended and holds its file hashes."""
    try:
        record = read_json(run_paths.run_json)
    except (OSError, ValueError):
        return False
    return (
        isinstance(record, dict) and record.get("status") != "running" and bool(record.get("files"))
    )
