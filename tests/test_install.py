"""A plain install, not the checkout: the wheel carries what `nianbao serve` reads.

The checkout is copied to a temporary folder and built into a wheel there (offline, with
this environment's setuptools); the wheel goes into a fresh virtualenv with `pip install`
(dependencies resolved, none downloaded: the project's already-installed packages are
reused through a .pth, the project itself left out). From `/`, that venv's `nianbao serve`
must serve metadata.yml and the search page over loopback. About 15 s: a wheel and a venv.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from archive.db.archive import Archive
from archive.records import Report, Section

ROOT = Path(__file__).resolve().parent.parent
SOURCE_SKIP = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "data", "*.egg-info", "__pycache__", ".*_cache",
    "*.db", "*.db-wal", "*.db-shm",
)
# Not reused from the project's environment: the project itself (installed or editable: its
# finder would put the checkout back on the path) and the new venv's own installer.
NOT_REUSED = ("nianbao", "__editable__", "archive", "crawler", "pip", "setuptools",
              "_distutils_hack", "pkg_resources", "distutils-precedence", "wheel", "__pycache__")
REPORT = Report(
    url="http://127.0.0.1:9/t.html", title="泉阳镇2019年政府信息公开工作年度报告",
    title_raw="泉阳镇2019年政府信息公开工作年度报告",
    text="一、总体情况\n2019年，我镇做好扶贫领域信息公开。",
    town="泉阳镇", county="抚松县", report_year=2019, published="2020-01-10", format="post2019",
    sections=[Section(1, "一、总体情况", "2019年，我镇做好扶贫领域信息公开。")],
)


def run(args: list[str | Path], cwd: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def plain_env() -> dict[str, str]:
    """This environment minus anything that would lead a child back to the checkout."""
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout built into a wheel, in a copy (a build writes build/ and egg-info)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=SOURCE_SKIP)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", tmp / "dist", source], env=plain_env())
    (built,) = (tmp / "dist").glob("nianbao-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel `pip install`ed; returns its bin folder."""
    tmp = tmp_path_factory.mktemp("venv")
    home = tmp / "venv"
    run([sys.executable, "-m", "venv", home])
    bin_dir = home / "bin"
    site = Path(run([bin_dir / "python", "-c",
                     "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    reused = tmp / "reused"
    reused.mkdir()
    for entry in Path(sysconfig.get_path("purelib")).iterdir():
        if not entry.name.startswith(NOT_REUSED):
            (reused / entry.name).symlink_to(entry)
    (site / "reused-deps.pth").write_text(f"{reused}\n", encoding="utf-8")
    run([bin_dir / "python", "-m", "pip", "install", "--quiet", "--no-index", wheel],
        env=plain_env())
    return bin_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@pytest.fixture
def served(venv: Path, tmp_path: Path) -> Iterator[str]:
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        archive.save_report(REPORT, capture_id=None)
    port = free_port()
    proc = subprocess.Popen([venv / "nianbao", "serve", "--db", db, "--port", str(port)],
                            cwd="/", env=plain_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if proc.poll() is not None:
                pytest.fail(f"nianbao serve exited: {proc.communicate()[1][-2000:]}")
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_wheel_holds_the_product_and_its_metadata_as_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        assert {name.split("/")[0] for name in names} == {
            "archive", "crawler", "nianbao-0.1.0.dist-info"}
        info = whl.getinfo("archive/web/metadata.yml")
        assert (info.external_attr >> 16) & 0o170000 != 0o120000, "stored as a symlink"
        assert whl.read(info) == (ROOT / "metadata.yml").read_bytes()
        for template in (ROOT / "archive" / "web" / "templates").glob("*.html"):
            assert whl.read(f"archive/web/templates/{template.name}") == template.read_bytes()


def test_plain_install_serves_metadata_and_search_outside_the_checkout(
    venv: Path, served: str
) -> None:
    where = run([venv / "python", "-c", "import archive; print(archive.__file__)"],
                cwd="/", env=plain_env()).stdout.strip()
    assert where.startswith(str(venv.parent)) and not where.startswith(str(ROOT))
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))

    status, body = get(served + "/-/metadata.json")
    assert status == 200
    assert json.loads(body)["title"] == metadata["title"]
    status, body = get(served + "/")
    assert status == 200 and "<title>" + metadata["title"] in body.replace("&#39;", "'")

    status, body = get(served + "/-/search?q=" + quote("扶贫"))
    assert status == 200
    assert "Search the reports" in body and REPORT.title in body


def test_demo_portal_outside_the_checkout_is_a_one_line_error(venv: Path) -> None:
    done = subprocess.run([venv / "nianbao", "demo-portal", "--port", str(free_port())], cwd="/",
                          env=plain_env(), capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1
    assert "source checkout" in done.stderr
