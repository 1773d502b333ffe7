"""Helpers for the scale tests: a real redis-server on loopback, and the Python that has the
``scale`` extra (scrapy-redis and redis>=4.2).

pywb (the ``replay`` extra) pins ``redis==2.10.6``, which scrapy-redis cannot use, so the two
cannot share one virtualenv: pywb lives in ``.venv-replay`` and the ``test`` extra pulls in
``scale``. The workers run with ``ARCHIVER_SCALE_PYTHON``, ``.venv-scale`` or this Python,
the first that has scrapy-redis with redis >= 4.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import REPO_ROOT, require_program, running_in_ci


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scale_python() -> str:
    """An interpreter with the scale extra; skip (fail under CI) when there is none."""
    candidates = [
        os.environ.get("ARCHIVER_SCALE_PYTHON", ""),
        str(REPO_ROOT / ".venv-scale/bin/python"),
        sys.executable,
    ]
    probe = "import scrapy_redis, redis; assert int(redis.__version__.split('.')[0]) >= 4"
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            if subprocess.run([candidate, "-c", probe], capture_output=True).returncode == 0:
                return candidate
    message = "no Python with the scale extra (pip install -e '.[test]' brings it)"
    if running_in_ci():
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A throw-away redis-server on a free loopback port (no persistence); its URL."""
    program = require_program("redis-server", "the distributed crawl's shared queue")
    port = free_port()
    process = subprocess.Popen(
        [program, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly",
         "no", "--dir", str(directory), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=20)
