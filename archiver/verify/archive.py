"""Verify an archive (or one run): is it what it claims to be? ``ok`` only when all holds.

DIR is an archive (the OUTPUT directory: every run is checked, and the pointers in
posts.jsonl) or a single run directory. For each run it checks:

- run.json: present, not left ``"status": "running"`` (a crawl that crashed or is still
  going: reported as incomplete), and the SHA-256 of every file it lists (``"files"``);
- every WARC file (see :mod:`archiver.verify.warc`), and ``.open`` files left behind by a
  crash (a defect, with the fix: ``archiver crawl --resume`` or ``archiver verify --repair``,
  which repairs them first: :mod:`archiver.warc.repair`);
- every ``revisit`` record's original: found in the archive (any run) with the same payload
  digest. A missing original is a defect when the whole archive is checked, a note when one
  run dir is checked alone (its originals may be in earlier runs);
- every item's ``warc`` pointer (items.jsonl, posts.jsonl): the file exists, a record with
  that id sits at that offset and length, it is a response (or revisit) of the item's URL
  (or, for a post whose page is gone, of its listing) with the stated date and digest; a
  revisit's pointer also names its original (``refers_to``), which must match the record;
- the CDXJ index is present; a WACZ, when the run has one (made on demand by ``archiver
  package``, or as the run ended), holds its required files (py-wacz's validator does not
  check that), lists every WARC of the run with the hash the run sealed, and passes
  ``wacz validate``;
- the evidence chain: manifests, signatures, timestamps, the run chain
  (:mod:`archiver.verify.evidence`).

Use: ``verify_archive(path, repair=False) -> VerifyReport`` (the ``archiver verify`` command is
:mod:`archiver.cli.verify`). Hashes come from :mod:`archiver.archive.hashes`, the same code
that wrote them. Reads no Scrapy settings.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.archive.hashes import files_added_since, sha256_file
from archiver.archive.layout import ArchivePaths, RunPaths, is_run_id
from archiver.archive.lock import ArchiveLock, LockHolder, lock_in_use
from archiver.archive.package import run_warc_files
from archiver.verify.evidence import EvidenceOptions, EvidenceReport, check_evidence
from archiver.verify.timestamps import check_run_timestamps
from archiver.verify.wacz import check_run_packages
from archiver.verify.warc import (
    Defect,
    RecordEntry,
    check_revisits,
    check_run_records,
    open_warc_files,
    scan_warc,
)
from archiver.warc.records import ANSWER_TYPES, REVISIT
from archiver.warc.repair import repair_open_warcs
from archiver.warc.writer import OPEN_SUFFIX

logger = logging.getLogger(__name__)

OPEN_WARC_FIX = (
    "resume the crawl (`archiver crawl --resume RUN_ID`) or run `archiver verify --repair`"
    " to cut it after its last whole record and close it"
)


@dataclass
class VerifyReport:
    """What was checked and every defect found; ``ok`` when there is none."""

    path: Path
    runs: list[str] = field(default_factory=list)
    warc_files: int = 0
    records: int = 0
    items: int = 0
    """Items of the runs' items.jsonl checked (one per post and run)."""
    pointers_resolved: int = 0
    catalogue_entries: int = 0
    """Entries of posts.jsonl checked (one per post of the archive)."""
    catalogue_resolved: int = 0
    files_hashed: int = 0
    defects: list[Defect] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence: EvidenceReport | None = None
    crawl_in_progress: str | None = None
    """Who holds the archive's lock while it is checked (a crawl at work), or None."""

    def pointer_summary(self) -> str:
        """Items and catalogue entries, counted apart: each post is in both."""
        if self.pointers_resolved == self.items and (
            self.catalogue_resolved == self.catalogue_entries
        ):
            return (
                f"{self.items} items, {self.catalogue_entries} catalogue entries: "
                "all pointers resolved"
            )
        return (
            f"{self.pointers_resolved}/{self.items} item pointers and "
            f"{self.catalogue_resolved}/{self.catalogue_entries} catalogue pointers resolved"
        )

    @property
    def ok(self) -> bool:
        return not self.defects and bool(self.runs)

    def summary(self) -> str:
        lines = [
            f"Verified {self.path}: {len(self.runs)} run(s), {self.warc_files} WARC file(s), "
            f"{self.records} record(s), {self.files_hashed} file hash(es) checked",
            "  " + self.pointer_summary(),
        ]
        lines += self.evidence.lines() if self.evidence is not None else []
        lines += [f"  note: {note}" for note in self.notes]
        lines += [f"  DEFECT {defect}" for defect in self.defects]
        in_progress = [d.where for d in self.defects if d.kind == "run_in_progress"]
        if in_progress and len(in_progress) == len(self.defects):
            lines.append(
                f"IN PROGRESS: run {', '.join(in_progress)} is being crawled now "
                f"({self.crawl_in_progress}); verify when the crawl has ended"
            )
        else:
            lines.append(
                "OK: every check holds" if self.ok else f"FAILED: {len(self.defects)} defect(s)"
            )
        return "\n".join(lines)


