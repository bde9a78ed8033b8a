"""Entry point of the packaged (PyInstaller) StatusDesk: the window and the command line.

One program serves both, so the bundle carries Python, Qt and the core once:

* ``statusdesk``                         the window (``gui.app:main``), ``--smoke`` included;
* ``statusdesk --cli ARGS...``           the command line (``cli.main:main``);
* a copy or link named ``statusdesk-cli`` (Windows: ``statusdesk-cli.exe``, the console
  twin the spec builds, because a windowed .exe has no standard streams) runs the command
  line without ``--cli``;
* ``statusdesk --keyring-info``          prints the keyring backend the frozen app uses and
  exits 0, or explains why there is none and exits 4 (as the CLI does for credentials).

Frozen, keyring's own discovery (entry points in the bundled package metadata) is not
relied on: each OS's backend is chosen explicitly (Windows Credential Locker, macOS
Keychain, the Secret Service on Linux: GNOME Keyring, KWallet 5.97+ and KeePassXC all
offer it), unless the user chose one with ``PYTHON_KEYRING_BACKEND`` or a keyring config
file. ``--smoke`` first prints
``keyring backend: ...`` so a build can check it; core.secrets still refuses anything
insecure and words the error when no backend is usable.
"""

from __future__ import annotations

import os
import sys

EXIT_NO_KEYRING = 4  # cli.main's exit code for missing or rejected credentials

# Tried in order; the first one that says it is usable here is used.
_OS_BACKENDS = {
    "win32": (("keyring.backends.Windows", "WinVaultKeyring"),),
    "darwin": (("keyring.backends.macOS", "Keyring"),),
    "linux": (("keyring.backends.SecretService", "Keyring"),),
}

# Why no backend was selected (shown by --smoke and --keyring-info), "" when one was.
_not_selected = ""


def _user_chose_backend() -> bool:
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    try:
        from keyring.core import _config_path

        return _config_path().exists()
    except Exception:  # no config file support: nothing was chosen
        return False


def select_keyring() -> str:
    """Set keyring's backend to this OS's secure one; return how it was chosen (for logs)."""
    global _not_selected
    _not_selected = ""
    if _user_chose_backend():
        return "chosen by PYTHON_KEYRING_BACKEND or keyringrc.cfg"
    import importlib

    import keyring

    platform = "linux" if sys.platform.startswith("linux") else sys.platform
    reasons = []
    for module_name, class_name in _OS_BACKENDS.get(platform, ()):
        try:
            backend_class = getattr(importlib.import_module(module_name), class_name)
            backend_class.priority  # noqa: B018 (raises when the backend is not usable here)
            keyring.set_keyring(backend_class())
            return f"{module_name}.{class_name}"
        except Exception as exc:  # not usable here: try the next one
            reasons.append(f"{module_name}.{class_name}: {type(exc).__name__}: {exc}")
    # Nothing usable: leave keyring's own choice (its "fail" backend), which core.secrets
    # refuses with a message saying what to install or start.
    _not_selected = "; ".join(reasons)
    return f"none usable ({_not_selected})" if reasons else "keyring's default"


def keyring_report() -> tuple[bool, str]:
    """(usable, one line naming the backend in use or why there is none)."""
    from core.secrets import SecretStore, SecretStoreError

    store = SecretStore()
    try:
        name = store.check()
    except SecretStoreError as exc:
        why = f" [{_not_selected}]" if _not_selected else ""
        return False, f"keyring backend: none usable: {exc}{why}"
    backend = type(store.backend)
    return True, f"keyring backend: {backend.__module__}.{backend.__qualname__} ({name})"


def _say(line: str) -> None:
    if sys.stdout is not None:  # a windowed Windows program has no standard streams
        print(line, flush=True)


def _is_cli_name(argv0: str) -> bool:
    name = os.path.basename(argv0).lower()
    for suffix in (".exe", ".bin"):
        name = name.removesuffix(suffix)
    return name.endswith("-cli")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    select_keyring()
    if args[:1] == ["--keyring-info"]:
        usable, line = keyring_report()
        _say(line)
        return 0 if usable else EXIT_NO_KEYRING
    if _is_cli_name(sys.argv[0]) or args[:1] == ["--cli"]:
        from cli.main import main as cli_main

        return cli_main(args[1:] if args[:1] == ["--cli"] else args)
    if "--smoke" in args:
        _say(keyring_report()[1])
    from gui.app import main as gui_main

    return gui_main(args)


if __name__ == "__main__":
    sys.exit(main())
