"""The window a support person spends a day in (issue 16): each defect found, as a test."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QKeySequence, QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea

from core.profiles import Profile
from core.systems import SYSTEMS
from gui.inspector.message_pane import PRETTY, RAW
from gui.inspector.traffic_dialog import TrafficDialog
from gui.profiles.dialog import ProfilesDialog
from gui.window.help import AboutDialog, ShortcutsDialog
from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import all_visible_text, choose, fill, mnemonics, press, send_and_wait
from tests.gui.test_cancel_slow_answers import slow_profile
from tests.gui.test_profiles_dialog import open_dialog
from tests.helpers.servers import TricklingServer


def test_tabs_off_again_shows_the_traffic(qtbot, demo_window):
    """Item 1: Ctrl+T twice left the Request/Response area blank until a restart."""
    inspector = demo_window.inspector
    press(qtbot, demo_window, "Ctrl+T")
    press(qtbot, demo_window, "Ctrl+T")
    assert inspector.arrangement == "side"
    choose(qtbot, demo_window, DEMO_SUPEROFFICE)
    fill(demo_window, "SO-1001", "2", "")
    send_and_wait(qtbot, demo_window)
    for pane in (inspector.request, inspector.response):
        assert pane.isVisible()
        editor = pane.current_editor()
        assert editor.isVisible() and editor.toPlainText()
        assert editor.width() > 100 and editor.height() > 100


def _wheel(widget, steps: int = -3) -> bool:
    """A mouse wheel turned over the middle of ``widget``; True when some widget took it."""
    at = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(at, widget.mapToGlobal(at), QPoint(), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_the_wheel_scrolls_the_profile_form_and_changes_no_setting(qtbot, demo_window):
    """Item 2: scrolling over Transport switched it to SOAP 1.2 without a word."""
    dialog = open_dialog(qtbot, demo_window)
    dialog.resize(dialog.width(), 360)  # short enough to scroll
    editor = dialog.editor
    editor.system.setCurrentIndex(editor.system.findData("superoffice"))
    transport = editor.option_widgets["transport"]
    dialog.editor.name.setFocus()
    bar = dialog.findChild(QScrollArea).verticalScrollBar()
    assert bar.maximum() > 0
    before = (transport.currentData(), editor.system.currentData(), editor.timeout.value())
    for widget in (transport, editor.system, editor.timeout, editor.size_limit):
        assert not widget.hasFocus()
        _wheel(widget)
    assert (transport.currentData(), editor.system.currentData(),
            editor.timeout.value()) == before
    assert bar.value() > 0  # the form scrolled instead
    transport.setFocus()  # chosen on purpose: the wheel is the person's own choice
    qtbot.waitUntil(transport.hasFocus)
    _wheel(transport, steps=-1)
    assert transport.currentData() != before[0]


def test_username_of_password_sign_in_is_not_labelled_optional(qtbot, demo_window):
    """Item 3: "Username (optional)" although password sign-in refuses to save without."""
    dialog = open_dialog(qtbot, demo_window)
    editor = dialog.editor
    editor.system.setCurrentIndex(editor.system.findData("superoffice"))
    auth = editor.option_widgets["auth"]
    auth.setCurrentIndex(auth.findData("password"))
    label = editor.option_form.labelForField(editor.option_widgets["username"])
    assert label.isVisible() and label.text() == "Username"
    # The main window's form offers no per-send username (a sign-in setting).
    demo_window.form.set_profile(
        Profile("p", "superoffice", "https://x/Cust1",
                options={"plugin": "p", "auth": "password", "username": "u"}),
        (), SYSTEMS["superoffice"].options)
    assert "username" not in demo_window.form.fields


def test_show_traffic_in_profiles_shows_it_on_top(qtbot, demo_window):
    """Item 5: Show traffic filled the main window's inspector, behind the modal dialog."""
    dialog = open_dialog(qtbot, demo_window)
    dialog.select(DEMO_SUPEROFFICE)
    qtbot.waitUntil(lambda: dialog.editor.name.text() == DEMO_SUPEROFFICE)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "Connected" in dialog.call_result.text(), timeout=10000)
    dialog.traffic_button.click()
    traffic = dialog.findChild(TrafficDialog)
    qtbot.waitUntil(lambda: traffic is not None and traffic.isActiveWindow())
    assert "GetPlugins" in traffic.inspector.request.raw.toPlainText()
    assert "GetPluginsResponse" in traffic.inspector.response.raw.toPlainText()
    assert traffic.windowTitle() == "Connection test: request and response"
    qtbot.keyClick(traffic, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not traffic.isVisible())
    assert dialog.isVisible()  # back in Profiles, where the person was
    dialog.done(0)


