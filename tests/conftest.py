"""Fixtures shared by the verify tests: one demo archive per session, a copy per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import run_demo


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean 8-post demo archive; read it only (tamper with ``archive``, its copy)."""
    output = tmp_path_factory.mktemp("demo") / "out"
    run_demo(output, 8)
    return output


@pytest.fixture
def archive(demo_archive: Path, tmp_path: Path) -> Path:
    """A copy of the demo archive that the test may damage."""
    copy = tmp_path / "archive"
    shutil.copytree(demo_archive, copy)
    return copy
