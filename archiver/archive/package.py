"""Index and package a finished run: its CDXJ index, and its WACZ when one is wanted.

``package_run`` is called once a run's WARC files are closed and its items.jsonl is final.
It writes ``indexes/index.cdxj``: from the lines the WARC writer made as it wrote each record
(:func:`written_cdxj`), or, when its notes do not tile a file (a crash), with cdxj-indexer
(sorted, POST bodies appended to the key as pywb expects). With ``ARCHIVER_WACZ_EACH_RUN`` it
also writes ``archive.wacz`` (:mod:`archiver.archive.wacz`); by default it does not: the WACZ
holds a second copy of every WARC, so it is made on demand by ``archiver package``
(:func:`package_sealed_run`), from the files the run sealed. Every file is written to a
temporary name and renamed, so a crash never leaves a half-written index or package.

The WACZ's ``pages/pages.jsonl`` is built from the items (the URL, date and title of each
item's WARC record, so a replay tool lists the posts by title); a run without items lists the
HTML pages its WARCs hold instead (its listing pages, which may all be revisits).

The run's own CDXJ indexes every response, revisit and resource record of its WARCs: it is
the evidence's record-complete index (one line per record, revisits of the server-not-modified
profile, i.e. 304 answers to conditional requests, included), so index, pages list and WARCs
agree; the WACZ's index is the same lines. It is not a replay index on its own: pywb replays a
revisit whose HTTP status is a 3xx (a 304 included) as that empty answer (its ResolvingLoader
short-circuits 3xx revisits instead of resolving ``WARC-Refers-To``), so a browser asking for a
post at the time of an unchanged full run would get an empty 304. The replay collection
(``archiver replay``) is therefore indexed with ``write_cdxj(..., for_replay=True)``, which
leaves those lines out: the closest capture holding the payload (the record the revisit
refers to) is replayed instead.

Reads no settings: the run's paths come from :class:`archiver.archive.layout.RunPaths`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archiver.archive.layout import RunPaths
from archiver.archive.scratch import scratch_database
from archiver.archive.wacz import Signer, WaczRefused, assemble_wacz
from archiver.files import read_json
from archiver.warc.records import ANSWER_TYPES
from archiver.warc.writer import WARC_SUFFIX, iter_records_sidecar, records_sidecar_tiles

logger = logging.getLogger(__name__)

PAGES_FORMAT = "json-pages-1.0"
INDEXED_RECORD_TYPES = "response,revisit,resource"


class WaczSealedWithRun(WaczRefused):
    """The run's own archive.wacz is one of its sealed files: never rewritten."""


def run_warc_files(run: RunPaths) -> list[Path]:
    """The run's finished WARC files (not ``.open`` ones), in name order (= time order)."""
    if not run.warc_dir.is_dir():
        return []
    return sorted(p for p in run.warc_dir.iterdir() if p.name.endswith(WARC_SUFFIX))


def iter_items(path: Path) -> Iterator[dict[str, Any]]:
    """Items of a JSON-lines file; a line that is not a JSON object is skipped with a warning."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                logger.warning("%s line %d is not JSON: skipped", path, number)
                continue
            if isinstance(item, dict):
                yield item


def pages_from_items(items_jsonl: Path, *, title: str | None = None) -> list[dict[str, Any]]:
    """The WACZ page list: header line, then one page per item's WARC record (deduplicated)."""
    header: dict[str, Any] = {"format": PAGES_FORMAT, "id": "pages", "title": title or "Posts"}
    pages: list[dict[str, Any]] = [header]
    seen: set[tuple[str, str]] = set()
    for item in iter_items(items_jsonl):
        pointer = item.get("warc")
        if not isinstance(pointer, dict) or not pointer.get("target_uri"):
            continue
        key = (str(pointer["target_uri"]), str(pointer.get("date")))
        if key in seen:
            continue
        seen.add(key)
        page = {"url": key[0], "ts": key[1], "title": item.get("title") or key[0]}
        pages.append(page)
    return pages


def pages_from_warcs(warc_files: list[Path], *, title: str | None = None) -> list[dict[str, Any]]:
    """A page list of the HTML pages (200 answers, revisits included) the WARCs hold.

    For a run without items (an incremental run that found nothing new archives only its
    listing pages, often as revisits, which py-wacz's ``--detect-pages`` does not list).
    """

    header: dict[str, Any] = {"format": PAGES_FORMAT, "id": "pages", "title": title or "Pages"}
    pages: list[dict[str, Any]] = [header]
    for path in warc_files:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type not in ANSWER_TYPES or record.http_headers is None:
                    continue
                kind = record.http_headers.get_header("Content-Type") or ""
                if record.http_headers.get_statuscode() == "200" and "html" in kind:
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    stamp = record.rec_headers.get_header("WARC-Date")
                    pages.append({"url": url, "ts": stamp, "title": url})
    return pages


