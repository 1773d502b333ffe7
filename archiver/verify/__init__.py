"""Checks of an archive: WARC files, WACZ packages, items and their pointers, run hashes.

Reads files only (``--repair`` aside, which cuts ``.open`` WARCs a crash left). The command is
:mod:`archiver.cli.verify`.
"""

from __future__ import annotations

from archiver.verify.archive import VerifyReport, verify_archive
from archiver.verify.evidence import EvidenceOptions
from archiver.verify.warc import Defect

__all__ = ["Defect", "EvidenceOptions", "VerifyReport", "verify_archive"]