def test_a_test_made_in_profiles_is_in_the_history_at_once(qtbot, demo_window):
    """Item 15: a connection test or sign-in in Profiles appeared in the history panel only
    after the next send."""
    model = demo_window.history.model
    qtbot.waitUntil(lambda: not demo_window.history_actions.jobs.is_running(
        demo_window.history_actions.search_job))
    before = model.row_total()
    dialog = open_dialog(qtbot, demo_window)
    dialog.select(DEMO_SUPEROFFICE)
    qtbot.waitUntil(lambda: dialog.editor.name.text() == DEMO_SUPEROFFICE)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "Connected" in dialog.call_result.text(), timeout=10000)
    qtbot.waitUntil(lambda: model.row_total() == before + 1, timeout=5000)
    newest = model.entry(0)
    assert newest is not None and newest.operation == "connection test"
    assert newest.profile == DEMO_SUPEROFFICE
    dialog.done(0)


def test_a_local_refusal_keeps_the_last_exchange_and_says_it_once(qtbot, demo_window):
    """Item 12: a validation error replaced the last exchange with "Nothing was sent." and
    said its message twice (banner and form)."""
    choose(qtbot, demo_window, DEMO_SUPEROFFICE)
    fill(demo_window, "SO-1001", "2", "")
    send_and_wait(qtbot, demo_window)
    inspector = demo_window.inspector
    kept = (inspector.request.raw.toPlainText(), inspector.banner.text())
    for message_id, status in (("", "2"), ("SO-1001", "two")):
        fill(demo_window, message_id, status, "")
        press(qtbot, demo_window, "Ctrl+Return")
        qtbot.wait(200)
        assert (inspector.request.raw.toPlainText(), inspector.banner.text()) == kept
        said = demo_window.form.error.text()
        assert said and demo_window.form.error.isVisible()
        assert all_visible_text(demo_window).count(said) == 1


def test_a_cancelled_send_reads_the_same_live_and_from_history(qtbot, memory_desk):
    """Item 13: "Cancelled" (yellow) live, "No usable answer" (red) from the history; and
    live, the request that went out was hidden."""
    with TricklingServer(interval=0.05) as server:
        profile = slow_profile(memory_desk, server.url)
        window = open_window(qtbot, memory_desk)
        try:
            choose(qtbot, window, profile.name)
            fill(window, "SO-3001", "2")
            press(qtbot, window, "Ctrl+Return")
            qtbot.waitUntil(lambda: server.bytes_sent >= 5, timeout=5000)
            press(qtbot, window, "Escape")
            banner, inspector = window.inspector.banner, window.inspector
            assert banner.level == "warning" and banner.text().startswith("Cancelled")
            # The call ends at once; then the panes show the request that went out.
            qtbot.waitUntil(lambda: "SO-3001" in inspector.request.raw.toPlainText(),
                            timeout=5000)
            assert "SetDeliveryStatus" in inspector.request.raw.toPlainText()
            live = (banner.level, banner.headline.text())
            assert live[0] == "warning" and live[1].startswith("Cancelled: ")

            model = window.history.model
            qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
            window.history.table.setCurrentIndex(QModelIndex())
            with qtbot.waitSignal(window.exchange_shown, timeout=5000):
                window.history.table.setCurrentIndex(model.index(0, 0))
            assert (banner.level, banner.headline.text()) == live
            assert "SO-3001" in inspector.request.raw.toPlainText()
        finally:
            close_window(window)


def _marks_left(window) -> list[str]:
    """Editors still showing find marks or a selected match, by name."""
    inspector = window.inspector
    return [editor.objectName() for pane in (inspector.request, inspector.response)
            for editor in pane.editors()
            if editor.extraSelections() or editor.textCursor().hasSelection()]


def test_find_leaves_no_highlight_behind(qtbot, demo_window):
    """Item 17: old highlights stayed (in the view not shown, and the selected match);
    Esc cleared the text, not the highlights."""
    choose(qtbot, demo_window, DEMO_SUPEROFFICE)
    fill(demo_window, "SO-1001", "2", "")
    send_and_wait(qtbot, demo_window)
    inspector = demo_window.inspector
    find = inspector.find_bar
    inspector.response.set_mode(RAW)
    press(qtbot, demo_window, "Ctrl+F")
    qtbot.keyClicks(find.field, "SetDeliveryStatus")
    qtbot.keyClick(find.field, Qt.Key.Key_Return)
    assert set(_marks_left(demo_window)) == {"requestRaw", "responseRaw"}
    inspector.response.set_mode(PRETTY)  # both panes follow; the marks move with them
    qtbot.keyClick(find.field, Qt.Key.Key_Return)
    assert set(_marks_left(demo_window)) == {"requestPretty", "responsePretty"}
    qtbot.keyClick(find.field, Qt.Key.Key_Escape)
    assert find.field.text() == "" and _marks_left(demo_window) == []

    qtbot.keyClicks(find.field, "Envelope")  # a new search: only its own marks
    qtbot.keyClick(find.field, Qt.Key.Key_Return)
    inspector.response.set_mode(RAW)
    find.field.setText("no such text")
    assert _marks_left(demo_window) == []


