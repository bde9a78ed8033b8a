"""PyInstaller's own hook for PySide6.QtCore, minus the Qt plugins and translations StatusDesk
leaves out (packaging/spec_support.py says which and why). Runs instead of the stock hook
because hooks in the spec's hookspath take priority."""

import os
import sys

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from spec_support import filter_hook_pairs  # noqa: E402

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = filter_hook_pairs(binaries)
datas = filter_hook_pairs(datas)
