"""One run at a time per archive: an exclusive lock on ``OUTPUT/.archiver.lock``.

Two cron runs on the same OUTPUT would interleave writes to ``state.sqlite``, ``posts.jsonl``
and ``feed.atom``. The lock is ``fcntl.flock`` on the lock file: the kernel releases it when
its holder dies, however it dies (SIGKILL, OOM, power loss of the process), so a crashed run
never blocks the next one. The file also records who holds it (pid, host, run id, start) so
that the second run can say whom it is waiting for.

Rules this module keeps, and why:

- The lock file is never deleted or replaced (no atomic rename): a process waiting on the old
  inode would otherwise get a lock nobody else sees. The holder's details are written in place.
- A lock file naming a dead process on this host is a stale record, not a held lock: flock
  succeeds and the new run takes it over (logged). If flock fails while the named process is
  dead, another process inherited the open file (a forked child): that one holds the lock.
- flock works on local filesystems; on NFS, Linux emulates it with POSIX locks, which works
  when the server supports locking.

Reads no settings; the CLI passes the wait (suggested setting ``ARCHIVER_LOCK_WAIT``, seconds,
default 0 = fail at once).
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import socket
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.1


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) an archive's lock, as recorded in the lock file."""

    pid: int
    host: str
    run_id: str | None
    started_at: str

    def describe(self) -> str:
        run = f"run {self.run_id}" if self.run_id else "a run"
        return f"{run} (pid {self.pid} on {self.host}, since {self.started_at})"

    def is_dead_here(self) -> bool:
        """True when the holder ran on this host and its process no longer exists."""
        return self.host == socket.gethostname() and not _pid_alive(self.pid)


class ArchiveLocked(RuntimeError):
    """Another run holds the archive's lock."""

    def __init__(self, path: Path, holder: LockHolder | None, waited: float) -> None:
        self.path = path
        self.holder = holder
        who = holder.describe() if holder else "another process (no details recorded)"
        if holder is not None and holder.is_dead_here():
            who += ", whose process has ended; a child process it started still holds the lock"
        waited_text = f" after waiting {waited:.0f} s" if waited else ""
        super().__init__(f"archive is locked by {who}{waited_text}: {path}")


class ArchiveLock:
    """An exclusive lock on an archive, as a context manager.

    ``wait`` is how long to wait for another run to finish (seconds; 0 = fail at once,
    ``None`` = wait for ever). Raises ``ArchiveLocked`` when the lock cannot be had.
    """

    def __init__(
        self,
        path: Path,
        *,
        run_id: str | None = None,
        wait: float | None = 0.0,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self.path = path
        self.run_id = run_id
        self.wait = wait
        self.poll_interval = poll_interval
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> LockHolder:
        """Take the lock (waiting up to ``wait``) and record this process as its holder."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this ArchiveLock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # No O_TRUNC: the details of the current holder must survive until we hold the lock.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        started = time.monotonic()
        try:
            while not _try_flock(fd):
                waited = time.monotonic() - started
                if self.wait is not None and waited >= self.wait:
                    raise ArchiveLocked(self.path, read_holder(self.path), waited)
                time.sleep(self.poll_interval)
            previous = _read_holder_fd(fd)
            if previous is not None and previous.pid != os.getpid():
                if previous.is_dead_here():
                    logger.warning(
                        "Taking over a stale lock of %s: %s", previous.describe(), self.path
                    )
                elif previous.host != socket.gethostname():
                    logger.info("Lock last held on host %s, now free: %s", previous.host, self.path)
            holder = LockHolder(
                pid=os.getpid(),
                host=socket.gethostname(),
                run_id=self.run_id,
                started_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
            )
            _write_holder_fd(fd, holder)
        except BaseException:
            os.close(fd)  # closing the file releases the flock too, if we had it
            raise
        self._fd = fd
        logger.debug("Locked %s for %s", self.path, holder.describe())
        return holder

    def release(self) -> None:
        """Release the lock; the file stays (see the module docstring), emptied."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # a reader then knows nobody holds it
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def lock_in_use(path: Path) -> tuple[bool, LockHolder | None]:
    """Whether a process holds the lock now (and who), without taking it for longer than a
    test: for readers such as ``archiver verify``, which must not block a crawl."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False, None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return True, _read_holder_fd(fd)
            raise
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False, None
    finally:
        os.close(fd)


def read_holder(path: Path) -> LockHolder | None:
    """The holder recorded in a lock file (None when free, missing or unreadable)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        return _read_holder_fd(fd)
    finally:
        os.close(fd)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _read_holder_fd(fd: int) -> LockHolder | None:
    data = os.pread(fd, 4096, 0)
    if not data.strip():
        return None
    try:
        fields = json.loads(data)
        return LockHolder(
            pid=int(fields["pid"]),
            host=str(fields["host"]),
            run_id=fields.get("run_id"),
            started_at=str(fields["started_at"]),
        )
    except (ValueError, KeyError, TypeError):
        # Torn or foreign content: the lock still works, only the details are unknown.
        logger.warning("Unreadable lock details: %r", data[:200])
        return None


def _write_holder_fd(fd: int, holder: LockHolder) -> None:
    # Written in place on purpose (not through archiver.files): the inode must stay the same.
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(asdict(holder)) + "\n").encode("utf-8"), 0)
    os.fsync(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
