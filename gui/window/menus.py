"""The window's actions: shortcuts and menus in one place, so they are easy to find.

Ctrl+Enter send, Ctrl+P preview, Ctrl+F find in traffic, Esc cancel, Ctrl+, profiles,
Ctrl+L profile picker, Ctrl+I sign in, Ctrl+R read a status back (SuperOffice), Ctrl+T
tabs, Ctrl+S save HAR, Ctrl+Shift+C copy as curl, Ctrl+B batch, Ctrl+H filter the history,
Ctrl+D send a history row again (fills the form), Ctrl+Shift+E export the history as CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from gui.window.main_window import MainWindow


def install_actions(window: MainWindow) -> None:
    def action(text: str, slot: Callable[[], object], keys: tuple[str, ...] = (),
               tip: str = "") -> QAction:
        act = QAction(text, window)
        act.triggered.connect(slot)
        act.setShortcuts([QKeySequence(k) for k in keys])
        act.setStatusTip(tip)
        window.addAction(act)
        return act

    inspector, flow, for_profile = window.inspector, window.flow, window.profile_actions
    preview = action("Pre&view", flow.preview, ("Ctrl+P",),
                     "Show the request that Send would make")
    send = action("&Send", flow.send, ("Ctrl+Return", "Ctrl+Enter"), "Send the new status")
    cancel = action("&Cancel", window.cancel, ("Esc",), "Stop waiting for the call")
    find = action("&Find in traffic", inspector.find.activate, ("Ctrl+F",))
    profiles = action("&Profiles…", window.open_profiles, ("Ctrl+,",))
    demo = action("Start &sandbox with demo profiles", window.start_demo)
    picker = action("Choose profile", window.focus_picker, ("Ctrl+L",))
    window.sign_in_action = action(
        "Sign &in…", for_profile.sign_in, ("Ctrl+I",),
        "Sign in for the current profile now and keep what it gives in the keyring")
    window.read_back_action = action(
        "&Read status back…", for_profile.read_back, ("Ctrl+R",),
        "SuperOffice: what it holds for its own messaging ids")
    for act in (window.sign_in_action, window.read_back_action):
        act.setEnabled(False)  # until a profile that can is chosen
    tabs = action("Request and response in &tabs", inspector.layout_button.toggle,
                  ("Ctrl+T",))
    har = action("Save exchange as &HAR…", inspector.ask_har_path, ("Ctrl+S",))
    curl = action("Copy as c&url", inspector.copy_curl, ("Ctrl+Shift+C",))
    quit_app = action("&Quit", window.close, ("Ctrl+Q",))
    batch = action("&Batch…", window.open_batch, ("Ctrl+B",),
                   "Send a status to many messages from a CSV file or pasted rows")
    history = window.history
    filter_history = action("&Filter the history", history.focus_filter, ("Ctrl+H",))
    settings = action("&Settings…", window.open_settings, (),
                      "How long the history is kept; prune it now")
    for act in (history.send_again_action, history.export_action):
        window.addAction(act)

    menus = window.menuBar()
    for title, actions in (("&File", (har, curl, None, settings, None, quit_app)),
                           ("S&tatus", (preview, send, window.read_back_action, cancel, None,
                                        batch)),
                           ("P&rofiles", (profiles, picker, window.sign_in_action, demo)),
                           ("&History", (filter_history, history.send_again_action,
                                         history.export_action, None, settings)),
                           ("V&iew", (find, tabs))):
        menu = menus.addMenu(title)
        for act in actions:
            if act is None:
                menu.addSeparator()
            else:
                menu.addAction(act)
    window.preview_button.clicked.connect(flow.preview)
    window.send_button.clicked.connect(flow.send)
    window.sign_in_button.clicked.connect(for_profile.sign_in)
    window.form.submitted.connect(flow.preview)
