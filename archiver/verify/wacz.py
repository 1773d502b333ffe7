"""Checks of a WACZ package for ``archiver verify``.

``wacz validate`` (py-wacz) checks the datapackage and the hashes of the files it lists,
but not that the files a replay tool needs are there, so this adds: ``datapackage.json``,
``datapackage-digest.json``, ``pages/pages.jsonl`` with at least one page, an index that
pywb's ``wb-manager add --unpack-wacz`` recognises (``indexes/*.cdx`` or ``*.cdx.gz``), and
every WARC of the run under ``archive/`` with the hash the run sealed. ``check_run_packages``
applies these checks (and the CDXJ index's presence) to a run as ``archiver verify`` reports
them; a run need not have a WACZ (it is made on demand) unless it was to make one as it ended.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wacz.main import main as wacz_main

from archiver.archive.layout import RunPaths
from archiver.archive.package import run_warc_files, wacz_each_run
from archiver.verify.warc import Defect, RecordEntry
from archiver.warc.records import ANSWER_TYPES

REQUIRED_MEMBERS = ("datapackage.json", "datapackage-digest.json", "pages/pages.jsonl")
_PYWB_INDEX = re.compile(r"^indexes/[^/]+\.cdx(\.gz)?$")


def check_run_packages(
    run: RunPaths, run_record: dict[str, Any], records: list[RecordEntry] | None = None
) -> list[Defect]:
    """Defects of a finished run's CDXJ index and WACZ. The index is required when packaging
    was on; the WACZ when the run was to make one as it ended (``ARCHIVER_WACZ_EACH_RUN``, or
    a run from before that setting: :func:`archiver.archive.package.wacz_each_run`); a WACZ
    made later (``archiver package``) is checked whenever it is there: complete, valid, its
    WARCs those the run sealed. ``records``: the records read from the run's WARCs, which the
    WACZ's index must match."""
    if run_record.get("status") == "running":
        return []  # never packaged; reported as incomplete by the caller
    settings = run_record.get("settings") or {}
    packaging = settings.get("ARCHIVER_PACKAGE_ENABLED", True)
    warcs = run_warc_files(run)
    if not warcs:
        return []
    defects = []
    indexed = packaging not in (False, "False", "false", "0", 0)
    if indexed and (not run.cdxj.is_file() or run.cdxj.stat().st_size == 0):
        defects.append(Defect("cdxj_missing", run.run_id, str(run.cdxj)))
    if not run.wacz.is_file():
        if indexed and wacz_each_run(settings):
            defects.append(Defect("wacz_missing", run.run_id, str(run.wacz)))
        return defects
    where = f"{run.run_id}/{run.wacz.name}"
    for problem in check_wacz(run.wacz, [w.name for w in warcs]):
        defects.append(Defect("wacz_invalid", where, problem))
    for problem in check_wacz_sealed(run.wacz, run_record.get("files") or {}):
        defects.append(Defect("wacz_not_as_sealed", where, problem))
    if records is not None:
        for problem in check_wacz_index(run.wacz, records):
            defects.append(Defect("wacz_index_mismatch", where, problem))
    return defects


def check_wacz_sealed(path: Path, files: dict[str, str]) -> list[str]:
    """Where the WACZ's datapackage.json gives a WARC another hash than the run sealed
    (run.json ``files``); with ``wacz validate`` (the members' bytes match the datapackage)
    this says the WACZ holds the very WARCs the run sealed."""
    try:
        with zipfile.ZipFile(path) as archive:
            package = json.loads(archive.read("datapackage.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        return [f"datapackage.json unreadable: {error}"]
    problems = []
    for resource in package.get("resources") or []:
        member = str(resource.get("path"))
        if not member.startswith("archive/"):
            continue
        sealed = files.get("warc/" + member.removeprefix("archive/"))
        if sealed is not None and resource.get("hash") != f"sha256:{sealed}":
            problems.append(f"{member}: {resource.get('hash')} != sealed sha256:{sealed}")
    return problems


def check_wacz_index(path: Path, records: list[RecordEntry]) -> list[str]:
    """Where the WACZ's CDX index disagrees with the WARC records: an entry that names no
    record (file, offset, length, URL), or a response or revisit record with no entry."""
    at = {(r.file, r.offset): r for r in records}
    problems: list[str] = []
    indexed: set[tuple[str, int]] = set()
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if _PYWB_INDEX.match(n)]
            lines = []
            for name in names:
                data = archive.read(name)
                if name.endswith(".gz"):
                    data = gzip.decompress(data)
                lines += data.decode("utf-8").splitlines()
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as error:
        return [f"index unreadable: {error}"]
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("!"):
            continue
        try:
            entry = json.loads(line.split(" ", 2)[2])
            key = (str(entry["filename"]), int(entry["offset"]))
            length = int(entry["length"])
        except (IndexError, KeyError, ValueError, TypeError) as error:
            problems.append(f"index line {number} unreadable: {error}")
            continue
        record = at.get(key)
        if record is None:
            problems.append(f"index line {number} names no record: {key[0]} at {key[1]}")
        elif record.length != length or record.target_uri != entry.get("url"):
            problems.append(
                f"index line {number} disagrees with the record at {key[0]}:{key[1]} "
                f"(length {length} vs {record.length}, url {entry.get('url')} vs "
                f"{record.target_uri})"
            )
        indexed.add(key)
    for record in records:
        if record.record_type in ANSWER_TYPES and ((record.file, record.offset) not in indexed):
            problems.append(
                f"{record.record_type} {record.target_uri} ({record.file} at {record.offset}) "
                "is not in the index"
            )
    return problems


def check_wacz(path: Path, warc_names: Iterable[str]) -> list[str]:
    """Problems with the WACZ at ``path`` (empty when it is complete and valid)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            problems = [f"{member} missing" for member in REQUIRED_MEMBERS if member not in names]
            if not any(_PYWB_INDEX.match(name) for name in names):
                problems.append("no indexes/*.cdx or *.cdx.gz index (pywb cannot load it)")
            for warc in sorted(warc_names):
                if f"archive/{warc}" not in names:
                    problems.append(f"archive/{warc} missing")
            if "pages/pages.jsonl" in names:
                problems += _check_pages(archive.read("pages/pages.jsonl"))
    except (OSError, zipfile.BadZipFile) as error:
        return [f"not a readable zip file: {error}"]
    if not problems:
        problems += validate_with_py_wacz(path)
    return problems


def _check_pages(data: bytes) -> list[str]:
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    try:
        entries = [json.loads(line) for line in lines]
    except ValueError as error:
        return [f"pages/pages.jsonl is not JSON lines: {error}"]
    if not entries or "format" not in entries[0]:
        return ["pages/pages.jsonl has no json-pages header"]
    if len(entries) < 2:
        return ["pages/pages.jsonl lists no page"]
    if any("url" not in entry or "ts" not in entry for entry in entries[1:]):
        return ["pages/pages.jsonl has a page without url or ts"]
    return []


def validate_with_py_wacz(path: Path) -> list[str]:
    """Run the checks of ``wacz validate`` in-process; its output is the problem when it fails."""

    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            code = wacz_main(["validate", "-f", str(path)])
    except Exception as error:  # a validator crash is a failed validation, with its reason
        return [f"wacz validate crashed: {type(error).__name__}: {error}"]
    if code != 0:
        last_lines = " | ".join(output.getvalue().strip().splitlines()[-3:])
        return [f"wacz validate failed: {last_lines}"]
    return []
