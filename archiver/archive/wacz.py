"""Assemble a run's WACZ (1.1.1) from the files the run sealed, without indexing its WARCs again.

The WACZ is made on demand (``archiver package``), or at every run's end when
``ARCHIVER_WACZ_EACH_RUN`` is set (which stores every captured byte twice). Members::

    archive/<warc>.warc.gz     the run's WARC files, stored (ZIP_STORED: already gzipped per
                               record, and the spec wants them uncompressed in the zip)
    indexes/index.cdx.gz       the run's CDXJ index (indexes/index.cdxj, written from the WARC
    indexes/index.idx          writer's notes) as a ZipNum index, stored: gzip blocks of 1,024
                               lines and the block index (what py-wacz and ArchiveWeb.page
                               write; pywb's ``wb-manager add --unpack-wacz`` reads the cdx.gz,
                               ReplayWeb.page loads blocks through the idx)
    pages/pages.jsonl          the posts by title (archiver.archive.package.pages_from_items)
    datapackage.json           every member above: name, path, sha256, bytes
    datapackage-digest.json    the hash of datapackage.json, and its signature (wacz-auth
                               anonymous signing) when a signer is given

The WARCs' hashes in datapackage.json are the ones the run sealed (run.json ``files``, the
manifest's), not computed anew. Their bytes are still read once, to be copied into the zip in
chunks; each is hashed in that same pass only to *refuse* a package whose WARC bytes are not
the sealed ones: a datapackage that names the sealed hash over other bytes would pass them
off as the evidence (and fail ``wacz validate``), so a WARC changed since the run ended is
reported (:class:`WaczRefused`), never packaged. At a run's end with ``ARCHIVER_WACZ_EACH_RUN``
there are no sealed hashes yet: the hashes of that copy pass are used.

The zip is written to a temporary file beside the destination and renamed when complete: a
failure (a refused WARC, a full disk) leaves no partial package and keeps an older one as it
was. Reads no settings.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from archiver import __version__
from archiver.files import atomic_writer

__all__ = ["WACZ_VERSION", "WaczRefused", "assemble_wacz"]

logger = logging.getLogger(__name__)

WACZ_VERSION = "1.1.1"
INDEX_BLOCK_LINES = 1024
"""Lines per gzip block of the ZipNum index (py-wacz's and ArchiveWeb.page's default)."""
_CHUNK = 1 << 20

Signer = Callable[[bytes], dict[str, Any]]


class WaczRefused(RuntimeError):
    """The package was not written: a WARC is not what the run sealed (the message says
    which, and both hashes)."""


class _Hashing:
    """A writable that hashes and counts what passes through to ``out``."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.out.write(data)


def assemble_wacz(
    destination: Path,
    warc_files: list[Path],
    cdxj_lines: Iterable[str],
    pages: list[dict[str, Any]],
    *,
    sealed: dict[str, str] | None,
    title: str | None = None,
    signer: Signer | None = None,
) -> Path:
    """Write the WACZ at ``destination`` (atomically) and return it.

    ``warc_files``: the run's finished WARCs; ``cdxj_lines``: its sorted CDXJ index (file
    names as in the WARC directory); ``pages``: the json-pages list, header first;
    ``sealed``: SHA-256 (hex) of each WARC by its file name, as the run sealed them (None at
    a run's end, before sealing). Raises WaczRefused when a WARC is unsealed or its bytes
    differ from the sealed hash, OSError when the disk fails.
    """
    # atomic_writer: a temporary file renamed when whole, synced, with the archive's file mode
    # (readers of the archive can read its package as they read its WARCs).
    with atomic_writer(destination) as raw:
        with zipfile.ZipFile(raw, "w", allowZip64=True) as package:
            resources = [
                *_write_index(package, cdxj_lines),
                _write_member(package, "pages/pages.jsonl", _pages_bytes(pages)),
            ]
            resources += [_copy_warc(package, warc, sealed) for warc in warc_files]
            datapackage = _datapackage(resources, title)
            _write_member(package, "datapackage.json", datapackage)
            digest: dict[str, Any] = {
                "path": "datapackage.json",
                "hash": "sha256:" + hashlib.sha256(datapackage).hexdigest(),
            }
            if signer is not None:
                digest["signedData"] = signer(datapackage)
            _write_member(package, "datapackage-digest.json", json.dumps(digest, indent=2).encode())
    logger.info(
        "WACZ %s: %d WARC file(s), %d page(s)%s",
        destination,
        len(warc_files),
        len(pages) - 1,
        ", signed" if signer is not None else "",
    )
    return destination


