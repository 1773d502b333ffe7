"""``archiver schedule``: units that systemd accepts, cron at the same times, contrib/ in step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO_ROOT, require_program, run_archiver

from archiver.cli.schedule import Schedule, parse_interval, render_cron, render_systemd

CONTRIB = REPO_ROOT / "contrib"
# The schedule contrib/ shows: an archive under /srv, the archiver in a virtualenv there.
CONTRIB_SCHEDULE = Schedule(
    every=parse_interval("6h"),
    output=Path("/srv/archive"),
    source="iuhrdf",
    command=("/srv/archiver/.venv/bin/python", "-m", "archiver"),
    user="archiver",
)


def test_installed_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = require_program("systemd-analyze", "checks the generated units")
    completed = run_archiver(
        "schedule", "--every", "6h", "--output", str(tmp_path / "archive"), "--source", "iuhrdf",
        "--format", "systemd", "--install", "--dest", str(tmp_path / "units"),
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    units = sorted((tmp_path / "units").iterdir())
    assert [u.suffix for u in units] == [".service", ".timer"]
    service = units[0].read_text()
    assert (
        f"ExecStart={sys.executable} -m archiver crawl --output {tmp_path / 'archive'}" in service
    )
    assert "SuccessExitStatus=0 3" in service
    verified = subprocess.run(
        [analyze, "verify", *map(str, units)], capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stderr.strip() == "", verified.stderr  # no warning either


def test_timer_and_cron_fire_at_the_same_times() -> None:
    analyze = require_program("systemd-analyze", "normalises the timer's calendar")
    every = parse_interval("6h")
    completed = subprocess.run(
        [analyze, "calendar", "--iterations=4", every.on_calendar()],
        capture_output=True, text=True, timeout=30, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    hours = [line.split()[-2][:5] for line in completed.stdout.splitlines() if "Iter" in line
             or "Next elapse" in line]  # fmt: skip
    assert sorted(set(hours)) == ["00:17", "06:17", "12:17", "18:17"]
    assert every.cron_fields() == "17 */6 * * *"  # the same minutes and hours


@pytest.mark.parametrize("text", ["7h", "0m", "45m", "2d", "6", "six hours"])
def test_intervals_that_do_not_divide_the_day_are_refused(text: str) -> None:
    completed = run_archiver("schedule", "--every", text)
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1 and "--every takes" in completed.stderr


def test_cron_file_has_the_user_field_and_the_crawl() -> None:
    [(name, content)] = render_cron(CONTRIB_SCHEDULE).items()
    assert name == "archiver-iuhrdf-srv-archive"
    assert content.splitlines()[-1] == (
        "17 */6 * * * archiver /srv/archiver/.venv/bin/python -m archiver crawl"
        " --output /srv/archive --source iuhrdf"
    )


def test_contrib_files_are_the_commands_output() -> None:
    for name, content in render_systemd(CONTRIB_SCHEDULE).items():
        assert (CONTRIB / "systemd" / name).read_text() == content, name
    for name, content in render_cron(CONTRIB_SCHEDULE).items():
        assert (CONTRIB / "cron" / name).read_text() == content, name
