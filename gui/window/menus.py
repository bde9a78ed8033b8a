"""The window's actions: shortcuts and menus in one place, so they are easy to find.

Ctrl+Enter send, Ctrl+P preview, Ctrl+F find in traffic, Esc cancel, Ctrl+, profiles,
Ctrl+L profile picker, Ctrl+I sign in, Ctrl+R read a status back (SuperOffice), Ctrl+T
tabs, Ctrl+S save HAR, Ctrl+Shift+C copy as curl, Ctrl+B batch, Ctrl+H filter the history,
Ctrl+D send a history row again (fills the form), Ctrl+Shift+E export the history as CSV,
F1 the list of shortcuts (Help).

``build_menus`` makes the actions and the menu bar and returns the actions; what each one
does is connected by the main window (MainWindow._connect_signals), with everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow


@dataclass(frozen=True)
class WindowActions:
    preview: QAction
    send: QAction
    read_back: QAction  # enabled while the current profile can read a status back
    cancel: QAction
    batch: QAction
    profiles: QAction
    choose_profile: QAction
    sign_in: QAction  # enabled while the current profile has a sign-in
    demo: QAction
    find: QAction
    tabs: QAction
    save_har: QAction
    copy_curl: QAction
    settings: QAction
    quit: QAction
    shortcuts: QAction
    about: QAction
    filter_history: QAction
    send_again: QAction  # the history panel's own, listed in the History menu
    export_history: QAction  # likewise


def build_menus(window: QMainWindow, send_again: QAction, export_history: QAction
                ) -> WindowActions:
    """The window's actions (shortcuts live while the window is active) and its menu bar."""

    def action(text: str, keys: tuple[str, ...] = (), tip: str = "") -> QAction:
        act = QAction(text, window)
        act.setShortcuts([QKeySequence(k) for k in keys])
        act.setStatusTip(tip)
        window.addAction(act)
        return act

    actions = WindowActions(
        preview=action("Pre&view", ("Ctrl+P",), "Show the request that Send would make"),
        send=action("&Send", ("Ctrl+Return", "Ctrl+Enter"), "Send the new status"),
        read_back=action("&Read status back…", ("Ctrl+R",),
                         "SuperOffice: what it holds for its own messaging ids"),
        cancel=action("&Cancel", ("Esc",), "Stop waiting for the call"),
        batch=action("&Batch…", ("Ctrl+B",),
                     "Send a status to many messages from a CSV file or pasted rows"),
        profiles=action("&Profiles…", ("Ctrl+,",)),
        choose_profile=action("Choose profile", ("Ctrl+L",)),
        sign_in=action("Sign &in…", ("Ctrl+I",), "Sign in for the current profile now and "
                       "keep what it gives in the keyring"),
        demo=action("Start &sandbox with demo profiles"),
        find=action("&Find in traffic", ("Ctrl+F",)),
        tabs=action("Request and response in &tabs", ("Ctrl+T",)),
        save_har=action("Save exchange as &HAR…", ("Ctrl+S",)),
        copy_curl=action("Copy as c&url", ("Ctrl+Shift+C",)),
        settings=action("&Settings…", (), "How long the history is kept; prune it now"),
        quit=action("&Quit", ("Ctrl+Q",)),
        shortcuts=action("&Keyboard shortcuts", ("F1",), "Every shortcut of the window"),
        about=action("&About StatusDesk", (), "Version, keyring, where profiles and "
                     "history are kept"),
        filter_history=action("&Filter the history", ("Ctrl+H",)),
        send_again=send_again,
        export_history=export_history,
    )
    for act in (actions.sign_in, actions.read_back):
        act.setEnabled(False)  # until a profile that can is chosen
    for act in (actions.save_har, actions.copy_curl):
        act.setEnabled(False)  # until there is an exchange to export
    actions.cancel.setEnabled(False)  # while nothing runs (Esc then clears Find)
    # On macOS these move to the application menu, where people look for them.
    actions.settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    actions.quit.setMenuRole(QAction.MenuRole.QuitRole)
    actions.about.setMenuRole(QAction.MenuRole.AboutRole)
    for act in (send_again, export_history):
        window.addAction(act)

    a = actions
    menus = window.menuBar()
    for title, entries in (("&File", (a.save_har, a.copy_curl, None, a.settings, None, a.quit)),
                           ("S&tatus", (a.preview, a.send, a.read_back, a.cancel, None,
                                        a.batch)),
                           ("P&rofiles", (a.profiles, a.choose_profile, a.sign_in, a.demo)),
                           ("&History", (a.filter_history, a.send_again, a.export_history)),
                           ("V&iew", (a.find, a.tabs)),
                           ("H&elp", (a.shortcuts, a.about))):
        menu = menus.addMenu(title)
        for entry in entries:
            if entry is None:
                menu.addSeparator()
            else:
                menu.addAction(entry)
    return actions