def _menu(window, title: str) -> list[str]:
    bar = window.menuBar()
    menu = next(a.menu() for a in bar.actions() if a.text().replace("&", "") == title)
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_menus_offer_only_what_can_be_done_and_help(qtbot, demo_window):
    """Item 18: Copy as curl, Save as HAR and Cancel looked enabled with nothing to do;
    Settings was in two menus; no Help, About or list of shortcuts."""
    a = demo_window.window_actions
    assert not a.copy_curl.isEnabled() and not a.save_har.isEnabled()
    assert not a.cancel.isEnabled()
    everywhere = [t for m in ("File", "Status", "Profiles", "History", "View", "Help")
                  for t in _menu(demo_window, m)]
    assert everywhere.count("Settings…") == 1
    assert _menu(demo_window, "Help") == ["Keyboard shortcuts", "About StatusDesk"]

    choose(qtbot, demo_window, DEMO_SUPEROFFICE)
    fill(demo_window, "SO-1001", "2", "")
    send_and_wait(qtbot, demo_window)
    assert a.copy_curl.isEnabled() and a.save_har.isEnabled()
    assert not a.cancel.isEnabled()  # the send is over

    press(qtbot, demo_window, "F1")
    shortcuts = demo_window.findChild(ShortcutsDialog)
    qtbot.waitUntil(lambda: shortcuts is not None and shortcuts.isVisible())
    listed = shortcuts.text.text()
    for act in demo_window.actions():
        for keys in act.shortcuts():
            assert keys.toString(QKeySequence.SequenceFormat.NativeText) in listed, act.text()
    shortcuts.reject()

    a.about.trigger()
    about = demo_window.findChild(AboutDialog)
    qtbot.waitUntil(lambda: about.fact("Keyring") != "checking…", timeout=5000)
    assert about.fact("Keyring") == "memory (this run only)"
    assert about.fact("Profiles") == str(demo_window.desk.profiles.path)
    assert about.fact("History").endswith("history.sqlite3")
    assert about.fact("Version").startswith("StatusDesk ")
    about.reject()


def test_esc_clears_find_and_cancels_a_send(qtbot, memory_desk):
    """Esc: with a call running it cancels; with nothing running, in Find, it clears."""
    with TricklingServer(interval=0.05) as server:
        profile = slow_profile(memory_desk, server.url)
        window = open_window(qtbot, memory_desk)
        try:
            find = window.inspector.find_bar
            press(qtbot, window, "Ctrl+F")
            qtbot.keyClicks(find.field, "anything")
            qtbot.keyClick(find.field, Qt.Key.Key_Escape)
            assert find.field.text() == ""
            choose(qtbot, window, profile.name)
            fill(window, "SO-3002", "2")
            press(qtbot, window, "Ctrl+Return")
            qtbot.waitUntil(lambda: server.bytes_sent >= 5, timeout=5000)
            assert window.window_actions.cancel.isEnabled()
            press(qtbot, window, "Escape")
            qtbot.waitUntil(lambda: not window.window_actions.cancel.isEnabled(), timeout=5000)
            assert window.inspector.banner.text().startswith("Cancelled")
        finally:
            close_window(window)


def test_new_profile_asks_for_the_system_and_shows_examples(qtbot, demo_window):
    """Item 16: New kept the last system (a plugin name landed in "Provider code");
    Address and Plugin had no example text."""
    dialog = open_dialog(qtbot, demo_window)
    dialog.select(DEMO_BITRIX24)
    qtbot.waitUntil(lambda: dialog.editor.system_key() == "bitrix24")
    dialog.new_profile()
    editor = dialog.editor
    assert editor.system_key() == "" and editor.system.currentText() == ""
    assert editor.system.placeholderText() == "Choose the customer's system"
    assert editor.option_widgets == {}  # no Provider code to type a plugin into
    editor.name.setText("Acme")
    editor.base_url.setText("https://sod.superoffice.com/Cust1")
    dialog.save()
    assert "Choose the customer's system" in editor.problem.text()
    assert Path(demo_window.desk.profiles.path).read_text().count('"Acme"') == 0

    editor.system.setCurrentIndex(editor.system.findData("superoffice"))
    assert editor.base_url.placeholderText().startswith("https://sod.superoffice.com/Cust")
    assert "Test connection" in editor.option_widgets["plugin"].placeholderText()
    editor.system.setCurrentIndex(editor.system.findData("bitrix24"))
    assert editor.base_url.placeholderText() == "https://example.bitrix24.com"
    assert editor.option_widgets["code"].placeholderText()
    dialog.done(0)