def write_cdxj(warc_files: list[Path], destination: Path, *, for_replay: bool = False) -> Path:
    """A sorted CDXJ index of ``warc_files`` at ``destination`` (file names relative to them):
    every response, revisit and resource record; ``for_replay`` leaves out the revisits that
    record a 304 (see the module docstring)."""

    # Imported here: a run's end indexes from the writer's notes (written_cdxj), and importing
    # cdxj-indexer (pyamf, pkg_resources) took ~40 ms at every crawl's start.
    from cdxj_indexer.main import CDXJIndexer

    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(destination.name + ".tmp")
    unfiltered = io.StringIO()
    with temporary.open("w", encoding="utf-8") as out:
        # Record types named explicitly: importing py-wacz appends "warcinfo" to
        # cdxj-indexer's defaults, which would make the index depend on import order.
        indexer = CDXJIndexer(
            unfiltered,
            [str(p) for p in warc_files],
            sort=True,
            post_append=True,
            records=INDEXED_RECORD_TYPES,
        )
        indexer.process_all()
        out.writelines(
            line
            for line in unfiltered.getvalue().splitlines(keepends=True)
            if not (for_replay and is_not_modified_revisit(line))
        )
    os.replace(temporary, destination)
    return destination


def written_cdxj(warc_files: list[Path], destination: Path, records_dir: Path) -> Path | None:
    """:func:`write_cdxj` from the lines the WARC writer made as it wrote each record (it knew
    every offset then: :func:`archiver.warc.writer.cdxj_line`), sorted, when the writer's
    notes tile every file exactly; None (nothing written) when one file has none.

    The lines are sorted in a scratch SQLite file (its byte order of UTF-8 text is Python's
    order of the strings), so a run of any size is indexed in the same memory."""
    if not all(records_sidecar_tiles(records_dir, warc) for warc in warc_files):
        return None
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(destination.name + ".tmp")
    with scratch_database(destination.parent) as scratch:
        scratch.execute("CREATE TABLE lines (line TEXT NOT NULL)")
        for warc in warc_files:
            scratch.executemany(
                "INSERT INTO lines VALUES (?)",
                ((entry["cdxj"],) for entry in iter_records_sidecar(records_dir, warc)
                 if "cdxj" in entry),
            )  # fmt: skip
        with temporary.open("w", encoding="utf-8") as out:
            for (line,) in scratch.execute("SELECT line FROM lines ORDER BY line"):
                out.write(line)
    os.replace(temporary, destination)
    return destination


def is_not_modified_revisit(cdxj_line: str) -> bool:
    """True for the index line of a revisit recording a 304 (kept out of replay indexes)."""
    _key, _stamp, fields = (cdxj_line.split(" ", 2) + ["", ""])[:3]
    if '"warc/revisit"' not in fields:
        return False
    try:
        values = json.loads(fields)
    except ValueError:
        return False
    return bool(values.get("mime") == "warc/revisit" and values.get("status") == "304")


def wacz_each_run(settings: dict[str, Any]) -> bool:
    """Whether a run with these settings (run.json's) was to get its WACZ when it ended:
    ``ARCHIVER_WACZ_EACH_RUN``; a run from before that setting (none in its settings) got one
    whenever it was packaged (``ARCHIVER_PACKAGE_ENABLED``)."""
    if "ARCHIVER_WACZ_EACH_RUN" in settings:
        return _truthy(settings["ARCHIVER_WACZ_EACH_RUN"])
    return _truthy(settings.get("ARCHIVER_PACKAGE_ENABLED", True))


def _truthy(value: object) -> bool:
    return str(value).strip().lower() not in ("false", "0", "no", "off", "", "none")


def run_pages(run: RunPaths, warc_files: list[Path], title: str | None) -> list[dict[str, Any]]:
    """The WACZ's page list: the items' records, else (a run without items) the HTML pages
    its WARCs hold (read from them: such a run holds little more than its listing pages)."""
    pages = pages_from_items(run.items_jsonl, title=title)
    return pages if len(pages) > 1 else pages_from_warcs(warc_files, title=title)


def run_title(run: RunPaths, record: dict[str, Any]) -> str:
    suffix = " (interrupted)" if record.get("status") == "interrupted" else ""
    return f"{record.get('source')} run {run.run_id}{suffix}"


