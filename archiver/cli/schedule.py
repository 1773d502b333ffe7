"""``archiver schedule --every 6h``: run the incremental crawl on this machine, on a timer.

Prints a systemd service + timer pair (or, where systemd is not running, a ``cron.d`` line);
``--install`` writes them (``/etc/systemd/system`` or ``/etc/cron.d``, or ``--dest DIR``) and
prints the one command that starts the timer. The job is ``archiver crawl`` with the archive's
own lock, so a run never overlaps the previous one (a second run exits 4 at once and the next
tick tries again); systemd counts the exit codes that mean "archived" as success:
0 complete, 3 partial (some pages failed for good; they are listed in run.json).

Intervals: ``Nm`` (N divides 60), ``Nh`` (N divides 24) or ``1d``, so that systemd's
``OnCalendar`` and cron fire at the same wall-clock times. The files in ``contrib/`` are this
command's output for the default archive (a test keeps them in step).
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver import PROJECT_URL
from archiver.cli import exit_codes
from archiver.sources import PROFILES

__all__ = ["Interval", "Schedule", "parse_interval", "render_cron", "render_systemd"]

SYSTEMD_DIR = Path("/etc/systemd/system")
CRON_DIR = Path("/etc/cron.d")
# Exit codes of `archiver crawl` after which the archive holds the run (README, exit codes).
ARCHIVED_EXIT_CODES = (exit_codes.OK, exit_codes.PARTIAL)


@dataclass(frozen=True)
class Interval:
    """A fixed interval that divides the day, in the one unit it was given in."""

    count: int
    unit: str  # "m", "h" or "d"

    def on_calendar(self) -> str:
        """systemd ``OnCalendar`` firing at the same times as :meth:`cron_fields`."""
        if self.unit == "m":
            return f"*-*-* *:00/{self.count}:00"
        if self.unit == "h":
            return f"*-*-* 00/{self.count}:17:00"
        return "*-*-* 03:17:00"

    def cron_fields(self) -> str:
        if self.unit == "m":
            return f"*/{self.count} * * * *"
        if self.unit == "h":
            return f"17 */{self.count} * * *"
        return "17 3 * * *"

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


def parse_interval(text: str) -> Interval:
    """``30m``, ``6h``, ``1d``; ValueError with the rule otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*([mhd])\s*", text.lower())
    if match:
        count, unit = int(match[1]), match[2]
        limits = {"m": 60, "h": 24, "d": 1}
        if count >= 1 and limits[unit] % count == 0:
            return Interval(count, unit)
    raise ValueError(f"--every takes Nm (N divides 60), Nh (N divides 24) or 1d, not {text!r}")


@dataclass(frozen=True)
class Schedule:
    """What to run, where, how often."""

    every: Interval
    output: Path
    source: str | None
    command: tuple[str, ...]
    user: str

    @property
    def name(self) -> str:
        """Unit name: one per archive and source, so several can be scheduled side by side."""
        stem = re.sub(r"[^A-Za-z0-9]+", "-", self.output.as_posix()).strip("-") or "archive"
        return f"archiver-{self.source or 'default'}-{stem}"[:80]

    def crawl_command(self) -> str:
        arguments = [*self.command, "crawl", "--output", str(self.output)]
        if self.source:
            arguments += ["--source", self.source]
        return shlex.join(arguments)


def render_systemd(schedule: Schedule) -> dict[str, str]:
    """``{file name: content}`` of the service and timer units."""
    codes = " ".join(str(code) for code in ARCHIVED_EXIT_CODES)
    service = f"""[Unit]
Description=archiver: incremental crawl into {schedule.output}
Documentation={PROJECT_URL}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User={schedule.user}
ExecStart={schedule.crawl_command()}
# 0 = complete, 3 = partial (failed pages listed in run.json); 4 = could not run (e.g. the
# previous run still holds the archive's lock): systemd marks that run failed.
SuccessExitStatus={codes}
# Stopping the unit sends SIGTERM to the crawl alone, which ends its run and its page-reading
# worker itself (the worker would otherwise die first and be counted lost).
KillMode=mixed
Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
"""
    timer = f"""[Unit]
Description=archiver: crawl into {schedule.output} every {schedule.every}

[Timer]
OnCalendar={schedule.every.on_calendar()}
RandomizedDelaySec=5min
Persistent=true
Unit={schedule.name}.service

[Install]
WantedBy=timers.target
"""
    return {f"{schedule.name}.service": service, f"{schedule.name}.timer": timer}


def render_cron(schedule: Schedule) -> dict[str, str]:
    """``{file name: content}`` of a ``/etc/cron.d`` file (with its user field)."""
    line = f"{schedule.every.cron_fields()} {schedule.user} {schedule.crawl_command()}"
    content = (
        f"# archiver: incremental crawl into {schedule.output} every {schedule.every}.\n"
        "# Exit 0 = complete, 3 = partial, 4 = could not run (cron mails what it prints).\n"
        "SHELL=/bin/sh\n"
        f"{line}\n"
    )
    return {schedule.name: content}


def systemd_running() -> bool:
    """Whether this machine was booted with systemd (sd_booted's test)."""
    return Path("/run/systemd/system").is_dir()


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "schedule",
        help="run the incremental crawl on a timer (systemd timer, or cron)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--every", required=True, metavar="INTERVAL", help="30m, 6h, 1d, ...")
    parser.add_argument("--output", default="output", metavar="DIR", help="the archive")
    parser.add_argument("--source", choices=sorted(PROFILES), help="source profile")
    parser.add_argument("--user", default="root", help="user the crawl runs as (default root)")
    parser.add_argument(
        "--format",
        choices=("auto", "systemd", "cron"),
        default="auto",
        help="systemd units or a cron.d file (default: systemd where it runs)",
    )
    parser.add_argument(
        "--install", action="store_true", help="write the files (default: print them)"
    )
    parser.add_argument(
        "--dest", metavar="DIR", help="where --install writes (default /etc/systemd/system or "
        "/etc/cron.d)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        every = parse_interval(args.every)
    except ValueError as error:
        print(f"archiver schedule: error: {error}", file=sys.stderr)
        return exit_codes.USAGE
    schedule = Schedule(
        every=every,
        output=Path(args.output).resolve(),
        source=args.source,
        command=(sys.executable, "-m", "archiver"),
        user=args.user,
    )
    use_systemd = args.format == "systemd" or (args.format == "auto" and systemd_running())
    files = render_systemd(schedule) if use_systemd else render_cron(schedule)
    if not args.install:
        for name, content in files.items():
            print(f"# --- {name}\n{content}")
        return exit_codes.OK
    dest = Path(args.dest) if args.dest else (SYSTEMD_DIR if use_systemd else CRON_DIR)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (dest / name).write_text(content, encoding="utf-8")
            print(f"wrote {dest / name}")
    except OSError as error:
        print(f"archiver schedule: error: cannot write to {dest}: {error}", file=sys.stderr)
        return exit_codes.FAILED
    if use_systemd:
        print(f"start it: systemctl daemon-reload && systemctl enable --now {schedule.name}.timer")
    return exit_codes.OK
