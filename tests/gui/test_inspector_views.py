"""What people expect from a traffic inspector (issue 16), for both systems: the request
in view while the answer is awaited, headers and body apart, line numbers, wrap (kept),
folding from the keyboard, SuperOffice's Fault or ExceptionInfo in view; a banner whose
height does not move the panes, Details sized to its text, and sizes that say which is
masked (items 9 and 20)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from core.profiles import Profile
from gui.inspector.message_pane import RAW
from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import choose, fill, press, preview_and_wait, send_and_wait
from tests.helpers.servers import LoopbackServer, answering, http_answer

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
S86 = "http://www.superoffice.net/ws/crm/NetServer/Services86"


def demo_send(qtbot, window, sandbox, system: str):
    if system == "superoffice":
        choose(qtbot, window, DEMO_SUPEROFFICE)
        fill(window, "SO-1001", "2", "Delivered to handset")
    else:
        choose(qtbot, window, DEMO_BITRIX24)
        fill(window, sandbox.bitrix24_messages[0], "delivered")


@pytest.mark.parametrize("system", ["superoffice", "bitrix24"])
def test_the_request_shows_as_it_goes_out_while_the_answer_is_awaited(
        qtbot, demo_window, sandbox, system):
    demo_send(qtbot, demo_window, sandbox, system)
    inspector = demo_window.inspector
    sandbox.set_delay(1.5)
    press(qtbot, demo_window, "Ctrl+Return")
    expected = "SO-1001" if system == "superoffice" else sandbox.bitrix24_messages[0]
    qtbot.waitUntil(lambda: expected in inspector.request.raw.toPlainText(), timeout=1200)
    assert demo_window.jobs.is_running(demo_window.flow.send_job)  # the answer is not here
    assert "Content-Length:" in inspector.request.raw.toPlainText()  # as on the wire
    assert "Sending to" in inspector.banner.text()
    assert inspector.response.raw.toPlainText() == ""
    assert inspector.response.pretty.placeholderText() == "Waiting for the answer…"
    assert inspector.curl_button.isEnabled() and not inspector.har_button.isEnabled()
    with qtbot.waitSignal(demo_window.exchange_shown, timeout=10000) as shown:
        pass
    assert shown.args[0].exchange.ok
    assert inspector.response.raw.toPlainText().startswith("HTTP/1.1 200")


@pytest.mark.parametrize("system", ["superoffice", "bitrix24"])
def test_headers_and_body_apart_with_line_numbers(qtbot, demo_window, sandbox, system):
    demo_send(qtbot, demo_window, sandbox, system)
    view = send_and_wait(qtbot, demo_window)
    for pane, start in ((demo_window.inspector.request, "POST /"),
                        (demo_window.inspector.response, "HTTP/1.1 200 OK")):
        body = pane.pretty.toPlainText()
        assert body.startswith("<" if system == "superoffice" else "{"), body[:40]
        assert "Content-Type:" not in body
        heads = pane.headers.toPlainText()
        assert heads.startswith(start) and "Content-Type:" in heads
        assert pane.tabs.tabText(1) == f"Headers ({heads.count(chr(10))})"
        assert pane.raw.toPlainText().startswith(start)  # Raw: all of it, as on the wire
        # line numbers: a gutter left of the text, numbering the body's own lines
        assert pane.pretty.gutter.isVisible() and pane.pretty.viewportMargins().left() > 10
        assert pane.pretty.line_number(0) == 1
        assert pane.pretty.line_number(pane.pretty.blockCount() - 1) == body.count("\n") + 1
    if system == "superoffice":  # a header, in the headers view only
        assert "SetDeliveryStatus" in view.request.header("SOAPAction")
        assert "SOAPAction" in demo_window.inspector.request.headers.toPlainText()
        assert "SOAPAction" not in demo_window.inspector.request.pretty.toPlainText()


def test_wrap_is_a_toggle_the_window_keeps(qtbot, demo_desk):
    window = open_window(qtbot, demo_desk)
    inspector = window.inspector
    wraps = QPlainTextEdit.LineWrapMode.WidgetWidth
    assert inspector.response.pretty.lineWrapMode() == wraps
    inspector.wrap_button.click()
    assert all(editor.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap
               for pane in (inspector.request, inspector.response)
               for editor in pane.editors())
    close_window(window)
    again = open_window(qtbot, demo_desk)
    try:
        assert not again.inspector.wrap_button.isChecked()
        assert again.inspector.request.raw.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap
    finally:
        close_window(again)


def _line(editor, text: str) -> int:
    return next(n for n, line in enumerate(editor.toPlainText().split("\n")) if text in line)


def test_xml_and_json_fold_from_the_keyboard(qtbot, demo_window, sandbox):
    demo_send(qtbot, demo_window, sandbox, "superoffice")
    send_and_wait(qtbot, demo_window)
    pretty = demo_window.inspector.response.pretty
    document = pretty.document()
    header, closing = _line(pretty, "<s:Header>"), _line(pretty, "</s:Header>")
    pretty.setFocus()
    pretty.setTextCursor(QTextCursor(document.firstBlock()))
    while pretty.textCursor().blockNumber() <= header:  # the caret moves by keyboard
        qtbot.keyClick(pretty, Qt.Key.Key_Down)
    assert pretty.textCursor().blockNumber() == header + 1
    qtbot.keyClick(pretty, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # folds around
    hidden = [n for n in range(document.blockCount())
              if not document.findBlockByNumber(n).isVisible()]
    assert hidden == list(range(header + 1, closing))
    assert pretty.textCursor().blockNumber() == header  # the caret left the hidden lines
    def top(n: int) -> float:
        return pretty.blockBoundingGeometry(document.findBlockByNumber(n)).translated(
            pretty.contentOffset()).top()

    assert top(closing) - top(header) < 3 * pretty.fontMetrics().lineSpacing()  # right below
    qtbot.keyClick(pretty, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert all(document.findBlockByNumber(n).isVisible() for n in range(document.blockCount()))

    qtbot.keyClick(pretty, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fold all below the root
    assert not document.findBlockByNumber(header + 1).isVisible()
    assert pretty.firstVisibleBlock().isVisible()  # not scrolled into the folded lines
    assert pretty.verticalScrollBar().maximum() == 0  # what is left fits
    find = demo_window.inspector.find_bar
    press(qtbot, demo_window, "Ctrl+F")
    qtbot.keyClicks(find.field, "Succeeded")  # Find opens what hides its match
    editor, _ = find.current_match()
    assert editor is demo_window.inspector.request.pretty or \
        document.findBlockByNumber(_line(pretty, "Succeeded")).isVisible()
    while find.current_match()[0] is not pretty:
        qtbot.keyClick(find.field, Qt.Key.Key_Return)
    assert document.findBlockByNumber(_line(pretty, "Succeeded")).isVisible()

    # JSON (Bitrix24): an object folds the same way; a click on its triangle opens it
    demo_send(qtbot, demo_window, sandbox, "bitrix24")
    send_and_wait(qtbot, demo_window)
    document = pretty.document()
    opening = _line(pretty, '"time": {')
    pretty.setFocus()
    pretty.setTextCursor(QTextCursor(document.findBlockByNumber(opening)))
    qtbot.keyClick(pretty, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert not document.findBlockByNumber(opening + 1).isVisible()
    assert pretty.is_folded(opening)
    qtbot.mouseClick(pretty.gutter, Qt.MouseButton.LeftButton,
                     pos=QPoint(4, round(top(opening)) + 4))
    assert document.findBlockByNumber(opening + 1).isVisible()


def soap_answer(status: str, header: str, body: str) -> bytes:
    noise = "".join(f'<h:Note xmlns:h="{S86}">padding line {n}</h:Note>' for n in range(60))
    envelope = (f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Header>{noise}{header}</s:Header>'
                f"<s:Body>{body}</s:Body></s:Envelope>")
    return http_answer(status, envelope.encode(), "text/xml; charset=utf-8")


FAULT = ('<s:Fault><faultcode>s:Client</faultcode><faultstring>Plugin not found'
         '</faultstring></s:Fault>')
EXCEPTION = (f'<h:ExceptionInfo xmlns:h="{S86}"><h:Message>Message NOPE not found</h:Message>'
             '<h:Type>SoException</h:Type></h:ExceptionInfo>')
RESPONSE = f'<SetDeliveryStatusResponse xmlns="{S86}"/>'


@pytest.mark.parametrize(("status", "header", "body", "part"), [
    ("500 Internal Server Error", "", FAULT, "<s:Fault>"),
    ("200 OK", EXCEPTION, RESPONSE, "<h:ExceptionInfo"),
    ("200 OK", "", RESPONSE, "<SetDeliveryStatusResponse"),
], ids=["fault", "exception-info", "response"])
def test_the_part_of_a_superoffice_answer_that_matters_is_in_view(
        qtbot, memory_desk, status, header, body, part):
    with LoopbackServer(answering(soap_answer(status, header, body))) as server:
        profile = Profile("Customer", "superoffice", f"{server.url}/Cust12345",
                          options={"plugin": "sms"})
        memory_desk.profiles.add(profile)
        memory_desk.secrets.set(profile.name, "ticket", "7T:dGlja2V0")
        window = open_window(qtbot, memory_desk)
        try:
            window.resize(1000, 700)
            choose(qtbot, window, profile.name)
            fill(window, "SO-1", "2")
            send_and_wait(qtbot, window)
            pretty = window.inspector.response.pretty
            line = _line(pretty, part)
            assert line > 60  # below 60 lines of headers: out of sight unless scrolled to
            block = pretty.document().findBlockByNumber(line)
            box = pretty.blockBoundingGeometry(block).translated(pretty.contentOffset())
            assert 0 <= box.top() and box.bottom() <= pretty.viewport().height()
            assert pretty.textCursor().blockNumber() == line  # the caret is on it
        finally:
            close_window(window)


def _panes_top(window) -> int:
    inspector = window.inspector
    return inspector.stack.mapTo(window, QPoint(0, 0)).y()


def test_the_banner_keeps_its_height_and_details_fit_their_text(qtbot, demo_window, sandbox):
    window, banner = demo_window, demo_window.inspector.banner
    window.resize(1200, 800)
    demo_send(qtbot, window, sandbox, "superoffice")
    send_and_wait(qtbot, window)  # Done: a headline alone
    qtbot.wait(50)
    heights, tops = [banner.height()], [_panes_top(window)]
    fill(window, "NOPE", "2")
    view = send_and_wait(qtbot, window)  # refused: code, advice, details
    assert not view.exchange.ok
    qtbot.wait(50)
    heights.append(banner.height())
    tops.append(_panes_top(window))
    preview_and_wait(qtbot, window)  # a preview: info and advice
    qtbot.wait(50)
    heights.append(banner.height())
    tops.append(_panes_top(window))
    assert len(set(heights)) == 1, heights
    assert len(set(tops)) == 1, tops

    line = banner.fontMetrics().lineSpacing()
    banner.show_message("error", "One line of details", details="Just this.")
    banner.toggle.click()
    one = banner.details.height()
    assert one < 3 * line + 20, one
    assert not banner.details.verticalScrollBar().isVisible()
    banner.show_message("error", "Eight lines", details="\n".join(f"line {n}" for n in range(8)))
    banner.toggle.click()
    eight = banner.details.height()
    assert eight >= 8 * line and eight > one
    qtbot.wait(20)
    assert banner.details.verticalScrollBar().maximum() == 0  # all of it shows
    trace = "at SuperOffice.CRM.Services.Implementation." * 12  # a long line, few spaces
    banner.show_message("error", "A long line", details=trace)
    banner.toggle.click()
    qtbot.wait(20)
    assert banner.details.verticalScrollBar().maximum() == 0  # wrapped, all of it shows
    assert banner.details.horizontalScrollBar().maximum() == 0


def test_sizes_say_which_is_masked_and_which_went_out(qtbot, demo_window, sandbox):
    demo_send(qtbot, demo_window, sandbox, "superoffice")
    view = send_and_wait(qtbot, demo_window)
    sent = int(view.request.header("Content-Length"))
    shown = len(view.request.body)
    assert sent != shown  # the ticket and app token are masked in what is shown
    size = demo_window.inspector.request.size_label
    assert size.text().startswith(f"body {shown} B masked  ·  {sent} B sent"), size.text()
    assert "secrets are masked" in size.toolTip() and f"{sent} bytes went" in size.toolTip()
    preview_and_wait(qtbot, demo_window)
    assert "B to send" in demo_window.inspector.request.size_label.text()
    demo_window.inspector.response.set_mode(RAW)  # unmasked answers say one size
    assert "masked" not in demo_window.inspector.response.size_label.text()