def archive_root_of(path: Path) -> Path | None:
    """The archive (OUTPUT) that ``path`` is, or whose ``runs/<run-id>`` it is; None for a run
    directory that stands alone (copied out of its archive)."""
    if is_run_dir(path):
        return path.parent.parent if path.parent.name == "runs" else None
    return path


def is_run_dir(path: Path) -> bool:
    return is_run_id(path.name) or (path / "run.json").exists() or (path / "warc").is_dir()


def verify_archive(
    path: Path, *, repair: bool = False, evidence: EvidenceOptions | None = None
) -> VerifyReport:
    """Check an archive (OUTPUT dir) or one run dir; never raises for a defect it can name.

    ``repair``: first repair the ``.open`` WARC files a crash left (each repair is a note).
    ``evidence``: the keys and CA certificates the evidence checks trust.
    Repairing changes the archive, so it holds the archive's lock (as a crawl does) for the
    whole check; raises :class:`archiver.archive.lock.ArchiveLocked` when a crawl holds it.
    Without ``repair``, a run that a crawl holding the lock is writing is reported as
    ``run_in_progress`` (not as a crash to repair).
    """
    path = Path(path)
    root = archive_root_of(path) if path.is_dir() else None
    if repair and root is not None:
        with ArchiveLock(ArchivePaths(root).lock_file, run_id=None, wait=0):
            return _verify(path, repair=True, crawl=None, evidence=evidence)
    held, holder = lock_in_use(ArchivePaths(root).lock_file) if root is not None else (False, None)
    return _verify(
        path, repair=repair, crawl=holder if held else None, locked=held, evidence=evidence
    )


def _verify(
    path: Path,
    *,
    repair: bool,
    crawl: LockHolder | None,
    locked: bool = False,
    evidence: EvidenceOptions | None = None,
) -> VerifyReport:
    report = VerifyReport(path)
    report.crawl_in_progress = crawl.describe() if crawl else ("a crawl" if locked else None)
    if not path.is_dir():
        report.defects.append(Defect("not_found", str(path), "no such directory"))
        return report
    archive = ArchivePaths(path)
    if is_run_dir(path):
        runs = [RunPaths(path)]
        archive_root = None
    else:
        runs = [archive.run(run_id) for run_id in archive.run_ids()]
        archive_root = archive
        if not runs:
            report.defects.append(Defect("no_runs", str(path), "no run directory under runs/"))
    if archive_root is not None:
        outside = [run for run in runs if not archive.contains(run.directory)]
        for run in outside:
            report.defects.append(
                Defect(
                    "run_outside_archive",
                    str(run.directory),
                    f"a symlink to {run.directory.resolve()}, out of the archive: not "
                    "checked or repaired",
                )
            )
        runs = [run for run in runs if run not in outside]
    if repair:
        for run in runs:
            root = archive.root if archive_root is not None else run.directory
            quarantine = archive.quarantine_dir if archive_root is not None else None
            for result in repair_open_warcs(run.warc_dir, root=root, quarantine=quarantine):
                report.notes.append(f"{run.run_id}: repaired {result.describe()}")
    run_indexes: dict[str, dict[str, RecordEntry]] = {}
    for run in runs:
        run_indexes[run.run_id] = _verify_run(run, report)
    every_record = [entry for entries in run_indexes.values() for entry in entries.values()]
    defects, unresolved = check_revisits(every_record, whole_archive=archive_root is not None)
    report.defects.extend(defects)
    if unresolved and archive_root is None:
        report.notes.append(
            f"{unresolved} revisit record(s) refer to records of other runs: verify the "
            "archive root to check them"
        )
    if archive_root is not None and archive_root.posts_jsonl.exists():
        _check_posts(archive_root, run_indexes, report)
    report.evidence = check_evidence(
        runs,
        run_indexes,
        archive_root=archive_root.root if archive_root is not None else None,
        options=evidence or EvidenceOptions(),
        check_timestamps=check_run_timestamps,
    )
    report.defects.extend(report.evidence.defects)
    report.notes.extend(report.evidence.notes)
    return report


