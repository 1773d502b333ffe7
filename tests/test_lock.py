"""The archive lock, across real processes: the second run waits or fails clearly, and a
killed holder never blocks the next run (the kernel releases flock)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.archive.lock import ArchiveLock, ArchiveLocked, read_holder

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCKED_EXIT = 75

# A run that takes the lock, says so, holds it until told (a line on stdin), then releases it.
HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from archiver.archive.lock import ArchiveLock, ArchiveLocked

    path, run_id, wait = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    print("trying", flush=True)
    try:
        lock = ArchiveLock(path, run_id=run_id, wait=wait, poll_interval=0.02)
        lock.acquire()
    except ArchiveLocked as error:
        print(error, file=sys.stderr)
        sys.exit(75)
    print("locked", flush=True)
    sys.stdin.readline()
    lock.release()
    print("released", flush=True)
    """
)


def start_holder(path: Path, run_id: str, wait: float = 0.0) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), run_id, str(wait)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def next_line(process: subprocess.Popen[str]) -> str:
    """The process's next stdout line (blocks until it prints: polling, not sleeping)."""
    assert process.stdout is not None
    return process.stdout.readline().strip()


@pytest.fixture
def lock_path(tmp_path: Path) -> Path:
    return tmp_path / "output" / ".archiver.lock"


@pytest.fixture
def holder(lock_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = start_holder(lock_path, "run-A")
    assert next_line(process) == "trying"
    assert next_line(process) == "locked"
    yield process
    finish(process)


def finish(process: subprocess.Popen[str]) -> None:
    """Stop a child if it still runs, reap it and close its pipes."""
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=10)


def release(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.write("\n")
    process.stdin.flush()
    assert next_line(process) == "released"


def test_lock_file_names_its_holder(lock_path: Path, holder: subprocess.Popen[str]) -> None:
    recorded = read_holder(lock_path)
    assert recorded is not None
    assert (recorded.pid, recorded.run_id) == (holder.pid, "run-A")
    release(holder)
    assert read_holder(lock_path) is None  # emptied on release
    assert lock_path.exists()  # never deleted (a waiter may hold the inode open)


def test_second_process_fails_clearly(lock_path: Path, holder: subprocess.Popen[str]) -> None:
    second = start_holder(lock_path, "run-B", wait=0)
    _, stderr = second.communicate(timeout=30)
    assert second.returncode == LOCKED_EXIT
    assert "archive is locked by run run-A" in stderr
    assert f"pid {holder.pid}" in stderr
    with pytest.raises(ArchiveLocked) as caught:
        ArchiveLock(lock_path, run_id="run-C").acquire()
    assert caught.value.holder is not None and caught.value.holder.pid == holder.pid
    release(holder)


def test_second_process_waits_then_runs(lock_path: Path, holder: subprocess.Popen[str]) -> None:
    second = start_holder(lock_path, "run-B", wait=60)
    try:
        assert next_line(second) == "trying"
        assert second.poll() is None
        assert read_holder(lock_path).run_id == "run-A"  # type: ignore[union-attr]
        release(holder)
        assert next_line(second) == "locked"  # got it once the first let go
        assert read_holder(lock_path).run_id == "run-B"  # type: ignore[union-attr]
        release(second)
        assert second.wait(timeout=30) == 0
    finally:
        finish(second)


def test_kernel_releases_the_lock_of_a_killed_holder(
    lock_path: Path, holder: subprocess.Popen[str], caplog: pytest.LogCaptureFixture
) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)  # reaped: the pid is gone, not a zombie
    dead = read_holder(lock_path)
    assert dead is not None and dead.pid == holder.pid  # the stale record is still there
    with caplog.at_level(logging.WARNING, logger="archiver.archive.lock"):
        with ArchiveLock(lock_path, run_id="run-B", wait=0):  # no wait needed
            recorded = read_holder(lock_path)
            assert recorded is not None and recorded.pid == os.getpid()
    assert "stale lock" in caplog.text and f"pid {holder.pid}" in caplog.text


def test_two_locks_in_one_process_exclude_each_other(lock_path: Path) -> None:
    with ArchiveLock(lock_path, run_id="one"):
        with pytest.raises(ArchiveLocked, match="after waiting"):
            ArchiveLock(lock_path, wait=0.2, poll_interval=0.02).acquire()
    with ArchiveLock(lock_path, run_id="two") as lock:  # free again after release
        assert lock.held
    assert not lock.held


def test_lock_is_free_when_no_file(tmp_path: Path) -> None:
    assert read_holder(tmp_path / "missing.lock") is None
