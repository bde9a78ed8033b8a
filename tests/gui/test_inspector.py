"""The traffic inspector: find, copy as curl, copy body, HAR, history, layout, memory."""

from __future__ import annotations

import json
import shlex

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from gui.history.table import MESSAGE
from gui.inspector.highlighter import is_dark
from gui.inspector.inspector import SIDE_BY_SIDE, TABBED
from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import choose, fill, press, send_and_wait


def sent_superoffice(qtbot, window):
    choose(qtbot, window, DEMO_SUPEROFFICE)
    fill(window, "SO-1001", "2", "Delivered to handset")
    return send_and_wait(qtbot, window)


def test_find_walks_matches_from_request_into_response(qtbot, demo_window):
    sent_superoffice(qtbot, demo_window)
    find = demo_window.inspector.find_bar
    press(qtbot, demo_window, "Ctrl+F")
    assert find.field.hasFocus()
    qtbot.keyClicks(find.field, "SetDeliveryStatus")
    count = find.match_count()
    assert count >= 3  # the request's element (opening, closing), the response's...
    assert find.count.text() == f"1 of {count}"
    editor, text = find.current_match()
    assert editor is demo_window.inspector.request.current_editor()
    assert text.lower() == "setdeliverystatus"
    for _ in range(count - 1):
        qtbot.keyClick(find.field, Qt.Key.Key_Return)
    assert find.current_match()[0] is demo_window.inspector.response.current_editor()
    qtbot.keyClick(find.field, Qt.Key.Key_Return)  # wraps around to the first
    assert find.count.text() == f"1 of {count}"
    find.previous()
    assert find.count.text() == f"{count} of {count}"
    find.field.setText("no such text anywhere")
    assert find.count.text() == "no matches"
    qtbot.keyClick(find.field, Qt.Key.Key_Escape)  # Esc with nothing running clears the search
    assert find.field.text() == ""


def test_copy_as_curl_and_body_keep_secrets_masked(qtbot, demo_window, sandbox):
    view = sent_superoffice(qtbot, demo_window)
    inspector = demo_window.inspector
    inspector.curl_button.click()
    curl = QGuiApplication.clipboard().text()
    assert curl.startswith("curl ")
    words = shlex.split(curl.replace("\\\n", " "))
    assert view.request.url in words
    assert "SOAPAction: \"http://www.superoffice.net/ws/crm/NetServer/Services88/Messaging/" \
           "SetDeliveryStatus\"" in words
    data = words[words.index("--data-raw") + 1]
    assert data == view.request.body.decode()
    assert "***ticket***" in data and sandbox.credentials.so_ticket not in curl
    assert not any(w.lower().startswith(("host:", "content-length:")) for w in words)

    inspector.body_button.click()  # the active side: the response after a send
    assert QGuiApplication.clipboard().text() == view.exchange.response.body.decode()
    inspector.copy_body("Request")
    assert QGuiApplication.clipboard().text() == view.request.body.decode()


def test_save_har_writes_a_masked_har_file(qtbot, demo_window, sandbox, tmp_path):
    view = sent_superoffice(qtbot, demo_window)
    path = tmp_path / "exchange.har"
    with qtbot.waitSignal(demo_window.inspector.notice, timeout=5000) as notice:
        demo_window.inspector.save_har(path)
    assert "Saved" in notice.args[0]
    text = path.read_text(encoding="utf-8")
    assert sandbox.credentials.so_ticket not in text
    log = json.loads(text)["log"]
    assert log["version"] == "1.2"
    entry = log["entries"][0]
    assert entry["request"]["url"] == view.request.url
    assert entry["response"]["status"] == 200
    assert entry["response"]["content"]["text"] == view.exchange.response.body.decode()


def test_history_entries_reopen_in_the_inspector(qtbot, demo_window, sandbox):
    first = sent_superoffice(qtbot, demo_window)
    choose(qtbot, demo_window, DEMO_BITRIX24)
    fill(demo_window, sandbox.bitrix24_messages[0], "failed")
    send_and_wait(qtbot, demo_window)
    history = demo_window.history
    assert [e.profile for e in history.model.entries] == [DEMO_BITRIX24, DEMO_SUPEROFFICE]
    assert history.model.index(1, MESSAGE).data() == "SO-1001"
    with qtbot.waitSignal(demo_window.exchange_shown, timeout=5000) as shown:
        history.table.setCurrentIndex(history.model.index(1, 0))
    view = shown.args[0]
    assert view.title == "History"
    assert view.request.body == first.request.body
    assert demo_window.inspector.meta.text().startswith("History:")
    assert "SetDeliveryStatusResponse" in demo_window.inspector.response.raw.toPlainText()


def test_window_remembers_geometry_splitters_layout_and_profile(qtbot, demo_desk):
    window = open_window(qtbot, demo_desk)
    choose(qtbot, window, DEMO_BITRIX24)
    window.resize(750, 580)
    window.main_splitter.setSizes([300, 450])
    window.inspector.set_arrangement(TABBED)
    sizes = window.main_splitter.sizes()
    close_window(window)

    again = open_window(qtbot, demo_desk)
    try:
        assert again.picker.current_profile().name == DEMO_BITRIX24
        assert (again.width(), again.height()) == (750, 580)
        assert again.main_splitter.sizes() == sizes
        assert again.inspector.arrangement == TABBED
        again.inspector.layout_button.click()
        assert again.inspector.arrangement == SIDE_BY_SIDE
    finally:
        close_window(again)


def test_dark_palette_changes_the_colours(qtbot, demo_window):
    app = QApplication.instance()
    original = app.palette()
    try:
        dark = QPalette(original)
        for role, colour in ((QPalette.ColorRole.Window, Qt.GlobalColor.black),
                             (QPalette.ColorRole.Base, Qt.GlobalColor.black),
                             (QPalette.ColorRole.Text, Qt.GlobalColor.white),
                             (QPalette.ColorRole.WindowText, Qt.GlobalColor.white)):
            dark.setColor(role, colour)
        banner = demo_window.inspector.banner
        light_tint = banner.tint()
        assert light_tint.lightness() > 200
        app.setPalette(dark)
        qtbot.waitUntil(lambda: banner.tint().lightness() < 80)
        editor = demo_window.inspector.request.raw
        assert is_dark(editor.palette())
        assert editor.highlighter._formats["header"].foreground().color().lightness() > 128
    finally:
        app.setPalette(original)


def test_tab_order_walks_form_then_buttons(qtbot, demo_window):
    choose(qtbot, demo_window, DEMO_SUPEROFFICE)
    form = demo_window.form
    order = [form.fields[k] for k in ("message_id", "status", "description", "plugin")]
    order += [demo_window.preview_button, demo_window.send_button]
    for widget, following in zip(order, order[1:], strict=False):
        assert widget.nextInFocusChain() is following or \
            following.isAncestorOf(widget.nextInFocusChain()) or \
            widget.isAncestorOf(widget.nextInFocusChain()), (widget, following)
