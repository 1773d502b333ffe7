"""Shared test helpers: running the archiver CLI for real, and the CI rule for tools.

Import as ``helpers`` (pytest puts tests/ on sys.path; no package needed).

Tests that need an outside program (chromium, pywb, redis-server, wget) call
``require_program``: under CI (``CI=true``) a missing program fails the test, since .ci/run
installs it; elsewhere the test is skipped with the reason printed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.archive.layout import ArchivePaths, RunPaths

REPO_ROOT = Path(__file__).resolve().parent.parent


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_program(name: str, why: str) -> str:
    """Path of program ``name``; skip (or fail under CI) when it is not installed."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed ({why}); .ci/run installs it"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


NETGUARD_DIR = Path(__file__).resolve().parent / "netguard"
# pywb lives in its own virtualenv (the README's test command makes it): it pins redis 2.10 and
# brotlipy, which the crawler's environment must not have.
REPLAY_VENV_PYTHON = REPO_ROOT / ".venv-replay" / "bin" / "python"


def find_pywb_python() -> str | None:
    """The Python that has pywb: ARCHIVER_PYWB_PYTHON, else .venv-replay, else this one."""
    configured = os.environ.get("ARCHIVER_PYWB_PYTHON")
    if configured:
        return configured
    if REPLAY_VENV_PYTHON.exists():
        return str(REPLAY_VENV_PYTHON)
    return sys.executable if importlib.util.find_spec("pywb") is not None else None


def require_pywb() -> str:
    """The Python that runs pywb; skip (or fail under CI) when there is none."""
    python = find_pywb_python()
    if python is None:
        message = "pywb is not installed (the README's test command puts it in .venv-replay)"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return python


def archiver_env(netguard_log: Path | None = None) -> dict[str, str]:
    """The environment of an archiver subprocess: this checkout first on the path; with
    ``netguard_log``, the loopback-only net guard (tests/netguard/sitecustomize.py)."""
    env = dict(os.environ)
    paths = [str(REPO_ROOT), env.get("PYTHONPATH", "")]
    if netguard_log is not None:
        paths.insert(0, str(NETGUARD_DIR))
        env["ARCHIVER_NETGUARD_LOG"] = str(netguard_log)
        netguard_log.touch()
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    pywb_python = find_pywb_python()
    if pywb_python is not None:
        env["ARCHIVER_PYWB_PYTHON"] = pywb_python
    return env


def run_demo(output: Path, posts: int) -> Path:
    """``archiver demo`` without faults into ``output``; fails the test if it does not exit 0."""
    completed = run_archiver(
        "demo", "--output", str(output), "--posts", str(posts), "--fault-rate", "0",
        *LOOPBACK_ARGS, timeout=180,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    return output


def run_archiver(
    *args: str,
    timeout: float = 300,
    cwd: Path | None = None,
    input_text: str | None = None,
    netguard_log: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m archiver ARGS`` in a subprocess (a fresh Twisted reactor each time).

    With ``netguard_log``, the subprocess may only reach loopback: any other connection or
    name lookup is refused and written to that file (tests/netguard/sitecustomize.py).
    """
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        cwd=cwd or REPO_ROOT,
        env=archiver_env(netguard_log),
        input=input_text,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# Settings every test crawl of the loopback replica uses (politeness off, fast failures).
LOOPBACK_ARGS = (
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s",
    "DOWNLOAD_TIMEOUT=10",
    "-s",
    "LOG_LEVEL=INFO",
)


def last_run(archive: Path) -> RunPaths:
    """The newest run of the archive at ``archive``."""
    paths = ArchivePaths(archive)
    return paths.run(paths.run_ids()[-1])
