"""Index and package a finished run: a CDXJ index of its WARCs and a WACZ file.

``package_run`` is called once a run's WARC files are closed and its items.jsonl is final.
It writes ``indexes/index.cdxj`` (cdxj-indexer: sorted, POST bodies appended to the key as
pywb expects) and ``archive.wacz`` (py-wacz ``create``): the WARCs, a ZipNum index
``indexes/index.cdx.gz`` + ``indexes/index.idx`` (pywb's ``wb-manager add --unpack-wacz``
picks up ``indexes/*.cdx`` and ``*.cdx.gz``), ``pages/pages.jsonl`` built from the items (the
URL, date and title of each item's WARC record, so a replay tool lists the posts by title),
``datapackage.json`` and ``datapackage-digest.json``. A run without items lists the HTML
pages its WARCs hold instead (its listing pages, which may all be revisits). Both files are
written to a temporary name and renamed, so a crash never leaves a half-written index or
package.

The run's own CDXJ indexes every response, revisit and resource record of its WARCs: it is
the evidence's record-complete index (one line per record, revisits of the server-not-modified
profile, i.e. 304 answers to conditional requests, included), so index, pages list and WARCs
agree. It is not a replay index on its own: pywb replays a revisit whose HTTP status is a 3xx
(a 304 included) as that empty answer (its ResolvingLoader short-circuits 3xx revisits
instead of resolving ``WARC-Refers-To``), so a browser asking for a post at the time of an
unchanged full run would get an empty 304. The replay collection (``archiver replay``) is
therefore indexed with ``write_cdxj(..., for_replay=True)``, which leaves those lines out: the
closest capture holding the payload (the record the revisit refers to) is replayed instead.
(py-wacz builds the WACZ's own index and keeps them.)

Reads no settings: the run's paths come from :class:`archiver.archive.layout.RunPaths`.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cdxj_indexer.main import CDXJIndexer
from wacz.main import main as wacz_main
from warcio.archiveiterator import ArchiveIterator

from archiver.archive.layout import RunPaths
from archiver.warc.records import ANSWER_TYPES
from archiver.warc.writer import WARC_SUFFIX, read_records_sidecar

logger = logging.getLogger(__name__)

PAGES_FORMAT = "json-pages-1.0"
INDEXED_RECORD_TYPES = "response,revisit,resource"


class PackagingError(RuntimeError):
    """The WACZ could not be built (the message says why)."""


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
    notes tile every file exactly; None (nothing written) when one file has none."""
    lines: list[str] = []
    for warc in warc_files:
        noted = read_records_sidecar(records_dir, warc)
        if noted is None:
            return None
        lines.extend(entry["cdxj"] for entry in noted if "cdxj" in entry)
    lines.sort()
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(destination.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        out.writelines(lines)
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


def write_wacz(
    warc_files: list[Path], pages: list[dict[str, Any]], destination: Path, *, title: str | None
) -> Path:
    """Build the WACZ with py-wacz; raises PackagingError when it fails."""

    temporary = destination.with_name(destination.name + ".tmp")
    pages_file = destination.with_name("pages.jsonl.tmp")
    arguments = ["create", "-o", str(temporary)]
    if title:
        arguments += ["--title", title]
    if len(pages) > 1:
        pages_file.write_text(
            "".join(json.dumps(page, ensure_ascii=False) + "\n" for page in pages),
            encoding="utf-8",
        )
        arguments += ["-p", str(pages_file)]
    else:
        # No item points at a record (an empty run): let py-wacz list the HTML pages itself.
        arguments.append("--detect-pages")
    arguments += [str(p) for p in warc_files]
    chatter = io.StringIO()  # py-wacz prints progress; keep it for the log
    try:
        with contextlib.redirect_stdout(chatter):
            code = wacz_main(arguments)
    except Exception as error:  # a full disk, a bad WARC: no half-written package is left
        temporary.unlink(missing_ok=True)
        raise PackagingError(f"wacz create failed: {error}") from error
    finally:
        pages_file.unlink(missing_ok=True)
    for line in chatter.getvalue().splitlines():
        if line.startswith("Invalid passed page"):
            logger.warning("WACZ pages: %s", line)
    if code != 0:
        temporary.unlink(missing_ok=True)
        raise PackagingError(f"wacz create exited {code}: {chatter.getvalue()[-500:]}")
    os.replace(temporary, destination)
    return destination


def package_run(run: RunPaths, *, title: str | None = None) -> list[Path]:
    """Write the run's CDXJ index and WACZ package; the paths written (none without WARCs)."""
    warc_files = run_warc_files(run)
    if not warc_files:
        logger.warning("Run %s has no finished WARC file: nothing to package", run.run_id)
        return []
    # The writer's lines when it left them (a normal end); else cdxj-indexer reads the WARCs.
    cdxj = written_cdxj(warc_files, run.cdxj, run.indexes_dir) or write_cdxj(warc_files, run.cdxj)
    pages = pages_from_items(run.items_jsonl, title=title)
    if len(pages) < 2:
        pages = pages_from_warcs(warc_files, title=title)
    wacz = write_wacz(warc_files, pages, run.wacz, title=title)
    logger.info(
        "Packaged run %s: %d WARC files, %d pages", run.run_id, len(warc_files), len(pages) - 1
    )
    return [cdxj, wacz]
