"""What the PyInstaller spec decides, checked without building (fast, any OS).

The Windows and macOS branches cannot be built here; these tests check what they are
given: the version resource, Info.plist, entitlements, icons, the Qt files left out for
each OS's layout, and the CI workflow that runs packaging/build.py.
"""

from __future__ import annotations

import importlib.util
import plistlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import launcher  # noqa: E402
import spec_support as sp  # noqa: E402


def test_version_comes_from_pyproject_and_matches_the_package():
    import core

    assert sp.project_version() == core.__version__
    assert sp.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert sp.version_tuple("1.2.3rc1+local.5") == (1, 2, 3, 0)
    assert sp.version_tuple("2") == (2, 0, 0, 0)


def test_windows_version_resource_has_the_version_and_names():
    """The text is what PyInstaller's versioninfo evaluates (on Windows; its module needs
    pefile, so here the same constructors are stood in for)."""

    def record(kind):
        return lambda *args, **kwargs: {"kind": kind, "args": args, **kwargs}

    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable",
             "StringStruct", "VarFileInfo", "VarStruct")
    info = eval(sp.windows_version_info("1.2.3"), {name: record(name) for name in names})  # noqa: S307
    assert info["kind"] == "VSVersionInfo"
    assert info["ffi"]["filevers"] == info["ffi"]["prodvers"] == (1, 2, 3, 0)
    table = info["kids"][0]["args"][0][0]
    strings = dict(entry["args"] for entry in table["args"][1])
    assert strings["ProductName"] == "StatusDesk"
    assert strings["FileVersion"] == strings["ProductVersion"] == "1.2.3"
    assert strings["OriginalFilename"] == "statusdesk.exe"


def test_macos_plist_and_entitlements():
    plist = sp.macos_info_plist("1.2.3", "13.0")
    assert plist["CFBundleIdentifier"] == "net.statusdesk.app"
    assert plist["CFBundleShortVersionString"] == "1.2.3"
    assert plist["LSMinimumSystemVersion"] == "13.0"
    assert plist["LSBackgroundOnly"] is False and plist["NSHighResolutionCapable"] is True
    plistlib.dumps(plist)  # serialisable as PyInstaller writes it
    entitlements = plistlib.loads(sp.ENTITLEMENTS.read_bytes())
    assert entitlements["com.apple.security.cs.allow-unsigned-executable-memory"] is True
    assert "com.apple.security.app-sandbox" not in entitlements
    assert sp.codesign_identity({}) is None
    assert sp.codesign_identity({"STATUSDESK_CODESIGN_IDENTITY": "  "}) is None
    assert sp.codesign_identity({"STATUSDESK_CODESIGN_IDENTITY": "Developer ID Application: X"})


def test_icons_are_made_from_the_png_when_the_repository_has_none(tmp_path):
    if importlib.util.find_spec("PIL") is None:
        pytest.skip("Pillow (the build extra) is not installed")
    from PIL import Image

    icons = sp.make_icons(tmp_path)
    with Image.open(icons["ico"]) as ico:
        assert (256, 256) in ico.info["sizes"] and (16, 16) in ico.info["sizes"]
    with Image.open(icons["icns"]) as icns:
        assert icns.format == "ICNS"


def test_data_files_hold_the_window_resources_and_the_wsdl():
    pairs = sp.data_files()
    for source, _ in pairs:
        assert Path(source).is_file(), source
    names = {(Path(source).name, folder) for source, folder in pairs}
    assert ("Services86-Messaging.wsdl", "sandbox") in names
    assert ("statusdesk.qss", "resources") in names
    assert ("statusdesk-256.png", "resources") in names
    assert not any("screenshot" in name for name, _ in names)


@pytest.mark.parametrize(("dest", "kept"), [
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
    ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
    ("PySide6/Qt/plugins/imageformats/libqjpeg.so", False),
    ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
    ("PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so", True),
    ("PySide6/Qt/plugins/xcbglintegrations/libqxcb-egl-integration.so", False),
    ("PySide6/Qt/translations/qtbase_de.qm", False),
    ("PySide6/Qt/lib/libQt6Core.so.6", True),
    ("PySide6\\plugins\\platforms\\qwindows.dll", True),  # Windows wheel layout
    ("PySide6\\plugins\\styles\\qmodernwindowsstyle.dll", True),
    ("PySide6\\plugins\\tls\\qschannelbackend.dll", False),
    ("PySide6\\translations\\qt_fr.qm", False),
    ("PySide6\\opengl32sw.dll", False),
    ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),  # macOS
    ("PySide6/Qt/plugins/styles/libqmacstyle.dylib", True),
    ("lxml/etree.cpython-311-x86_64-linux-gnu.so", True),
])
def test_qt_files_kept_or_left_out(dest, kept):
    assert sp.entry_kept(dest) is kept


def test_hook_pairs_are_filtered_before_dependency_analysis():
    themes, platforms = "PySide6/Qt/plugins/platformthemes", "PySide6/Qt/plugins/platforms"
    pairs = [(f"/x/{themes}/libqgtk3.so", themes),
             (f"/x/{platforms}/libqxcb.so", platforms),
             ("C:\\x\\PySide6\\translations\\qt_de.qm", "PySide6\\translations")]
    assert sp.filter_hook_pairs(pairs) == [pairs[1]]


def test_each_os_gets_its_keyring_backend():
    assert "keyring.backends.Windows" in sp.keyring_hidden_imports("win32")
    assert "keyring.backends.macOS" in sp.keyring_hidden_imports("darwin")
    linux = sp.keyring_hidden_imports("linux")
    assert {"keyring.backends.SecretService", "secretstorage", "jeepney.io.blocking"} <= set(linux)
    for platform, backends in launcher._OS_BACKENDS.items():
        hidden = sp.keyring_hidden_imports(platform)
        assert all(module in hidden for module, _ in backends), platform


@pytest.mark.parametrize(("argv0", "cli"), [
    ("/opt/statusdesk/statusdesk", False), ("statusdesk-cli", True),
    ("C:\\StatusDesk\\statusdesk-cli.exe", True), ("/usr/local/bin/statusdesk-cli", True),
    ("StatusDesk.exe", False),
])
def test_launcher_runs_the_cli_by_name(argv0, cli):
    assert launcher._is_cli_name(argv0) is cli


def test_workflow_builds_with_one_command_and_tests_natively_off_linux():
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "build.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert {"push", "pull_request"} <= set(triggers)
    job = workflow["jobs"]["build"]
    oses = {entry["os"] for entry in job["strategy"]["matrix"]["include"]}
    assert {"ubuntu-latest", "windows-latest", "macos-latest"} <= oses
    runs = [step for step in job["steps"] if "run" in step]
    assert runs[0]["run"] == "python packaging/build.py --install-deps"
    tests = runs[1]
    assert tests["if"] == "runner.os != 'Linux'"  # Linux runs the suite in .ci/run
    assert "python -m pytest" in tests["run"] and "packaging/constraints.txt" in tests["run"]
    for secret in ("STATUSDESK_CODESIGN_IDENTITY", "STATUSDESK_WINDOWS_CERTIFICATE"):
        assert secret in job["env"]
