"""The replica's test-bed hooks: transient faults, latency, traps of the reliability suite,
the state file for a separately running replica, and the ``archiver replica`` command."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_replica import Fetched, fetch, next_link, teaser_links

from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.replica import cli as replica_cli
from archiver.replica.faults import FaultPlan

REPO_ROOT = Path(__file__).resolve().parent.parent


def fetch_with_retries(base_url: str, path: str, attempts: int = 4) -> tuple[Fetched, list[str]]:
    """Fetch like a retrying crawler; returns the final response and the failures seen."""
    failures: list[str] = []
    for _ in range(attempts):
        try:
            response = fetch(base_url, path)
        except (http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine):
            failures.append("drop")
            continue
        if response.status in (500, 503):
            if response.status == 503:
                assert response.headers["Retry-After"] == "1"
            failures.append(str(response.status))
            continue
        return response, failures
    raise AssertionError(f"{path} still failing after {attempts} attempts: {failures}")


def test_faults_happen_on_first_attempts_then_succeed() -> None:
    site = ReplicaSite(ReplicaOptions(posts=30, seed=2, fault_rate=0.5))
    truth = site.truth()
    paths = ["/robots.txt"] + [f"/topic/news?page={n}" for n in range(3)]
    paths += [e["url"] for e in truth if e["status"] == "live"]
    seen_kinds: set[str] = set()
    with ReplicaServer(site) as server:
        for path in paths:
            response, failures = fetch_with_retries(server.base_url, path)
            assert response.status == 200
            assert len(failures) == server.faults.failing_attempts(path) <= 2
            seen_kinds.update(failures)
        log = server.request_log
    assert seen_kinds == {"503", "500", "drop"}
    failed_paths = {e.path for e in log if e.fault}
    assert 0.3 * len(paths) < len(failed_paths) < 0.7 * len(paths)
    for entry in log:
        expected = {None: None, "503": 503, "500": 500, "drop": 0}[entry.fault]
        assert expected is None or entry.status == expected
    retried = [e for e in log if e.attempt > 1]
    assert retried and all(e.path in failed_paths for e in retried)


def test_fault_choice_is_deterministic_per_seed() -> None:
    paths = [f"/content/post-{n}" for n in range(200)]
    first = FaultPlan(ReplicaOptions(seed=1, fault_rate=0.2))
    again = FaultPlan(ReplicaOptions(seed=1, fault_rate=0.2))
    other = FaultPlan(ReplicaOptions(seed=2, fault_rate=0.2))
    failing = [p for p in paths if first.failing_attempts(p)]
    assert failing == [p for p in paths if again.failing_attempts(p)]
    assert failing != [p for p in paths if other.failing_attempts(p)]
    assert 20 < len(failing) < 60
    assert not any(FaultPlan(ReplicaOptions(fault_rate=0.0)).failing_attempts(p) for p in paths)


def test_timeout_fault_stalls_then_drops_and_latency_delays() -> None:
    options = ReplicaOptions(
        posts=8, fault_rate=1.0, fault_kinds=("timeout",), fault_attempts=1, stall_seconds=0.3
    )
    with ReplicaServer(ReplicaSite(options)) as server:
        started = time.monotonic()
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            fetch(server.base_url, "/topic/news")
        assert time.monotonic() - started >= 0.3
        assert fetch(server.base_url, "/topic/news").status == 200
    with ReplicaServer(ReplicaSite(ReplicaOptions(posts=8, latency_ms=150))) as slow:
        started = time.monotonic()
        assert fetch(slow.base_url, "/robots.txt").status == 200
        assert time.monotonic() - started >= 0.15


def _trap_site(*traps: str, **extra: object) -> ReplicaSite:
    return ReplicaSite(ReplicaOptions(posts=25, seed=4, traps=frozenset(traps), **extra))  # type: ignore[arg-type]


def test_pager_traps() -> None:
    with ReplicaServer(_trap_site("pager_loop")) as server:
        last = fetch(server.base_url, "/topic/news?page=2").tree()
        assert next_link(last) == "/topic/news"  # loops back to page 0
    with ReplicaServer(_trap_site("endless_pager")) as server:
        last_page = teaser_links(fetch(server.base_url, "/topic/news?page=2").tree())
        far = fetch(server.base_url, "/topic/news?page=40").tree()
        assert teaser_links(far) == last_page
        assert next_link(far) == "/topic/news?page=41"


def test_hostile_post_traps() -> None:
    traps = (
        "redirect_loop",
        "offsite_redirect",
        "not_html",
        "wrong_charset",
        "huge_page",
        "empty_body",
        "malformed_html",
    )
    site = _trap_site(*traps, huge_page_bytes=2_000_000)
    by_status = {e["status"]: e for e in site.truth()}
    assert set(traps) <= set(by_status)
    with ReplicaServer(site) as server:
        listed = {
            link
            for n in range(3)
            for link in teaser_links(fetch(server.base_url, f"/topic/news?page={n}").tree())
        }
        assert {by_status[t]["listed_url"] for t in traps} <= listed
        loop = fetch(server.base_url, by_status["redirect_loop"]["url"])
        assert loop.status == 301
        back = fetch(server.base_url, loop.headers["Location"][len(server.base_url) :])
        assert back.status == 301
        assert back.headers["Location"] == server.base_url + by_status["redirect_loop"]["url"]
        offsite = fetch(server.base_url, by_status["offsite_redirect"]["url"])
        assert offsite.status == 302
        assert offsite.headers["Location"].startswith("https://www.example.com/")
        pdf = fetch(server.base_url, by_status["not_html"]["url"])
        assert pdf.headers["Content-Type"] == "application/pdf" and pdf.body.startswith(b"%PDF")
        mislabelled = fetch(server.base_url, by_status["wrong_charset"]["url"])
        assert mislabelled.headers["Content-Type"] == "text/html; charset=iso-8859-1"
        assert by_status["wrong_charset"]["title"] in mislabelled.body.decode("utf-8")
        assert len(fetch(server.base_url, by_status["huge_page"]["url"]).body) > 2_000_000
        empty = fetch(server.base_url, by_status["empty_body"]["url"])
        assert empty.status == 200 and empty.body == b""
        broken = fetch(server.base_url, by_status["malformed_html"]["url"])
        assert broken.status == 200 and "</body>" not in broken.text


def test_state_file_mutates_a_running_replica(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    site = ReplicaSite(ReplicaOptions(posts=15, seed=5))
    victim = site.truth()[3]
    with ReplicaServer(site, state_file=state) as server:
        assert fetch(server.base_url, victim["url"]).status == 200
        operations = [
            {"op": "add", "title": "Rabia Kadeer: Added From The State File"},
            {"op": "delete", "node_id": victim["node_id"]},
        ]
        state.write_text(json.dumps({"operations": operations}), "utf-8")
        links = teaser_links(fetch(server.base_url, "/topic/news").tree())
        assert links[0] == "/content/rabia-kadeer-added-state-file"
        assert victim["url"] not in links
        assert fetch(server.base_url, victim["url"]).status == 404
        state.write_text(json.dumps({"operations": operations[:1]}), "utf-8")
        assert fetch(server.base_url, victim["url"]).status == 200  # replayed from scratch


def test_replica_subcommand_registers_and_refuses_non_loopback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = argparse.ArgumentParser(prog="archiver")
    replica_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["replica", "--posts", "9", "--print-truth"])
    assert args.func is replica_cli.run
    assert args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == ReplicaSite(ReplicaOptions(posts=9)).truth()
    refused = parser.parse_args(["replica", "--host", "192.0.2.1"])
    assert refused.func(refused) == 2
    assert "non-loopback" in capsys.readouterr().err


def test_python_m_replica_serves_until_interrupted() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "archiver.replica", "--port", "0", "--posts", "12"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        base_url = first_line.split(" at ", 1)[1].strip().rstrip("/")
        assert base_url.startswith("http://127.0.0.1:")
        assert len(teaser_links(fetch(base_url, "/topic/news").tree())) == 10
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
