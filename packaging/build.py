"""Build StatusDesk for this OS with PyInstaller, pack it, smoke-run it, report its size.

    python packaging/build.py [--install-deps] [--reuse] [--no-smoke] [--clean]
    python packaging/build.py --windows [same options]     (on Linux, under Wine)

Run from anywhere with the Python that has StatusDesk's dependencies (the repository's
.venv, or CI's). Output goes to build/ (work files) and dist/ (results):

  Linux    dist/statusdesk                              one file (the window; --cli ARGS
           dist/statusdesk-<version>-linux-<arch>.tar.gz  runs the command line)
  Windows  dist/windows/StatusDesk/ and                 statusdesk.exe + statusdesk-cli.exe
           dist/StatusDesk-<version>-windows-<arch>.zip
  macOS    dist/StatusDesk.app and                      .app (Contents/MacOS/statusdesk)
           dist/StatusDesk-<version>-macos-<arch>.dmg   made with hdiutil

Then the smoke run: `--smoke` must exit 0 and the frozen app must report the keyring
backend this OS should use (Linux: inside packaging/with-throwaway-keyring, a private
D-Bus session with a throw-away gnome-keyring; Windows: statusdesk-cli.exe
--keyring-info, since the windowed .exe has no console; macOS: the .app inside the
mounted .dmg). Finally the artifact's size and its largest parts are printed, and
dist/build-info-<os>.json records them.

Signing, only when the environment variables are set (unsigned otherwise):
  macOS    STATUSDESK_CODESIGN_IDENTITY                  "Developer ID Application: ..."
           STATUSDESK_MACOS_CERTIFICATE (base64 .p12)   imported into a temporary
           STATUSDESK_MACOS_CERTIFICATE_PASSWORD        keychain for this build
           STATUSDESK_NOTARY_APPLE_ID, STATUSDESK_NOTARY_TEAM_ID,
           STATUSDESK_NOTARY_PASSWORD (app-specific)    notarise and staple the .dmg
  Windows  STATUSDESK_WINDOWS_CERTIFICATE (base64 .pfx),
           STATUSDESK_WINDOWS_CERTIFICATE_PASSWORD      signtool signs both .exe files
           STATUSDESK_TIMESTAMP_URL                     (default http://timestamp.digicert.com)

--reuse skips PyInstaller when dist/ holds a build of exactly these sources and
packages (a fingerprint is kept beside it): the tests use it so one session builds once.

--windows, on Linux, makes the Windows zip under Wine: packaging/wine.py prepares (and
caches outside the work tree) the Windows Python with the pinned Windows wheels and a Wine
prefix, then runs this script there; --install-deps also installs wine64, mingw-w64 and
Xvfb. The result is the Windows runner's, in the same dist/ beside the Linux build.

Exit status: 0 built (and smoke-tested), 1 a step failed, 2 usage.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import spec_support as sp  # noqa: E402

IS_WIN = sys.platform == "win32"
IS_MAC = sys.platform == "darwin"
IS_LINUX = sys.platform.startswith("linux")
OS_NAME = "windows" if IS_WIN else "macos" if IS_MAC else "linux"

# Per OS, so that a Linux build and the Windows build under Wine share one work tree.
BUILD = ROOT / "build"
DIST = ROOT / "dist"
WORK = BUILD / f"pyinstaller-{OS_NAME}"
SPEC = HERE / "statusdesk.spec"
FINGERPRINT = DIST / f"statusdesk-{OS_NAME}.fingerprint"
INFO = DIST / f"build-info-{OS_NAME}.json"
# PyInstaller's output folder. Windows gets its own: under Wine, names are looked up
# regardless of case, and dist/StatusDesk would be the Linux build's dist/statusdesk.
OUT = DIST / "windows" if IS_WIN else DIST
MAX_BYTES = 60 * 1000 * 1000  # the largest download we accept (Linux file, Windows zip)
CONSTRAINTS = HERE / "constraints.txt"

EXPECTED_BACKEND = {
    "win32": "keyring.backends.Windows.WinVaultKeyring",
    "darwin": "keyring.backends.macOS.Keyring",
    "linux": "keyring.backends.SecretService.Keyring",
}


class BuildError(RuntimeError):
    pass


def say(message: str) -> None:
    print(f"build.py: {message}", flush=True)


# Passwords a signing step passes on its command line (the tools take them no other way):
# never printed, neither in the command shown nor in a failure's message.
PASSWORD_VARIABLES = ("STATUSDESK_MACOS_CERTIFICATE_PASSWORD",
                      "STATUSDESK_WINDOWS_CERTIFICATE_PASSWORD", "STATUSDESK_NOTARY_PASSWORD")


def run(cmd: Sequence[object], *, hide: tuple[str, ...] = (),
        **kwargs: Any) -> subprocess.CompletedProcess[Any]:
    """Run a command, showing it first; ``hide``: more values to show as ***."""
    hidden = {*hide, *(os.environ.get(name, "") for name in PASSWORD_VARIABLES)} - {""}
    shown = " ".join("***" if str(part) in hidden else str(part) for part in cmd)
    say(f"$ {shown}")
    done = subprocess.run([str(part) for part in cmd], **kwargs)
    if done.returncode != 0:
        raise BuildError(f"{shown} failed with exit status {done.returncode}")
    return done


def arch() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x64", "x86_64": "x64", "aarch64": "arm64"}.get(machine, machine)


# -- where the results are -----------------------------------------------------------------


def gui_executable() -> Path:
    if IS_WIN:
        return OUT / sp.APP_NAME / f"{sp.EXE_NAME}.exe"
    if IS_MAC:
        return DIST / f"{sp.APP_NAME}.app" / "Contents" / "MacOS" / sp.EXE_NAME
    return DIST / sp.EXE_NAME


def cli_command(executable: Path) -> list[str]:
    """How to run the frozen command line next to (or inside) ``executable``."""
    if IS_WIN:
        return [str(executable.with_name(f"{sp.CLI_EXE_NAME}.exe"))]
    return [str(executable), "--cli"]


def artifact_path(version: str) -> Path:
    if IS_WIN:
        return DIST / f"{sp.APP_NAME}-{version}-windows-{arch()}.zip"
    if IS_MAC:
        return DIST / f"{sp.APP_NAME}-{version}-macos-{arch()}.dmg"
    return DIST / sp.EXE_NAME


# -- dependencies and fingerprint ------------------------------------------------------------


def build_requirements() -> list[str]:
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    return list(project["optional-dependencies"]["build"])


def install_deps() -> None:
    """StatusDesk with its build extra into this Python (only the extra's packages when
    StatusDesk is already installed, e.g. the test .venv), and on Linux the system
    packages the build and smoke run need (Qt's xcb libraries, dbus, gnome-keyring)."""
    try:
        metadata.version("statusdesk")
        wanted = build_requirements()
    except metadata.PackageNotFoundError:
        wanted = ["-e", f"{ROOT}[build]"]
    run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--constraint", CONSTRAINTS, *wanted])
    if IS_LINUX and shutil.which("dpkg-query"):
        run([str(ROOT / "scripts" / "install-system-deps"), "--build"])


def check_deps() -> None:
    try:
        metadata.version("pyinstaller")
    except metadata.PackageNotFoundError:
        raise BuildError(
            "PyInstaller is not installed in this Python "
            f"({sys.executable}). Run: python packaging/build.py --install-deps "
            '(or pip install -e ".[build]")') from None


def fingerprint() -> str:
    """Hash of everything the bundle is made of: sources, spec, resources, packages."""
    digest = hashlib.sha256()
    digest.update(f"{sys.version}|{sys.platform}|{platform.machine()}".encode())
    roots = [*(ROOT / name for name in ("core", "cli", "sandbox", "gui", "resources")),
             HERE, ROOT / "pyproject.toml"]
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    packages = sorted(f"{dist.metadata['Name']}=={dist.version}"
                      for dist in metadata.distributions() if dist.metadata["Name"])
    digest.update("\n".join(packages).encode())
    return digest.hexdigest()


@contextlib.contextmanager
def build_lock() -> Iterator[None]:
    """One build at a time in this work tree (tests and people may start one together)."""
    BUILD.mkdir(exist_ok=True)
    with (BUILD / f".build-{OS_NAME}.lock").open("w") as handle:
        if sys.platform == "win32":  # IS_WIN, spelled so that mypy checks each branch
            import msvcrt

            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(1)
        else:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# -- build, sign, pack --------------------------------------------------------------------------


def pyinstaller(clean: bool) -> None:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--workpath", WORK, "--distpath", OUT]
    if clean:
        cmd.append("--clean")
    run([*cmd, SPEC], cwd=ROOT)


@contextlib.contextmanager
def macos_keychain() -> Iterator[None]:
    """Import STATUSDESK_MACOS_CERTIFICATE into a temporary keychain for this build."""
    encoded = os.environ.get("STATUSDESK_MACOS_CERTIFICATE", "")
    if not (IS_MAC and encoded):
        yield
        return
    keychain = BUILD / "statusdesk-signing.keychain-db"
    password = secrets.token_urlsafe(24)
    p12 = BUILD / "statusdesk-signing.p12"
    p12.write_bytes(base64.b64decode(encoded))
    listed = subprocess.run(["security", "list-keychains", "-d", "user"], capture_output=True,
                            text=True, check=True).stdout.split()
    previous = [entry.strip('"') for entry in listed]
    try:
        if keychain.exists():
            keychain.unlink()
        run(["security", "create-keychain", "-p", password, keychain], hide=(password,))
        run(["security", "set-keychain-settings", "-lut", "21600", keychain])
        run(["security", "unlock-keychain", "-p", password, keychain], hide=(password,))
        run(["security", "import", p12, "-k", keychain, "-f", "pkcs12", "-A",
             "-T", "/usr/bin/codesign", "-T", "/usr/bin/security",
             "-P", os.environ.get("STATUSDESK_MACOS_CERTIFICATE_PASSWORD", "")],
            stdout=subprocess.DEVNULL)
        run(["security", "set-key-partition-list", "-S", "apple-tool:,apple:", "-k", password,
             keychain], stdout=subprocess.DEVNULL, hide=(password,))
        run(["security", "list-keychains", "-d", "user", "-s", keychain, *previous])
        yield
    finally:
        p12.unlink(missing_ok=True)
        subprocess.run(["security", "list-keychains", "-d", "user", "-s", *previous])
        subprocess.run(["security", "delete-keychain", str(keychain)])


def find_signtool() -> str:
    found = shutil.which("signtool")
    if found:
        return found
    kits = Path(os.environ.get("ProgramFiles(x86)", r"C:\Program Files (x86)")) / "Windows Kits"
    candidates = sorted(kits.glob("10/bin/*/x64/signtool.exe"))
    if not candidates:
        raise BuildError("signtool.exe not found (install the Windows SDK)")
    return str(candidates[-1])


def sign_windows(folder: Path) -> bool:
    encoded = os.environ.get("STATUSDESK_WINDOWS_CERTIFICATE", "")
    if not encoded:
        say("Windows: no STATUSDESK_WINDOWS_CERTIFICATE, the .exe files stay unsigned")
        return False
    pfx = BUILD / "statusdesk-signing.pfx"
    pfx.write_bytes(base64.b64decode(encoded))
    try:
        exes = [folder / f"{sp.EXE_NAME}.exe", folder / f"{sp.CLI_EXE_NAME}.exe"]
        run([find_signtool(), "sign", "/f", pfx,
             "/p", os.environ.get("STATUSDESK_WINDOWS_CERTIFICATE_PASSWORD", ""),
             "/fd", "sha256", "/td", "sha256",
             "/tr", os.environ.get("STATUSDESK_TIMESTAMP_URL", "http://timestamp.digicert.com"),
             "/d", sp.APP_NAME, *exes])
    finally:
        pfx.unlink(missing_ok=True)
    return True


def pack_linux(version: str) -> Path:
    """A .tar.gz beside the one file, for downloads (zip artifacts lose the execute bit)."""
    import tarfile

    target = DIST / f"{sp.EXE_NAME}-{version}-linux-{arch()}.tar.gz"
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        archive.add(DIST / sp.EXE_NAME, arcname=f"{sp.EXE_NAME}-{version}/{sp.EXE_NAME}")
    say(f"Linux: {target.name}")
    return target


def pack_windows(version: str) -> Path:
    folder = OUT / sp.APP_NAME
    signed = sign_windows(folder)
    target = artifact_path(version)
    target.unlink(missing_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, Path(sp.APP_NAME) / path.relative_to(folder))
    say(f"Windows: {target.name} ({'signed' if signed else 'unsigned'})")
    return target


def pack_macos(version: str) -> Path:
    app = DIST / f"{sp.APP_NAME}.app"
    identity = sp.codesign_identity(dict(os.environ))
    verify = ["codesign", "--verify", "--deep", "--strict", "--verbose=2", app]
    if identity:
        run(verify)
    elif subprocess.run([str(part) for part in verify]).returncode != 0:
        say("macOS: codesign --verify finds fault with the ad-hoc signature (unsigned build)")
    target = artifact_path(version)
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="statusdesk-dmg-") as staging:
        stage = Path(staging)
        run(["ditto", app, stage / app.name])
        (stage / "Applications").symlink_to("/Applications")
        create = ["hdiutil", "create", "-volname", sp.APP_NAME, "-srcfolder", stage, "-ov",
                  "-format", "UDZO", "-fs", "HFS+", target]
        for attempt in range(1, 4):  # hdiutil sometimes reports "Resource busy" on CI
            try:
                run(create)
                break
            except BuildError:
                if attempt == 3:
                    raise
                time.sleep(5 * attempt)
    if identity:
        run(["codesign", "--force", "--timestamp", "--sign", identity, target])
        notarise(target)
    else:
        say("macOS: no STATUSDESK_CODESIGN_IDENTITY, the app is signed ad hoc (Gatekeeper "
            "makes users confirm it in System Settings > Privacy & Security)")
    return target


