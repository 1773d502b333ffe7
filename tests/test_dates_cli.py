"""``archiver dates``: the stable CLI contract, run as a subprocess."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.cli import dates as dates_cli

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*arguments: str, stdin: str = "") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "archiver.cli.dates", *arguments],
        input=stdin.encode("utf-8"),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_one_json_object_per_line_in_input_order() -> None:
    lines = [
        "Per, 10/08/2020 - 17:31",
        "garbage",
        "",
        "Cum, 10/08/2020 - 17:31",
        "10/13/2020 - 09:00",
        "10/09/2020 - 17:31",
        "Sun, 11/01/2020 - 01:30",
    ]
    done = run_cli("--tz", "America/New_York", "--languages", "tr,en", stdin="\n".join(lines))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert [r["raw"] for r in records] == lines
    assert records[0]["published"] == "2020-10-08T17:31:00-04:00"
    assert records[1]["published"] is None and "unparsed" in records[1]["flags"]
    assert records[3]["published"] is None and "weekday_mismatch" in records[3]["flags"]
    # A stream: line 5 (13 > 12) taught its shape MDY, which decides line 6.
    assert records[5]["published"] == "2020-10-09T17:31:00-04:00"
    assert "order_inferred" in records[5]["flags"]
    assert records[6]["published"] is None
    assert records[6]["candidates"] == ["2020-11-01T01:30:00-04:00", "2020-11-01T01:30:00-05:00"]


def test_order_option_is_used_for_ambiguous_input() -> None:
    done = run_cli("--tz", "Europe/Berlin", "--order", "DMY", stdin="08/10/2020 17:31\n")
    record = json.loads(done.stdout)
    assert record["published"] == "2020-10-08T17:31:00+02:00"
    assert "ambiguous" in record["flags"]


@pytest.mark.parametrize(
    "arguments",
    [
        ("--tz", "Mars/Olympus"),
        ("--tz", "UTC", "--languages", "tr,klingon"),
        ("--tz", "UTC", "--order", "MYD"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(arguments: tuple[str, ...]) -> None:
    done = run_cli(*arguments, stdin="10/08/2020\n")
    assert done.returncode == 2
    assert done.stdout == b""
    assert len(done.stderr.decode().strip().splitlines()) == 1


def test_add_parser_registers_dates_with_run() -> None:
    parser = argparse.ArgumentParser(prog="archiver")
    dates_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["dates", "--tz", "UTC", "--languages", "en"])
    assert args.func is dates_cli.run
    assert args.tz == "UTC"


def test_weekday_of_any_language_is_checked_without_languages() -> None:
    done = run_cli("--tz", "America/New_York", stdin="Sat, 09/30/2020 - 16:04\n")  # a Wednesday
    record = json.loads(done.stdout)
    assert record["published"] is None
    assert "weekday_mismatch" in record["flags"]
