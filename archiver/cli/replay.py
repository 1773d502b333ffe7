"""``archiver replay DIR [--port N]``: browse an archive as it was captured, with pywb, on loopback.

DIR is an archive (OUTPUT: every run) or one run directory. A pywb collection is built in a
working directory (a temporary one unless ``--workdir``): the WARC files are linked into
``collections/<name>/archive/`` and indexed with cdxj-indexer into
``collections/<name>/indexes/index.cdxj``. pywb's ``wayback`` then serves it on
127.0.0.1 only, in a child process; the command prints the collection URL and the replay URL
of an archived post once pywb answers, and stops pywb on Ctrl-C or SIGTERM. pywb shows a
replayed page in the ``#replay_iframe`` of its banner page (framed replay, pywb's default).

Needs pywb: in this environment (the ``replay`` extra) or, better, in a virtualenv of its own
named by ``--pywb-python`` or ``ARCHIVER_PYWB_PYTHON`` (see :func:`find_pywb_python`). Reads no
Scrapy settings.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any

from warcio.timeutils import iso_date_to_timestamp

from archiver.archive.layout import ArchivePaths, RunPaths, is_run_id
from archiver.archive.package import iter_items, run_warc_files, write_cdxj
from archiver.cli import exit_codes

DEFAULT_PORT = 8080
DEFAULT_COLLECTION = "archive"
LOOPBACK = "127.0.0.1"
_READY_TIMEOUT = 60.0
_PYWB_LAUNCH = "from pywb.apps.cli import wayback; wayback()"
PYWB_MISSING = (
    "pywb is not installed. Put it in a virtualenv of its own and name its Python:"
    " python3 -m venv ~/.pywb && ~/.pywb/bin/pip install pywb &&"
    " export ARCHIVER_PYWB_PYTHON=~/.pywb/bin/python (or --pywb-python PATH)"
)


def archive_runs(directory: Path) -> list[RunPaths]:
    """The runs of an archive, or the one run when ``directory`` is a run directory."""
    if is_run_id(directory.name) or (directory / "warc").is_dir():
        return [RunPaths(directory)]
    archive = ArchivePaths(directory)
    return [archive.run(run_id) for run_id in archive.run_ids()]


def build_collection(runs: list[RunPaths], workdir: Path, collection: str) -> list[Path]:
    """A pywb collection of the runs' WARC files in ``workdir``; the WARCs linked in."""
    coll = workdir / "collections" / collection
    archive_dir = coll / "archive"
    archive_dir.mkdir(parents=True, exist_ok=True)
    (coll / "indexes").mkdir(exist_ok=True)
    linked = []
    for run in runs:
        for warc in run_warc_files(run):
            link = archive_dir / warc.name
            if not link.exists():
                link.symlink_to(warc.resolve())
            linked.append(link)
    if linked:
        write_cdxj(linked, coll / "indexes" / "index.cdxj", for_replay=True)
    return linked


def replay_url(base: str, collection: str, pointer: dict[str, Any]) -> str:
    """pywb's URL for the record a pointer names (its capture time and URL)."""
    stamp = iso_date_to_timestamp(str(pointer["date"]))
    return f"{base}/{collection}/{stamp}/{pointer['target_uri']}"


def first_post_pointer(runs: list[RunPaths]) -> dict[str, Any] | None:
    """The pointer of an archived post page (latest run first), for the printed example URL."""
    for run in reversed(runs):
        for item in iter_items(run.items_jsonl):
            pointer = item.get("warc")
            if (
                isinstance(pointer, dict)
                and pointer.get("target_uri") == item.get("url")
                and item.get("http_status") == 200
            ):
                return pointer
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """Whether ``port`` on loopback can be bound now (else pywb would fail after the link to it
    was printed, and the link would lead to whatever holds the port)."""
    with socket.socket() as probe:
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def wait_until_serving(url: str, child: subprocess.Popen[bytes], timeout: float) -> bool:
    """Poll ``url`` until pywb answers (any HTTP status), the child dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.1)
    return False


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser("replay", help="serve an archive with pywb on loopback")
    parser.add_argument("directory", metavar="DIR", help="archive (OUTPUT) or one run directory")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port on {LOOPBACK} (default {DEFAULT_PORT}; 0 = any free port)",
    )
    parser.add_argument(
        "--workdir", metavar="DIR", help="where to build the pywb collection (default: a temp dir)"
    )
    parser.add_argument("--collection", default=DEFAULT_COLLECTION, help="collection name")
    parser.add_argument(
        "--pywb-python",
        metavar="PATH",
        help="the Python that has pywb (default: $ARCHIVER_PYWB_PYTHON, else this one)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    runs = archive_runs(directory) if directory.is_dir() else []
    if not runs:
        print(f"archiver replay: error: no run found in {directory}", file=sys.stderr)
        return exit_codes.USAGE
    if args.port and not port_is_free(args.port):
        print(
            f"archiver replay: error: port {args.port} on {LOOPBACK} is in use; choose another"
            " with --port N (0 = any free port)",
            file=sys.stderr,
        )
        return exit_codes.USAGE
    pywb_python = find_pywb_python(args.pywb_python)
    if pywb_python is None:
        print(f"archiver replay: error: {PYWB_MISSING}", file=sys.stderr)
        return exit_codes.FAILED
    with contextlib.ExitStack() as stack:
        if args.workdir:
            workdir = Path(args.workdir)
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="archiver-replay-"))
            )
        if not build_collection(runs, workdir, args.collection):
            print(f"archiver replay: error: no finished WARC file in {directory}", file=sys.stderr)
            return exit_codes.FAILED
        return _serve(runs, workdir, args.collection, args.port or free_port(), pywb_python)


def _serve(
    runs: list[RunPaths], workdir: Path, collection: str, port: int, pywb_python: str
) -> int:
    command = [pywb_python, "-c", _PYWB_LAUNCH, "-b", LOOPBACK, "-p", str(port)]
    child = subprocess.Popen(command, cwd=workdir, stdout=subprocess.DEVNULL)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    base = f"http://{LOOPBACK}:{port}"
    try:
        if not wait_until_serving(f"{base}/{collection}/", child, _READY_TIMEOUT):
            print(f"archiver replay: error: pywb did not start on port {port}", file=sys.stderr)
            return exit_codes.FAILED
        print(f"Replaying collection: {base}/{collection}/", flush=True)
        pointer = first_post_pointer(runs)
        if pointer is not None:
            print(f"Archived post: {replay_url(base, collection, pointer)}", flush=True)
        print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
        child.wait()
        return exit_codes.OK if child.returncode == 0 else exit_codes.FAILED
    except KeyboardInterrupt:
        return exit_codes.OK
    finally:
        signal.signal(signal.SIGTERM, previous)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def find_pywb_python(configured: str | None = None) -> str | None:
    """The Python interpreter that runs pywb: ``--pywb-python``, else ``ARCHIVER_PYWB_PYTHON``,
    else this one when pywb is installed here (the ``replay`` extra); None when there is none.

    pywb pins redis 2.10 and brotlipy: beside the crawler they break the ``scale`` extra's
    Redis client and Scrapy's brotli decoding, so it usually lives in a virtualenv of its own.
    """
    chosen = configured or os.environ.get("ARCHIVER_PYWB_PYTHON")
    if chosen:
        return chosen if shutil.which(chosen) or Path(chosen).is_file() else None
    return sys.executable if importlib.util.find_spec("pywb") is not None else None