def notarise(dmg: Path) -> None:
    apple_id = os.environ.get("STATUSDESK_NOTARY_APPLE_ID", "")
    team = os.environ.get("STATUSDESK_NOTARY_TEAM_ID", "")
    password = os.environ.get("STATUSDESK_NOTARY_PASSWORD", "")
    if not (apple_id and team and password):
        say("macOS: signed but not notarised (STATUSDESK_NOTARY_* not set)")
        return
    run(["xcrun", "notarytool", "submit", dmg, "--apple-id", apple_id, "--team-id", team,
         "--password", password, "--wait"])
    run(["xcrun", "stapler", "staple", dmg])


# -- smoke run -----------------------------------------------------------------------------------


@contextlib.contextmanager
def mounted_dmg(dmg: Path) -> Iterator[Path]:
    mountpoint = Path(tempfile.mkdtemp(prefix="statusdesk-mnt-"))
    run(["hdiutil", "attach", "-nobrowse", "-readonly", "-mountpoint", mountpoint, dmg],
        stdout=subprocess.DEVNULL)
    try:
        yield mountpoint
    finally:
        subprocess.run(["hdiutil", "detach", str(mountpoint)], stdout=subprocess.DEVNULL)


def smoke_env(home: Path) -> dict[str, str]:
    env = {**os.environ, "STATUSDESK_HOME": str(home)}
    if IS_LINUX and "QT_QPA_PLATFORM" not in os.environ and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def smoke(executable: Path, allow_no_keyring: bool) -> str:
    """Run --smoke and a CLI command; return the keyring backend line. Raises BuildError."""
    expected = EXPECTED_BACKEND["linux" if IS_LINUX else sys.platform]
    wrapper: list[str] = []
    if IS_LINUX:
        tools = ("dbus-run-session", "dbus-send", "gnome-keyring-daemon")
        if all(shutil.which(tool) for tool in tools):
            wrapper = [str(HERE / "with-throwaway-keyring")]
        elif not allow_no_keyring:
            raise BuildError("the Linux smoke run needs dbus and gnome-keyring "
                             "(scripts/install-system-deps --test), or --allow-no-keyring")
    with tempfile.TemporaryDirectory(prefix="statusdesk-smoke-") as home:
        env = smoke_env(Path(home))
        started = time.monotonic()
        done = subprocess.run([*wrapper, str(executable), "--smoke"], env=env,
                              capture_output=True, text=True, timeout=120)
        say(f"smoke: --smoke exited {done.returncode} after {time.monotonic() - started:.1f} s")
        if done.returncode != 0:
            raise BuildError(f"--smoke failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        if IS_WIN:  # the windowed .exe printed nothing: ask its console twin
            done = subprocess.run([*cli_command(executable), "--keyring-info"], env=env,
                                  capture_output=True, text=True, timeout=120)
        line = next((text for text in done.stdout.splitlines()
                     if text.startswith("keyring backend:")), "")
        say(f"smoke: {line or 'no keyring backend reported'}")
        if expected not in line and not allow_no_keyring:
            raise BuildError(f"the frozen app should use {expected}; it said:\n"
                             f"{done.stdout}{done.stderr}")
        cli = subprocess.run([*wrapper, *cli_command(executable), "profile", "list", "--json"],
                             env=env, capture_output=True, text=True, timeout=120)
        if cli.returncode != 0 or cli.stdout.strip() != "[]":
            raise BuildError(f"the frozen CLI failed ({cli.returncode}):\n"
                             f"{cli.stdout}{cli.stderr}")
        say("smoke: the frozen CLI answers (profile list --json)")
    return line


# -- size report ---------------------------------------------------------------------------------


def contributors(executable: Path) -> list[tuple[str, int]]:
    """(part, bytes) of the bundle, largest first: compressed sizes inside a one-file
    executable, file sizes in a folder or .app."""
    sizes: Counter[str] = Counter()
    if IS_LINUX and executable.is_file() and (DIST / sp.EXE_NAME) == executable:
        from PyInstaller.archive.readers import CArchiveReader

        for name, entry in CArchiveReader(str(executable)).toc.items():
            sizes[name] += entry[1]  # (offset, compressed length, length, flag, typecode)
    else:
        folder = executable.parents[1] if IS_MAC else executable.parent
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                sizes[str(path.relative_to(folder))] += path.stat().st_size
    return sizes.most_common()


def grouped(parts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    groups: Counter[str] = Counter()
    for name, size in parts:
        bits = name.replace("\\", "/").split("/")
        key = "/".join(bits[:3]) if bits[0] in ("PySide6", "_internal", "Contents") else bits[0]
        if len(bits) == 1:
            key = "(top level: libraries, PYZ, executables)"
        groups[key] += size
    return groups.most_common()


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def report(artifact: Path, executable: Path, seconds: float | None, backend: str) -> dict:
    size = artifact.stat().st_size
    parts = contributors(executable)
    say(f"artifact: {artifact} {mb(size)} ({size / 2**20:.1f} MiB)")
    if seconds is not None:
        say(f"PyInstaller took {seconds:.0f} s")
    say("largest parts" + (" (compressed, inside the one file):" if IS_LINUX else ":"))
    for name, part in parts[:15]:
        print(f"  {mb(part):>9}  {name}")
    say("by group:")
    for name, part in grouped(parts)[:10]:
        print(f"  {mb(part):>9}  {name}")
    info = {
        "artifact": str(artifact), "executable": str(executable), "bytes": size,
        "build_seconds": seconds, "keyring": backend, "platform": sys.platform, "arch": arch(),
        "largest": parts[:25],
    }
    INFO.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="packaging/build.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--install-deps", action="store_true",
                        help="first pip-install the build extra (and on Linux the system "
                             "packages the smoke run needs)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep an existing build of exactly these sources and packages")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--no-smoke", action="store_true", help="build and pack only")
    parser.add_argument("--allow-no-keyring", action="store_true",
                        help="do not fail the smoke run when no keyring backend is usable")
    parser.add_argument("--windows", action="store_true",
                        help="on Linux: build the Windows zip under Wine (packaging/wine.py)")
    args = parser.parse_args(argv)
    if args.windows and not IS_LINUX:
        parser.error("--windows builds under Wine on Linux; on Windows, leave it out")
    return args


def build_windows_under_wine(args: argparse.Namespace) -> int:
    import wine

    try:
        if args.install_deps:
            run([str(ROOT / "scripts" / "install-system-deps"), "--wine"])
        toolchain = wine.Toolchain().ensure()
    except (BuildError, wine.WineError) as exc:
        say(f"FAILED: {exc}")
        return 1
    forwarded = [flag for flag, wanted in (("--reuse", args.reuse), ("--clean", args.clean),
                                           ("--no-smoke", args.no_smoke),
                                           ("--allow-no-keyring", args.allow_no_keyring))
                 if wanted]
    with contextlib.ExitStack() as stack:
        BUILD.mkdir(exist_ok=True)
        handle = stack.enter_context((BUILD / ".build-wine.lock").open("w"))
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX)  # one Wine build at a time in this work tree
        status = wine.run_build(toolchain, forwarded)
    say("the Windows build under Wine is in dist/" if status == 0
        else f"the Windows build under Wine failed ({status})")
    return status


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.windows:
        return build_windows_under_wine(args)
    try:
        if args.install_deps:
            install_deps()
        check_deps()
        version = sp.project_version()
        executable = gui_executable()
        with build_lock():
            wanted = fingerprint()
            have = FINGERPRINT.read_text().strip() if FINGERPRINT.exists() else ""
            seconds = None
            if args.reuse and have == wanted and executable.exists():
                say(f"reusing {executable} (same sources and packages)")
            else:
                FINGERPRINT.unlink(missing_ok=True)
                started = time.monotonic()
                with macos_keychain():
                    pyinstaller(args.clean)
                    seconds = time.monotonic() - started
                    if IS_WIN:
                        pack_windows(version)
                    elif IS_MAC:
                        pack_macos(version)
                    else:
                        pack_linux(version)
                FINGERPRINT.write_text(wanted + "\n")
            artifact = artifact_path(version)
            backend = ""
            if not args.no_smoke:
                if IS_MAC:
                    with mounted_dmg(artifact) as volume:
                        backend = smoke(volume / f"{sp.APP_NAME}.app" / "Contents" / "MacOS"
                                        / sp.EXE_NAME, args.allow_no_keyring)
                else:
                    backend = smoke(executable, args.allow_no_keyring)
            info = report(artifact, executable, seconds, backend)
        if not IS_MAC and info["bytes"] > MAX_BYTES:
            raise BuildError(f"{artifact.name} is {mb(info['bytes'])}: the limit is "
                             f"{mb(MAX_BYTES)} (see the largest parts above)")
    except (BuildError, subprocess.TimeoutExpired) as exc:
        say(f"FAILED: {exc}")
        return 1
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
