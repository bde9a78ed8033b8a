"""The sandbox started from the window (issue 16, item 19): it comes back on the port the
demo profiles point at, and the message id field offers the sandbox's seeded ids."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from PySide6.QtCore import Qt

from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE, PREFERRED_PORT
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import choose


@pytest.fixture
def usual_port_taken() -> Iterator[None]:
    """Someone else holds 8765 (a CLI sandbox, another program), or already did."""
    with socket.socket() as holder:
        with contextlib.suppress(OSError):  # taken already: just as good
            holder.bind(("127.0.0.1", PREFERRED_PORT))
            holder.listen()
        yield


def _start(qtbot, window) -> int:
    with qtbot.waitSignal(window.profiles_loaded, timeout=15000):
        window.start_demo()
    assert window.sandbox is not None
    return window.sandbox.port


def test_the_sandbox_comes_back_where_the_demo_profiles_point(qtbot, memory_desk,
                                                               usual_port_taken):
    window = open_window(qtbot, memory_desk)
    try:
        first = _start(qtbot, window)
    finally:
        close_window(window)
    assert first != PREFERRED_PORT
    window = open_window(qtbot, memory_desk)  # the next day: profiles kept, sandbox not
    try:
        assert _start(qtbot, window) == first
        profile = memory_desk.profiles.get(DEMO_SUPEROFFICE)
        assert urlsplit(profile.base_url).port == first
    finally:
        close_window(window)


# A completer's popup: the offscreen platform cannot raise it or grab the keyboard for it.
@pytest.mark.qt_log_ignore(
    r"This plugin does not support (raise\(\)|grabbing the keyboard|propagateSizeHints\(\))")
def test_the_message_id_field_offers_the_seeded_ids(qtbot, memory_desk):
    window = open_window(qtbot, memory_desk)
    try:
        _start(qtbot, window)
        sandbox = window.sandbox
        choose(qtbot, window, DEMO_SUPEROFFICE)
        field = window.form.fields["message_id"]
        field.clear()
        field.setFocus()
        qtbot.waitUntil(field.hasFocus)
        assert "type or press Down to pick one of 5" in field.placeholderText()
        qtbot.keyClick(field, Qt.Key.Key_Down)
        popup = field.completer().popup()
        qtbot.waitUntil(popup.isVisible)
        assert popup.model().rowCount() == len(sandbox.superoffice_messages)
        qtbot.keyClick(popup, Qt.Key.Key_Down)
        qtbot.keyClick(popup, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: field.text() == sandbox.superoffice_messages[0])

        choose(qtbot, window, DEMO_BITRIX24)
        field = window.form.fields["message_id"]
        field.setFocus()
        qtbot.keyClicks(field, sandbox.bitrix24_messages[2][:4])  # any part finds it
        popup = field.completer().popup()
        qtbot.waitUntil(popup.isVisible)
        shown = [popup.model().index(r, 0).data() for r in range(popup.model().rowCount())]
        assert sandbox.bitrix24_messages[2] in shown
    finally:
        close_window(window)