def package_run(
    run: RunPaths, *, title: str | None = None, wacz: bool = False, signer: Signer | None = None
) -> list[Path]:
    """Write the run's CDXJ index, and with ``wacz`` its WACZ (signed with ``signer``); the
    paths written (none without WARCs). Without ``wacz`` an earlier ``archive.wacz`` (made
    on demand before this run was resumed) is removed: it no longer holds the whole run."""
    warc_files = run_warc_files(run)
    if not wacz and run.wacz.exists():
        run.wacz.unlink()
        logger.warning(
            "Run %s: removed its archive.wacz, made before the run ended again "
            "(`archiver package` makes a new one)",
            run.run_id,
        )
    if not warc_files:
        logger.warning("Run %s has no finished WARC file: nothing to package", run.run_id)
        return []
    # The writer's lines when it left them (a normal end); else cdxj-indexer reads the WARCs.
    cdxj = written_cdxj(warc_files, run.cdxj, run.indexes_dir) or write_cdxj(warc_files, run.cdxj)
    if not wacz:
        logger.info("Indexed run %s: %d WARC files", run.run_id, len(warc_files))
        return [cdxj]
    pages = run_pages(run, warc_files, title)
    with cdxj.open(encoding="utf-8") as lines:
        written = assemble_wacz(
            run.wacz, warc_files, lines, pages, sealed=None, title=title, signer=signer
        )
    return [cdxj, written]


def package_sealed_run(
    run: RunPaths, destination: Path | None = None, *, signer: Signer | None = None
) -> Path:
    """Write the WACZ of a finished run (``archiver package``) at ``destination`` (default
    the run's ``archive.wacz``), from the files its run.json sealed: the WARCs (their sealed
    hashes go into datapackage.json; a WARC whose bytes differ is refused), its CDXJ index
    (checked against its sealed hash too; a run indexed before the writer noted its records,
    or with packaging off, is indexed from its WARCs) and its items (the page list).

    Raises WaczRefused (the run is not finished or sealed, a file differs from its seal, the
    WACZ is itself sealed with the run) or OSError; nothing is written then.
    """
    if not run.run_json.is_file():
        raise WaczRefused(f"run {run.run_id} has no run.json: not a finished run")
    try:
        record = read_json(run.run_json)
    except (OSError, ValueError) as error:
        raise WaczRefused(f"run {run.run_id}: run.json cannot be read ({error})") from error
    if not isinstance(record, dict):
        raise WaczRefused(f"run {run.run_id}: run.json is not a JSON object")
    files = record.get("files")
    if record.get("status") == "running" or not isinstance(files, dict) or not files:
        raise WaczRefused(
            f"run {run.run_id} is not finished (run.json: status {record.get('status')!r}, "
            f"{'no' if not files else 'its'} file hashes): `archiver crawl --resume "
            f"{run.run_id}` or the next crawl finishes it"
        )
    target = destination or run.wacz
    if target.resolve() == run.wacz.resolve() and "archive.wacz" in files:
        raise WaczSealedWithRun(
            f"run {run.run_id}'s archive.wacz was made when the run ended and is sealed with "
            "it (its hash is in run.json): left as is; --output PATH writes another"
        )
    warc_files = run_warc_files(run)
    if not warc_files:
        raise WaczRefused(f"run {run.run_id} has no finished WARC file: nothing to package")
    sealed = {
        name.removeprefix("warc/"): str(digest)
        for name, digest in files.items()
        if name.startswith("warc/")
    }
    # Every sealed WARC and the sealed index must be there: a package without one of them
    # would hold an index pointing into a file it lacks, and still look whole.
    present = {warc.name for warc in warc_files}
    missing = sorted(name for name in sealed if name.endswith(WARC_SUFFIX) and name not in present)
    if "indexes/index.cdxj" in files and not run.cdxj.is_file():
        missing.append("indexes/index.cdxj")
    if missing:
        raise WaczRefused(
            f"run {run.run_id}: sealed file(s) missing: {', '.join(missing)} "
            "(run.json holds their hashes; `archiver verify` says more)"
        )
    title = run_title(run, record)
    pages = run_pages(run, warc_files, title)
    with contextlib.ExitStack() as stack:
        index = run.cdxj
        if not index.is_file():
            # A run indexed before the writer noted its records, or with packaging off.
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            index = write_cdxj(warc_files, scratch / "index.cdxj")
        lines = stack.enter_context(index.open("rb"))
        sealed_index = files.get("indexes/index.cdxj") if index == run.cdxj else None
        return assemble_wacz(
            target,
            warc_files,
            _checked_lines(lines, index, sealed_index),
            pages,
            sealed=sealed,
            title=title,
            signer=signer,
        )


def _checked_lines(lines: Iterable[bytes], path: Path, sealed: str | None) -> Iterator[str]:
    """``lines``, hashed on the way; WaczRefused at their end when they are not the sealed
    index (the package being written is then discarded)."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line)
        yield line.decode("utf-8")
    if sealed is not None and digest.hexdigest() != sealed:
        raise WaczRefused(
            f"{path.name} differs from the hash the run sealed (sha256 {digest.hexdigest()}, "
            f"sealed {sealed}): not packaged; `archiver verify` names the damage"
        )