def _resource(path: str, digest: str, size: int) -> dict[str, Any]:
    return {
        "name": path.rsplit("/", 1)[-1].lower(),
        "path": path,
        "hash": "sha256:" + digest,
        "bytes": size,
    }


def _now() -> tuple[int, int, int, int, int, int]:
    moment = datetime.now(UTC)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _write_member(package: zipfile.ZipFile, path: str, data: bytes) -> dict[str, Any]:
    """A small member, deflated (the spec allows it for all but WARCs and cdx.gz)."""
    info = zipfile.ZipInfo(path, _now())
    info.compress_type = zipfile.ZIP_DEFLATED
    package.writestr(info, data)
    return _resource(path, hashlib.sha256(data).hexdigest(), len(data))


def _write_index(package: zipfile.ZipFile, cdxj_lines: Iterable[str]) -> list[dict[str, Any]]:
    """indexes/index.cdx.gz (stored: gzip blocks) and indexes/index.idx, streamed."""
    # Imported here: every crawl imports this module (archive.package), few write a WACZ, and
    # importing cdxj-indexer (pyamf, pkg_resources) took ~40 ms at every crawl's start.
    from cdxj_indexer.main import CompressedWriter

    info = zipfile.ZipInfo("indexes/index.cdx.gz", _now())
    info.compress_type = zipfile.ZIP_STORED
    block_index = io.StringIO()
    with package.open(info, "w", force_zip64=True) as member:
        hashing = _Hashing(member)
        writer = CompressedWriter(
            block_index,
            hashing,
            num_lines=INDEX_BLOCK_LINES,
            data_out_name="index.cdx.gz",
            digest_records=True,
        )
        for line in cdxj_lines:
            writer.write(line if line.endswith("\n") else line + "\n")
        if writer.block:
            writer.flush()
    cdx = _resource("indexes/index.cdx.gz", hashing.digest.hexdigest(), hashing.size)
    idx = _write_member(package, "indexes/index.idx", block_index.getvalue().encode("utf-8"))
    return [cdx, idx]


def _copy_warc(
    package: zipfile.ZipFile, warc: Path, sealed: dict[str, str] | None
) -> dict[str, Any]:
    """Copy one WARC in chunks (stored); refuse it when it is not the sealed one."""
    path = f"archive/{warc.name}"
    expected = None
    if sealed is not None:
        expected = sealed.get(warc.name)
        if expected is None:
            raise WaczRefused(f"{warc.name} is not among the run's sealed files: not packaged")
    info = zipfile.ZipInfo.from_file(warc, path)
    info.compress_type = zipfile.ZIP_STORED
    with warc.open("rb") as source, package.open(info, "w") as member:
        hashing = _Hashing(member)
        while chunk := source.read(_CHUNK):
            hashing.write(chunk)
    actual = hashing.digest.hexdigest()
    if expected is not None and actual != expected:
        raise WaczRefused(
            f"{warc.name} differs from the hash the run sealed (sha256 {actual}, sealed "
            f"{expected}): not packaged; `archiver verify` names the damage"
        )
    return _resource(path, expected or actual, hashing.size)


def _pages_bytes(pages: list[dict[str, Any]]) -> bytes:
    """pages.jsonl: the header, then each page with a stable ``id`` (from its time and URL)."""
    lines = [json.dumps(pages[0], ensure_ascii=False)]
    for page in pages[1:]:
        identity = f"{page.get('ts')} {page.get('url')}".encode()
        lines.append(
            json.dumps(
                {"id": hashlib.sha256(identity).hexdigest()[:32], **page}, ensure_ascii=False
            )
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def _datapackage(resources: list[dict[str, Any]], title: str | None) -> bytes:
    package: dict[str, Any] = {"profile": "data-package", "resources": resources}
    if title:
        package["title"] = title
    package["created"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    package["wacz_version"] = WACZ_VERSION
    package["software"] = f"archiver {__version__}"
    return json.dumps(package, indent=2).encode("utf-8")
