"""sites.yml is checked whole at load (issue #12): keys, types, ranges, hosts, no aliases."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.app.cli import cli
from archive.errors import SitesFileError
from crawler.settings import site_settings
from crawler.sites import MAX_FILE_BYTES, SCRAPY_OVERRIDES, load_sites, site_from_url

SITE = "- id: x\n  start_urls: [http://www.x.gov.cn/]\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.yml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(SitesFileError) as caught:
        load_sites(write(tmp_path, text))
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "sites.yml") + ": ")
    assert "\n" not in message and len(message) < 600
    return message


def test_a_full_polite_site_loads(tmp_path: Path) -> None:
    (site,) = load_sites(write(tmp_path, """
sites:
  - id: 横山区-portal_1.v2
    name: 横山区人民政府
    province: 陕西省
    city: 榆林市
    county: 横山区
    town: 某某镇
    start_urls: [http://www.hengshan.gov.cn/, "https://www.hengshan.gov.cn/xxgk/"]
    allowed_hosts: [hengshan.gov.cn, "127.0.0.1:8100", "[::1]:8101", localhost, 8.8.8.8]
    max_pages: 20000
    overrides:
      max_depth: 8
      DOWNLOAD_DELAY: 2.5
      RANDOMIZE_DOWNLOAD_DELAY: true
      CONCURRENT_REQUESTS_PER_DOMAIN: 2
      AUTOTHROTTLE_ENABLED: true
      AUTOTHROTTLE_START_DELAY: 1
      AUTOTHROTTLE_MAX_DELAY: 60
      AUTOTHROTTLE_TARGET_CONCURRENCY: 0.5
      DOWNLOAD_TIMEOUT: 60
      RETRY_TIMES: 3
      ROBOTSTXT_OBEY: true
"""))
    assert site.id == "横山区-portal_1.v2" and site.max_pages == 20000
    assert site.allowed_hosts == ["hengshan.gov.cn:80", "hengshan.gov.cn:443", "127.0.0.1:8100",
                                  "[::1]:8101", "localhost:80", "localhost:443", "8.8.8.8:80",
                                  "8.8.8.8:443"]
    assert set(site.overrides) == {"max_depth", *SCRAPY_OVERRIDES}
    assert site_settings(site)["DOWNLOAD_DELAY"] == 2.5


@pytest.mark.parametrize("overrides,key", [
    ("{DOWNLOADER_MIDDLEWARES: {some.module.Cls: 1}}", "DOWNLOADER_MIDDLEWARES"),
    ("{ITEM_PIPELINES: {evil.Pipeline: 1}}", "ITEM_PIPELINES"),
    ("{SPIDER_MIDDLEWARES: {evil.M: 1}}", "SPIDER_MIDDLEWARES"),
    ("{EXTENSIONS: {evil.E: 1}}", "EXTENSIONS"),
    ("{TWISTED_REACTOR: evil.Reactor}", "TWISTED_REACTOR"),
    ("{DOWNLOAD_HANDLERS: {file: evil.H}}", "DOWNLOAD_HANDLERS"),
    ("{USER_AGENT: Mozilla/5.0}", "USER_AGENT"),
    ("{LOG_FILE: /etc/cron.d/x}", "LOG_FILE"),
    ("{DOWNLOAD_MAXSIZE: 0}", "DOWNLOAD_MAXSIZE"),
    ("{CLOSESPIDER_PAGECOUNT: 0}", "CLOSESPIDER_PAGECOUNT"),
    ("{colour: red}", "colour"),
])
def test_overrides_are_an_allow_list(tmp_path: Path, overrides: str, key: str) -> None:
    message = refused(tmp_path, SITE + f"  overrides: {overrides}\n")
    assert "site 'x'" in message and f"may not set '{key}'" in message
    assert "DOWNLOAD_DELAY" in message  # says what is allowed


@pytest.mark.parametrize("setting,expected", [
    ("max_depth: 1e400", "an integer from 1 to 30"),  # YAML reads 1e400 as a string
    ("max_depth: 1.0e+400", "an integer from 1 to 30"),  # ... and this as infinity
    ("max_depth: 1000000", "an integer from 1 to 30"),
    ("max_depth: 0", "an integer from 1 to 30"),
    ("max_depth: true", "an integer from 1 to 30"),
    ("max_depth: '8'", "an integer from 1 to 30"),
    ("DOWNLOAD_DELAY: -1", "a number from 0 to 600"),
    ("DOWNLOAD_DELAY: .nan", "a number from 0 to 600"),
    ("DOWNLOAD_DELAY: .inf", "a number from 0 to 600"),
    ("DOWNLOAD_DELAY: soon", "a number from 0 to 600"),
    ("CONCURRENT_REQUESTS_PER_DOMAIN: 100", "an integer from 1 to 8"),
    ("CONCURRENT_REQUESTS_PER_DOMAIN: 2.5", "an integer from 1 to 8"),
    ("DOWNLOAD_TIMEOUT: 0", "a number from 1 to 600"),
    ("AUTOTHROTTLE_TARGET_CONCURRENCY: 0", "a number from 0.1 to 8"),
    ("ROBOTSTXT_OBEY: 0", "true or false"),
    ("RETRY_TIMES: 1000", "an integer from 0 to 10"),
])
def test_override_values_are_typed_and_in_range(tmp_path: Path, setting: str,
                                                expected: str) -> None:
    message = refused(tmp_path, SITE + f"  overrides: {{{setting}}}\n")
    key = setting.split(":")[0]
    assert f"site 'x': `overrides.{key}` must be {expected}" in message


@pytest.mark.parametrize("entry,problem", [
    ("max_pages: 1e400", "`max_pages` must be an integer from 1 to 1000000"),
    ("max_pages: 10000000000", "`max_pages` must be an integer from 1 to 1000000"),
    ("max_pages: true", "`max_pages` must be an integer"),
    ("name: " + "长" * 201, "`name` must be text of at most 200 characters"),
    ("town: [a, b]", "`town` must be text"),
    ("county: 123", "`county` must be text"),
    ("allowed_hosts: {a: 1}", "`allowed_hosts` must be a list"),
    ("allowed_hosts: [a.cn/path]", "not a host name: 'a.cn/path'"),
    ("allowed_hosts: ['a b.cn']", "not a host name"),
    ("allowed_hosts: [user@a.cn]", "not a host name"),
    ("allowed_hosts: ['a.cn:99999']", "not a host name"),
    ("allowed_hosts: [3]", "not a host name: 3"),
    ("allowed_hosts: ['http://[::1']", "not a host name"),
    ("overrides: [max_depth, 3]", "`overrides` must be a mapping"),
])
def test_site_keys_are_typed_and_bounded(tmp_path: Path, entry: str, problem: str) -> None:
    message = refused(tmp_path, SITE + f"  {entry}\n")
    assert "site 'x'" in message and problem in message


@pytest.mark.parametrize("host", [
    "169.254.169.254", "http://169.254.169.254/latest/meta-data/", "'169.254.169.254:80'",
    "'2852039166'", "'0xa9fea9fe'", "0251.0376.0251.0376", "169.254.43518",
    "'[::ffff:169.254.169.254]'", "'[fe80::1]'", "10.1.2.3", "'192.168.1.1:8080'",
    "172.16.0.1", "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "'[fc00::1]'",
])
def test_allowed_hosts_may_not_be_private_addresses(tmp_path: Path, host: str) -> None:
    message = refused(tmp_path, SITE + f"  allowed_hosts: [{host}]\n")
    assert "site 'x': `allowed_hosts`:" in message
    assert "private, link-local or reserved address" in message


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/",
                                 "http://0.0.0.0:8000/", "http://[fe80::1]/",
                                 "http://2852039166/", "http://224.0.0.1/"])
def test_start_urls_may_not_be_link_local_or_reserved(tmp_path: Path, url: str) -> None:
    message = refused(tmp_path, f"- id: x\n  start_urls: ['{url}']\n")
    assert "site 'x': `start_urls`:" in message and "not a portal" in message
    with pytest.raises(SitesFileError, match="not a portal"):
        site_from_url(url)


@pytest.mark.parametrize("url", ["http://[::1", "http://x.cn:99999/", "http://", "x" * 3000])
def test_broken_start_urls_are_named(tmp_path: Path, url: str) -> None:
    message = refused(tmp_path, f"- id: x\n  start_urls: ['{url}']\n")
    assert "site 'x': not an http(s) URL" in message


@pytest.mark.parametrize("site_id,problem", [
    ("'" + "a" * 65 + "'", "`id` must be 1-64 letters"),
    ("a/b", "`id` must be 1-64 letters"),
    ("'a b'", "`id` must be 1-64 letters"),
    ("true", "has no `id`"),
    ("[a]", "has no `id`"),
])
def test_ids_are_short_words(tmp_path: Path, site_id: str, problem: str) -> None:
    message = refused(tmp_path, f"- id: {site_id}\n  start_urls: [http://x.cn/]\n")
    assert "site #1" in message and problem in message


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for name, previous in zip("bcdefghij", "abcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    lines += ["sites:", "  - id: x", "    name: *j", "    start_urls: [http://x.cn/]"]
    message = refused(tmp_path, "\n".join(lines) + "\n")
    assert "line 2: YAML aliases (*a) are not allowed" in message


def test_even_a_small_alias_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, "- id: x\n  start_urls: &u [http://x.cn/]\n"
                                "- id: y\n  start_urls: *u\n")
    assert "line 4: YAML aliases (*u)" in message


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    message = refused(tmp_path, SITE + "# " + "x" * MAX_FILE_BYTES + "\n")
    assert f"larger than {MAX_FILE_BYTES:,} bytes" in message


def test_lists_are_bounded(tmp_path: Path) -> None:
    urls = ", ".join(f"http://x.cn/{i}" for i in range(101))
    assert "more than 100 URLs" in refused(tmp_path, f"- id: x\n  start_urls: [{urls}]\n")
    hosts = ", ".join(f"h{i}.cn" for i in range(101))
    assert "more than 100 hosts" in refused(tmp_path, SITE + f"  allowed_hosts: [{hosts}]\n")


def test_unknown_top_level_keys_are_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, "defaults: {max_pages: 3}\nsites:\n" + SITE.replace("- ", "  - ")
                      .replace("\n  start", "\n    start"))
    assert "unknown top-level key(s) defaults" in message


def test_the_cli_says_it_in_one_line_and_crawls_nothing(tmp_path: Path) -> None:
    sites = write(tmp_path, SITE + "  overrides: {DOWNLOADER_MIDDLEWARES: {evil.Cls: 1}}\n")
    db = tmp_path / "archive.db"
    result = CliRunner().invoke(cli, ["crawl", "--sites", str(sites), "--db", str(db)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
    assert "DOWNLOADER_MIDDLEWARES" in result.output and not db.exists()
