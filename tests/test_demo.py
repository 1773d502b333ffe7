"""``archiver demo`` checks the whole archive it made, catalogue included, and says so."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import LOOPBACK_ARGS, run_archiver


def test_the_demo_verifies_the_whole_archive_not_only_its_run(tmp_path: Path) -> None:
    output = tmp_path / "out"
    completed = run_archiver(
        "demo", "--output", str(output), "--posts", "8", "--fault-rate", "0", *LOOPBACK_ARGS,
        timeout=180,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "verification:     OK" in completed.stdout
    assert f"Verified {output}:" in completed.stdout
    found = re.search(r"(\d+) items, (\d+) catalogue entries", completed.stdout)
    assert found is not None, completed.stdout
    assert int(found.group(1)) == int(found.group(2)) >= 8