def _verify_run(run: RunPaths, report: VerifyReport) -> dict[str, RecordEntry]:
    report.runs.append(run.run_id)
    name = run.run_id
    run_record = _check_run_json(run, report)
    if report.crawl_in_progress and run_record.get("status") == "running":
        return {}  # being written now: nothing of it is final yet
    records: list[RecordEntry] = []
    for stray in _stray_warc_dir_files(run):
        report.defects.append(
            Defect(
                "warc_unexpected_file",
                f"{name}/warc/{stray.name}",
                "not a .warc.gz written by the archiver (a plain .warc, an .arc or another "
                "file): not checked, not indexed, not packaged",
            )
        )
    for warc in run_warc_files(run) + open_warc_files(run.warc_dir):
        scan = scan_warc(warc)
        report.warc_files += 1
        report.records += len(scan.records)
        report.defects.extend(scan.defects)
        records.extend(scan.records)
        if warc.name.endswith(OPEN_SUFFIX):
            state = "complete records" if scan.complete else "ends in a truncated record"
            report.defects.append(
                Defect(
                    "warc_left_open",
                    f"{name}/warc/{warc.name}",
                    f"not closed by its crawl ({len(scan.records)} readable records, {state}): "
                    + OPEN_WARC_FIX,
                )
            )
    report.defects.extend(check_run_records(records))
    index = {(entry.file, entry.offset): entry for entry in records}
    by_id = {entry.record_id: entry for entry in records}
    items_path = run.items_jsonl if run.items_jsonl.exists() else run.items_partial
    for item in _items_checked(items_path, f"{name}/{items_path.name}", report):
        _check_pointer(item, by_id, index, f"{name}/{items_path.name}", report)
    report.defects.extend(check_run_packages(run, run_record, records))
    return by_id


def _stray_warc_dir_files(run: RunPaths) -> list[Path]:
    """Files in the run's warc/ directory that are neither finished nor ``.open`` WARCs."""
    if not run.warc_dir.is_dir():
        return []
    known = {*run_warc_files(run), *open_warc_files(run.warc_dir)}
    return sorted(p for p in run.warc_dir.iterdir() if p not in known)


def _items_checked(path: Path, where: str, report: VerifyReport) -> Iterator[dict[str, Any]]:
    """The items of a JSON-lines file; each line that is not a JSON object is a defect."""
    if not path.is_file():
        return
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as error:
                report.defects.append(
                    Defect("items_line_corrupt", f"{where}:{number}", f"not JSON: {error}")
                )
                continue
            if not isinstance(item, dict):
                report.defects.append(
                    Defect("items_line_corrupt", f"{where}:{number}", "not a JSON object")
                )
                continue
            yield item


