"""The Qt binding must keep Python's reference counts straight.

PySide6 6.12.0 on Python 3.11 does not: every call to a Qt method that returns nothing
(setText, setFormat, processEvents...) takes one reference from None away. After some
thousands of calls None is freed and the process aborts ("Fatal Python error:
none_dealloc"); in one session the window died at its 37th send. 6.11.3 is fine, and so is
any release on Python 3.12+ (None is immortal there). pyproject.toml must keep 6.12.0 out.
"""

from __future__ import annotations

import sys

import PySide6
from PySide6.QtWidgets import QLabel


def test_qt_calls_leave_the_reference_count_of_none_alone(qapp):
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("x")
    lost = before - sys.getrefcount(None)
    assert lost < 100, (
        f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} loses a reference "
        f"to None on each call ({lost} in 1000): the window will abort after a few thousand "
        "calls. Use another PySide6 release (6.12.0 has this on Python 3.11).")
