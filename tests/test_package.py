"""package_run on a demo crawl: the CDXJ index, and a WACZ that ``wacz validate`` accepts, that
lists the posts by title, and that pywb's ``wb-manager add --unpack-wacz`` loads."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import LOOPBACK_ARGS, run_archiver, running_in_ci

from archiver.archive.layout import ArchivePaths, RunPaths
from archiver.archive.package import package_run
from archiver.verify.wacz import validate_with_py_wacz


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunPaths:
    output = tmp_path_factory.mktemp("package") / "out"
    completed = run_archiver(
        "demo",
        "--output",
        str(output),
        "--posts",
        "6",
        "--fault-rate",
        "0",
        "-s",
        "ARCHIVER_PACKAGE_ENABLED=0",
        *LOOPBACK_ARGS,
        timeout=180,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    archive = ArchivePaths(output)
    run = archive.run(archive.run_ids()[-1])
    assert not run.wacz.exists()  # packaging off: the test packages it
    package_run(run, title="Test run")
    return run


def _items(run: RunPaths) -> list[dict[str, object]]:
    return [json.loads(line) for line in run.items_jsonl.read_text().splitlines() if line]


def test_cdxj_indexes_every_response(run: RunPaths) -> None:
    lines = run.cdxj.read_text().splitlines()
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    assert lines == sorted(lines)
    urls = {entry.get("url") for entry in entries}  # the warcinfo line has none
    for item in _items(run):
        pointer = item["warc"]
        assert isinstance(pointer, dict) and pointer["target_uri"] in urls


def test_wacz_has_required_files_and_validates(run: RunPaths) -> None:
    with zipfile.ZipFile(run.wacz) as wacz:
        names = set(wacz.namelist())
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
    assert {"datapackage.json", "datapackage-digest.json", "pages/pages.jsonl"} <= names
    assert "indexes/index.cdx.gz" in names or "indexes/index.cdx" in names
    warcs = {f"archive/{p.name}" for p in run.warc_dir.glob("*.warc.gz")}
    assert warcs and warcs <= names
    assert validate_with_py_wacz(run.wacz) == []
    titled = {page["url"]: page.get("title") for page in pages[1:]}
    for item in _items(run):
        if item.get("http_status") == 200:
            assert titled[item["url"]] == item["title"]


def test_pywb_loads_the_wacz(run: RunPaths, tmp_path: Path) -> None:
    if importlib.util.find_spec("pywb") is None:
        message = "pywb is not installed (the replay extra: pip install '.[replay]')"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    env = dict(os.environ)
    manager = [sys.executable, "-c", "from pywb.manager.manager import main; main()"]
    subprocess.run(
        [*manager, "init", "evidence"], cwd=tmp_path, env=env, check=True, capture_output=True
    )
    completed = subprocess.run(
        [*manager, "add", "--unpack-wacz", "evidence", str(run.wacz)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    index = tmp_path / "collections" / "evidence" / "indexes" / "index.cdxj"
    indexed = index.read_text()
    for item in _items(run):
        if item.get("http_status") == 200:
            assert item["url"] in indexed
