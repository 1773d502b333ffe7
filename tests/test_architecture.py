"""The house drawn from the code: floors kept, one state connection per crawl, Scrapy untouched.

- The import floors of docs/architecture.md hold (import-linter, contract in pyproject.toml),
  and the contract is not vacuous: an upward import breaks it.
- A crawl opens the archive's state database once, whatever its mode.
- Importing every archiver module changes nothing in any Scrapy module (no private names
  patched at import).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import LOOPBACK_ARGS, REPO_ROOT, archiver_env

from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite


def lint_imports_in(directory: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the package in ``directory`` (a fresh process: lint what is on disk)."""
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports as l; "
         "raise SystemExit(l(no_cache=True, no_logo=True))"],
        cwd=directory, env={**archiver_env(), "PYTHONPATH": str(directory)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_import_floors_are_kept() -> None:
    completed = lint_imports_in(REPO_ROOT)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]


def test_an_upward_import_breaks_the_floors(tmp_path: Path) -> None:
    """Copy the package, add one upward import (state -> archive), and lint the copy."""
    shutil.copytree(REPO_ROOT / "archiver", tmp_path / "archiver")
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    store = tmp_path / "archiver" / "state" / "store.py"
    source = store.read_text()
    upward = "from __future__ import annotations\n\nimport archiver.archive.layout  # noqa: F401\n"
    mutated = source.replace("from __future__ import annotations\n", upward, 1)
    assert mutated != source
    store.write_text(mutated)
    completed = lint_imports_in(tmp_path)
    assert completed.returncode == 1, completed.stdout[-2000:]
    assert "archiver.state.store -> archiver.archive" in completed.stdout


COUNTING_RUNNER = textwrap.dedent(
    """
    import atexit, json, sys
    from archiver.state import store
    opened = []
    original = store.ArchiveState.open.__func__

    def counting_open(cls, path):
        opened.append(str(path))
        return original(cls, path)

    store.ArchiveState.open = classmethod(counting_open)
    atexit.register(lambda: open(sys.argv[1], "w").write(json.dumps(opened)))
    from archiver.cli import main
    raise SystemExit(main(sys.argv[2:]))
    """
)


@pytest.mark.parametrize("mode", ["incremental", "full"])
def test_a_crawl_opens_the_state_once(tmp_path: Path, mode: str) -> None:
    runner = tmp_path / "runner.py"
    runner.write_text(COUNTING_RUNNER)
    output = tmp_path / "archive"
    with ReplicaServer(ReplicaSite(ReplicaOptions(posts=12, seed=3))) as server:
        for run in ("first", "second"):  # the second run has a state to read
            opened = tmp_path / f"opened-{run}.json"
            completed = subprocess.run(
                [sys.executable, str(runner), str(opened), "crawl",
                 "--start-url", server.listing_url, "--output", str(output),
                 *(["--full"] if mode == "full" and run == "second" else []),
                 *LOOPBACK_ARGS],
                cwd=REPO_ROOT, env=archiver_env(), capture_output=True, text=True, timeout=180,
            )  # fmt: skip
            assert completed.returncode == 0, completed.stderr[-3000:]
            assert json.loads(opened.read_text()) == [str(output / "state.sqlite")]


def test_importing_the_archiver_patches_nothing_in_scrapy() -> None:
    code = textwrap.dedent(
        """
        import importlib, json, pkgutil, sys
        import scrapy, scrapy.crawler, scrapy.downloadermiddlewares.cookies
        import scrapy.downloadermiddlewares.retry, scrapy.downloadermiddlewares.httpcompression
        def snapshot():
            return {n: {a: id(v) for a, v in vars(m).items()}
                    for n, m in list(sys.modules.items()) if n.split('.')[0] == 'scrapy'}
        before = snapshot()
        import archiver
        for info in pkgutil.walk_packages(archiver.__path__, 'archiver.'):
            if not info.name.endswith('__main__'):
                importlib.import_module(info.name)
        after = snapshot()
        changed = sorted(f'{n}.{a}' for n, attrs in before.items() for a, i in attrs.items()
                         if after[n].get(a) != i)
        print(json.dumps(changed))
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=archiver_env(),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == []
