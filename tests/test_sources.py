"""Sources file (issue 16, point 1): profiles from TOML, `archiver sources`, a bad file's one
line (file, source, field; exit 2), and `archiver crawl --all` (each source into its own
archive OUTPUT/<source>/)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import LOOPBACK_ARGS, run_archiver

from archiver.archive.layout import ArchivePaths
from archiver.files import read_json, read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.sources import (
    PROFILES,
    SourcesError,
    bundled_sources_file,
    get_profile,
    load_sources,
)
from archiver.verify.archive import verify_archive


def test_bundled_sources_file_holds_the_iuhrdf_profile() -> None:
    assert bundled_sources_file().is_file()
    profile = PROFILES["iuhrdf"]
    assert profile.start_urls == ("https://www.iuhrdf.org/topic/news",)
    assert profile.timezone == "America/New_York"
    assert profile.languages == ("en", "tr")
    assert profile.date_order == "MDY"
    assert "www.iuhrdf.org" in profile.hosts
    assert get_profile("iuhrdf") == profile


def test_a_sources_file_with_every_field(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[sources.bianet]\nstart_urls = ["https://bianet.org/haberler"]\n'
        'hosts = ["bianet.org", "eski.bianet.org"]\ntimezone = "Europe/Istanbul"\n'
        'languages = ["tr"]\ndate_order = "DMY"\n'
        '[sources.bianet.selectors]\nteaser = "article.teaser"\npost_body = "div.body"\n'
    )
    profile = load_sources(path)["bianet"]
    assert profile.timezone == "Europe/Istanbul"
    assert profile.date_order == "DMY"
    assert profile.hosts == ("bianet.org", "eski.bianet.org")
    assert profile.selectors == {"teaser": "article.teaser", "post_body": "div.body"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('[sources.a]\nstart_urls = ["https://a.org/"]\ntimezone = "Mars/Olympus"\n', "timezone"),
        ('[sources.a]\nstart_urls = "https://a.org/"\ntimezone = "UTC"\n', "start_urls"),
        ('[sources.a]\ntimezone = "UTC"\n', "start_urls"),
        ('[sources.a]\nstart_urls = []\ntimezone = "UTC"\ndate_order = "XYZ"\n', "date_order"),
        ('[sources.a]\nstart_urls = []\ntimezone = "UTC"\nlanguage = ["en"]\n', "language"),
        ('[sources.a]\nstart_urls = []\ntimezone = "UTC"\n[sources.a.selectors]\nx = "p"\n',
         "selectors.x"),
    ],
)  # fmt: skip
def test_a_bad_sources_file_is_one_line_naming_file_source_and_field(
    tmp_path: Path, body: str, field: str
) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(body)
    with pytest.raises(SourcesError) as raised:
        load_sources(path)
    message = str(raised.value)
    assert "\n" not in message
    assert str(path) in message and "source 'a'" in message and f"field {field}:" in message
    for command in (["sources"], ["crawl", "--source", "a"]):
        completed = run_archiver(*command, "--sources", str(path), timeout=60)
        assert completed.returncode == 2, completed.stderr
        lines = completed.stderr.strip().splitlines()
        assert len(lines) == 1 and f"field {field}:" in lines[0] and str(path) in lines[0]


def test_not_toml_and_unknown_source_are_usage_errors(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text("[sources.a\n")
    completed = run_archiver("sources", "--sources", str(path), timeout=60)
    assert completed.returncode == 2 and "not valid TOML" in completed.stderr
    completed = run_archiver("crawl", "--source", "nowhere", timeout=60)
    assert completed.returncode == 2
    assert "unknown source 'nowhere'" in completed.stderr and "iuhrdf" in completed.stderr


def test_archiver_sources_lists_name_urls_timezone_languages() -> None:
    completed = run_archiver("sources", timeout=60)
    assert completed.returncode == 0, completed.stderr
    rows = [line.split("\t") for line in completed.stdout.splitlines() if "\t" in line]
    assert rows[0] == ["name", "start_urls", "timezone", "languages"]
    assert ["iuhrdf", "https://www.iuhrdf.org/topic/news", "America/New_York", "en,tr"] in rows


def test_crawl_all_puts_each_source_in_its_own_archive(tmp_path: Path) -> None:
    first = ReplicaSite(ReplicaOptions(posts=12, seed=3))
    second = ReplicaSite(ReplicaOptions(posts=7, seed=4))
    with ReplicaServer(first, port=0) as one, ReplicaServer(second, port=0) as two:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[sources.alpha]\nstart_urls = ["{one.listing_url}"]\ntimezone = "UTC"\n'
            f'[sources.beta]\nstart_urls = ["{two.listing_url}"]\ntimezone = "Europe/Istanbul"\n'
            '[sources.later]\nstart_urls = []\ntimezone = "UTC"\n'
        )
        output = tmp_path / "out"
        completed = run_archiver(
            "crawl", "--all", "--sources", str(sources), "--output", str(output), *LOOPBACK_ARGS
        )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "source later has no start URLs: skipped" in completed.stderr
    assert sorted(p.name for p in output.iterdir()) == ["alpha", "beta"]
    for name, site in (("alpha", first), ("beta", second)):
        archive = ArchivePaths(output / name)
        (run_id,) = archive.run_ids()
        record = read_json(archive.run(run_id).run_json)
        assert record["status"] == "complete" and record["source"] == name
        posts = list(read_jsonl(archive.posts_jsonl))
        assert sorted(urlsplit(p["url"]).path for p in posts) == sorted(
            t["url"] for t in site.truth()
        )
        assert {p["source"] for p in posts} == {name}
        report = verify_archive(output / name)
        assert report.ok, report.summary()


def test_crawl_all_refuses_one_source_options() -> None:
    completed = run_archiver("crawl", "--all", "--source", "iuhrdf", timeout=60)
    assert completed.returncode == 2 and "--all" in completed.stderr
