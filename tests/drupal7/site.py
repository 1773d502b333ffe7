"""Build (install + content) and serve a stock Drupal 7 for tests.

- ``DrupalSite.build(root)``: unpack core, ``install.php`` (standard profile on SQLite, the
  installer's forms pre-filled as drush site-install does), ``content.php`` (articles with
  body, tags, image and a ``/content/<slug>`` alias; site timezone America/New_York; page
  cache on). Idempotent: a finished build is marked and reused.
- ``DrupalServer(site)``: ``php -S 127.0.0.1:PORT router.php`` in its own process group,
  ready once it answers HTTP (polled, no fixed sleep); stopped on exit.
- ``drupal7_site(tmp_path_factory)``: what a fixture calls; one build per test session.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

import pytest
from helpers import REPO_ROOT, require_program, running_in_ci

HERE = Path(__file__).resolve().parent
TARBALL_NAME = "drupal-7.105.tar.gz"
NEW_YORK = ZoneInfo("America/New_York")


def _created(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=NEW_YORK).timestamp())


_BODY = (
    "The International Uyghur Human Rights and Democracy Foundation ({n}) calls on the UN.\n\n"
    "Rabiya Kadeer, also written Rebiya Kadeer, spoke in Washington, DC.\n\n"
    "Third paragraph of post {n}."
)
DRUPAL_POSTS: list[dict[str, object]] = [
    {
        "title": f"Drupal 7 harness post {n}",
        "slug": f"harness-post-{n}",
        "body": _BODY.format(n=n),
        "tags": ["Uyghur", "UN"] if n % 2 else ["Uyghur"],
        "created": _created(f"2020-{1 + n % 12:02d}-{8 + n:02d}T17:31:05"),
        "image": f"harness-{n}.png" if n % 3 else None,
        "sticky": n == 4,
    }
    for n in range(1, 13)
]
"""Twelve articles: more than one /node page (10 a page), one sticky, images on 2 of 3."""


def find_tarball() -> Path | None:
    """Drupal 7 core: ``ARCHIVER_DRUPAL7_TARBALL``, else shared/ beside or above the checkout."""
    configured = os.environ.get("ARCHIVER_DRUPAL7_TARBALL")
    candidates = [Path(configured)] if configured else []
    candidates += [REPO_ROOT.parent / "shared" / TARBALL_NAME, Path("/work/shared") / TARBALL_NAME]
    return next((path for path in candidates if path.is_file()), None)


@dataclass
class DrupalSite:
    """An installed Drupal 7 docroot and its SQLite database."""

    docroot: Path
    database: Path

    @classmethod
    def build(cls, root: Path, tarball: Path, php: str) -> DrupalSite:
        docroot, database = root / "drupal", root / "drupal.sqlite"
        done = root / "build.done"
        if done.exists():
            return cls(docroot, database)
        if root.exists():
            shutil.rmtree(root)  # a build interrupted earlier: start over
        root.mkdir(parents=True)
        with tarfile.open(tarball) as archive:
            archive.extractall(root, filter="data")
        unpacked = next(p for p in root.iterdir() if p.is_dir())
        unpacked.rename(docroot)
        sites = docroot / "sites" / "default"
        shutil.copy(sites / "default.settings.php", sites / "settings.php")
        (sites / "files").mkdir(exist_ok=True)
        for script in ("install.php", "content.php", "router.php"):
            # install.php replaces core's own (interactive) installer in this throw-away copy.
            shutil.copy(HERE / script, docroot / f"harness-{script}")
        posts_json = root / "posts.json"
        posts_json.write_text(json.dumps(DRUPAL_POSTS), encoding="utf-8")
        _php(php, docroot, "harness-install.php", str(database))
        _php(php, docroot, "harness-content.php", str(posts_json))
        done.write_text("ok\n")
        return cls(docroot, database)


def _php(php: str, docroot: Path, script: str, *args: str) -> None:
    completed = subprocess.run(
        [php, script, *args], cwd=docroot, capture_output=True, text=True, timeout=120
    )
    if completed.returncode != 0 or "error" in completed.stdout.lower():
        output = completed.stdout[-3000:] + completed.stderr[-2000:]
        raise RuntimeError(f"{script} failed:\n{output}")


class DrupalServer:
    """``php -S`` serving ``site`` on a free loopback port until the context ends."""

    def __init__(self, site: DrupalSite, php: str, log_path: Path) -> None:
        self.site = site
        self.php = php
        self.log_path = log_path
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> DrupalServer:
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [self.php, "-S", f"127.0.0.1:{self.port}", "harness-router.php"],
            cwd=self.site.docroot,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"php -S exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base_url + "/robots.txt", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # polling interval, not a wait for a guessed start-up time

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is None:
            return
        os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def drupal7_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[DrupalSite, str]:
    """The session's installed Drupal 7 and the php binary; skips (fails under CI) without
    php or the core tarball."""
    php = require_program("php", "the Drupal 7 harness runs stock Drupal 7 core")
    modules = subprocess.run([php, "-m"], capture_output=True, text=True).stdout.lower()
    missing = [m for m in ("pdo_sqlite", "gd", "xml", "mbstring") if m not in modules.split()]
    if missing:
        message = f"php lacks {', '.join(missing)} (apt-get install php-sqlite3 php-gd ...)"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    tarball = find_tarball()
    if tarball is None:
        message = f"{TARBALL_NAME} not found (shared/ or ARCHIVER_DRUPAL7_TARBALL)"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.getbasetemp() / "drupal7-site"
    return DrupalSite.build(root, tarball, php), php