def _check_run_json(run: RunPaths, report: VerifyReport) -> dict[str, Any]:
    name = run.run_id
    if not run.run_json.exists():
        report.defects.append(Defect("run_json_missing", name, "no run.json"))
        return {}
    try:
        record = json.loads(run.run_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        report.defects.append(Defect("run_json_unreadable", name, str(error)))
        return {}
    if not isinstance(record, dict):
        report.defects.append(Defect("run_json_unreadable", name, "not a JSON object"))
        return {}
    if record.get("status") == "running" and report.crawl_in_progress:
        report.defects.append(
            Defect(
                "run_in_progress",
                name,
                f"the run is in progress ({report.crawl_in_progress} holds the archive's "
                "lock): verify it when the crawl has ended",
            )
        )
        return record
    if record.get("status") == "running":
        report.defects.append(
            Defect(
                "run_incomplete",
                name,
                "run.json still says 'running': the crawl was killed or is still going; "
                "its files were never finalised (resume it or run again)",
            )
        )
        return record
    files = record.get("files")
    if not isinstance(files, dict) or not files:
        report.defects.append(Defect("run_hashes_missing", name, "run.json lists no file hashes"))
        return record
    for relative, expected in sorted(files.items()):
        target = run.directory / relative
        if not target.is_file():
            report.defects.append(
                Defect("run_file_missing", f"{name}/{relative}", "listed in run.json")
            )
            continue
        report.files_hashed += 1
        actual = sha256_file(target)
        if actual != expected:
            report.defects.append(
                Defect("run_file_hash_mismatch", f"{name}/{relative}", f"{actual} != {expected}")
            )
    unlisted = files_added_since(run, files)
    if unlisted:
        report.notes.append(f"{name}: files not in run.json: {', '.join(unlisted[:5])}")
    return record


def _check_pointer(
    item: dict[str, Any],
    by_id: dict[str, RecordEntry],
    index: dict[tuple[str, int], RecordEntry],
    where: str,
    report: VerifyReport,
    *,
    catalogue: bool = False,
) -> None:
    if catalogue:
        report.catalogue_entries += 1
    else:
        report.items += 1
    url = str(item.get("url"))
    pointer = item.get("warc")
    label = f"{where}: {url}"
    if not isinstance(pointer, dict):
        report.defects.append(Defect("item_without_pointer", label, "no warc pointer"))
        return
    filename = str(pointer.get("filename"))
    offset = pointer.get("offset")
    entry = None
    if isinstance(offset, int):
        # A pointer names the final file; an interrupted run's records are still in .open.
        entry = index.get((filename, offset)) or index.get((filename + OPEN_SUFFIX, offset))
    if entry is None:
        known = by_id.get(str(pointer.get("record_id")))
        detail = f"no record at {filename}@{offset}"
        if known is not None:
            detail += f" (the record is at {known.file}@{known.offset})"
        report.defects.append(Defect("pointer_unresolved", label, detail))
        return
    problems = []
    if entry.record_id != pointer.get("record_id"):
        problems.append(f"record id {entry.record_id} != {pointer.get('record_id')}")
    if entry.record_type not in ANSWER_TYPES:
        problems.append(f"points at a {entry.record_type} record")
    if pointer.get("length") != entry.length:
        problems.append(f"length {pointer.get('length')} != {entry.length}")
    if entry.payload_digest != pointer.get("payload_digest"):
        problems.append(f"digest {pointer.get('payload_digest')} != {entry.payload_digest}")
    if pointer.get("date") != entry.date:
        problems.append(f"date {pointer.get('date')} != {entry.date}")
    if pointer.get("target_uri") != entry.target_uri:
        problems.append(f"target {pointer.get('target_uri')} != {entry.target_uri}")
    refers_to = pointer.get("refers_to")
    if isinstance(refers_to, dict) and entry.record_type == REVISIT:
        if entry.refers_to and refers_to.get("record_id") != entry.refers_to:
            problems.append(f"refers_to {refers_to.get('record_id')} != {entry.refers_to}")
        if refers_to.get("payload_digest") != entry.payload_digest:
            problems.append(f"refers_to digest {refers_to.get('payload_digest')}")
    allowed = {url, item.get("listed_url"), item.get("listing_url")}
    if entry.target_uri not in allowed:
        problems.append(f"record is of {entry.target_uri}, not of the item or its listing")
    if problems:
        report.defects.append(Defect("pointer_mismatch", label, "; ".join(problems)))
    elif catalogue:
        report.catalogue_resolved += 1
    else:
        report.pointers_resolved += 1


def _check_posts(
    archive: ArchivePaths, run_indexes: dict[str, dict[str, RecordEntry]], report: VerifyReport
) -> None:
    # A run a crawl is finishing now has merged its posts into posts.jsonl before its run.json
    # says it has ended: their pointers are checked once it has.
    in_progress = {d.where for d in report.defects if d.kind == "run_in_progress"}
    for post in _items_checked(archive.posts_jsonl, archive.posts_jsonl.name, report):
        run_id = str(post.get("run_id"))
        if run_id in in_progress:
            continue
        entries = run_indexes.get(run_id)
        if entries is None:
            report.catalogue_entries += 1
            report.defects.append(
                Defect("pointer_run_missing", f"posts.jsonl: {post.get('url')}", f"run {run_id}")
            )
            continue
        index = {(e.file, e.offset): e for e in entries.values()}
        _check_pointer(post, entries, index, "posts.jsonl", report, catalogue=True)