def alt(qtbot, key) -> None:
    """Alt+key (a mnemonic) typed where the focus is."""
    qtbot.keyClick(QApplication.focusWidget(), key, Qt.KeyboardModifier.AltModifier)


def test_keyboard_only_profile_creation_stores_its_ticket(qtbot, demo_window, sandbox):
    """Item 16 and Done-when: a profile made with the keyboard alone; Store… on the new
    profile saves it first (credentials could be stored only after a first save)."""
    press(qtbot, demo_window, "Ctrl+,")
    dialog = demo_window.findChild(ProfilesDialog)
    qtbot.waitUntil(lambda: dialog is not None and dialog.isActiveWindow())
    keys = [key for key, _ in mnemonics(dialog)]  # Alt+N went to Name and New in turn
    assert len(keys) == len(set(keys)), sorted(mnemonics(dialog))
    alt(qtbot, Qt.Key.Key_W)  # Ne&w
    editor = dialog.editor
    qtbot.waitUntil(lambda: not editor.name.isReadOnly() and editor.name.hasFocus())
    qtbot.keyClicks(editor.name, "Keyboard Co")
    alt(qtbot, Qt.Key.Key_Y)  # S&ystem
    assert editor.system.hasFocus()
    qtbot.keyClick(editor.system, Qt.Key.Key_Down)  # the first system: SuperOffice
    assert editor.system_key() == "superoffice"
    alt(qtbot, Qt.Key.Key_A)  # &Address
    qtbot.keyClicks(editor.base_url, sandbox.superoffice_url)
    qtbot.keyClick(editor.base_url, Qt.Key.Key_Tab)
    plugin = editor.option_widgets["plugin"]
    assert plugin.hasFocus()
    qtbot.keyClicks(plugin, sandbox.credentials.so_plugin)

    ticket = dialog.credentials.rows["ticket"]
    assert ticket.replace.text() == "Store…" and ticket.replace.isEnabled()
    qtbot.waitUntil(ticket.replace.isVisible)
    passed = []
    for _ in range(30):  # Tab on, as a person would, to Store…
        if ticket.replace.hasFocus():
            break
        passed.append(QApplication.focusWidget().objectName())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert ticket.replace.hasFocus(), " | ".join(passed)
    qtbot.keyClick(ticket.replace, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "ticket" in dialog.credentials.rows
                    and dialog.credentials.rows["ticket"].entry.hasFocus(), timeout=10000)
    assert demo_window.desk.profiles.get("Keyboard Co").base_url == sandbox.superoffice_url
    entry = dialog.credentials.rows["ticket"].entry
    qtbot.keyClicks(entry, sandbox.credentials.so_ticket)
    qtbot.keyClick(entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: demo_window.desk.secrets.get("Keyboard Co", "ticket")
                    == sandbox.credentials.so_ticket, timeout=10000)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.waitUntil(lambda: "Keyboard Co" in [p.name for p in demo_window.picker.profiles()])


def test_tabbing_into_the_profile_list_keeps_a_profile_being_typed(qtbot, demo_window):
    """Found on the keyboard-only walk: with a new profile half typed, Tab (or Shift+Tab)
    into the list made its first profile current, which replaced the draft unasked."""
    demo_window.open_profiles(new=True)
    dialog = demo_window.findChild(ProfilesDialog)
    qtbot.waitUntil(lambda: dialog is not None and dialog.list.count() == 2)
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClicks(dialog.editor.name, "Draft customer")
    dialog.list.setFocus(Qt.FocusReason.BacktabFocusReason)
    qtbot.waitUntil(dialog.list.hasFocus)
    qtbot.wait(50)
    assert dialog.editor.name.text() == "Draft customer"
    assert dialog.list.currentItem() is None
    dialog.editor.name.setFocus()
    dialog.list.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.wait(50)
    assert dialog.editor.name.text() == "Draft customer"
    qtbot.keyClick(dialog.list, Qt.Key.Key_Down)  # choosing one is still one key away
    qtbot.waitUntil(lambda: dialog.list.currentItem() is not None)
    assert dialog.editor.name.text() == dialog.list.currentItem().text()
    dialog.done(0)
