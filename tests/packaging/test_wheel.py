"""An installed (non-editable) wheel is the whole app: the window finds its icon and style
sheet (resources/ is package data), the sandbox its WSDL, and both scripts their code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # From a copy: setuptools would reuse the work tree's build/lib, whatever pyproject says.
    source = out / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(out), str(source)], check=True,
                   capture_output=True, text=True)
    (found,) = out.glob("statusdesk-*.whl")
    return found


def test_the_wheel_carries_resources_and_the_wsdl(wheel) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("resources/statusdesk-16.png", "resources/statusdesk-256.png",
                     "resources/statusdesk.qss", "sandbox/Services86-Messaging.wsdl",
                     "cli/main.py", "core/desk.py", "gui/app.py"):
        assert expected in names
    assert not {name for name in names if "screenshot" in name or name.startswith("tests/")}


def test_an_installed_wheel_shows_its_icon(wheel, tmp_path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
                    "--target", str(site), str(wheel)], check=True, capture_output=True)
    probe = (
        "import gui.resources as r, sandbox.wsdl_schema as w\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "app = QGuiApplication([])\n"
        "icon = r.app_icon()\n"
        "print(r.__file__); print(r.resources_dir())\n"
        "print(len(icon.availableSizes()), len(r.style_sheet()))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    module, folder, counts = done.stdout.splitlines()
    assert Path(module).is_relative_to(site) and Path(folder).is_relative_to(site)
    sizes, style = map(int, counts.split())
    assert sizes == 7 and style > 0
