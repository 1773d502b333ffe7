"""``archiver prove URL_OR_ITEM --out DIR [--archive OUTPUT]``: a proof bundle for one post.

URL_OR_ITEM is the post's URL, or a file holding one item as JSON (a line of posts.jsonl or
items.jsonl saved to a file): the item of the newest sealed run that has it is proven (for an
item file with a ``run_id``, that run). DIR receives the item, its WARC records, the signed
and timestamped manifest, the public key and ``VERIFY.txt`` (:mod:`archiver.evidence.proof`);
``archiver verify DIR`` checks it, and so do standard tools alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from archiver.archive.layout import ArchivePaths
from archiver.cli import exit_codes
from archiver.evidence.manifest import MANIFEST_NAME
from archiver.evidence.proof import ProofError, ProofSource, build_proof
from archiver.evidence.seal import KEYS_DIR
from archiver.settings import ARCHIVER_OUTPUT_DIR


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "prove", help="write a self-contained proof bundle for one archived post"
    )
    parser.add_argument("post", metavar="URL_OR_ITEM", help="the post's URL, or an item JSON file")
    parser.add_argument("--out", required=True, metavar="DIR", help="bundle folder (new or empty)")
    parser.add_argument(
        "--archive",
        default=ARCHIVER_OUTPUT_DIR,
        metavar="OUTPUT",
        help=f"the archive (default {ARCHIVER_OUTPUT_DIR})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    archive = ArchivePaths(Path(args.archive))
    url, run_id = _wanted(args.post)
    source = _find(archive, url, run_id)
    if source is None:
        sys.stderr.write(f"archiver prove: no sealed run of {archive.root} has {url}\n")
        return exit_codes.FAILED
    try:
        item = build_proof(source, Path(args.out))
    except (ProofError, OSError) as error:
        sys.stderr.write(f"archiver prove: {error}\n")
        return exit_codes.FAILED
    print(f"Proof of {item.get('url')} (run {source.run_dir.name}) written to {args.out}")
    print(f"Check it: archiver verify {args.out}   or follow {args.out}/VERIFY.txt")
    return exit_codes.OK


def _wanted(post: str) -> tuple[str, str | None]:
    path = Path(post)
    if path.is_file():
        item = json.loads(path.read_text(encoding="utf-8"))
        return str(item.get("url")), item.get("run_id")
    return post, None


def _find(archive: ArchivePaths, url: str, run_id: str | None) -> ProofSource | None:
    wanted = url.rstrip("/")
    for candidate in reversed(archive.run_ids()):
        if run_id and candidate != run_id:
            continue
        run = archive.run(candidate)
        if not (run.directory / MANIFEST_NAME).is_file() or not run.items_jsonl.is_file():
            continue
        lines = run.items_jsonl.read_bytes().decode("utf-8").split("\n")
        for number, line in enumerate(lines, start=1):
            if line.strip() and str(json.loads(line).get("url")).rstrip("/") == wanted:
                return ProofSource(run.directory, number, archive.runs_dir, archive.root / KEYS_DIR)
    return None
