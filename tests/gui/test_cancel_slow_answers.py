"""Cancel while an answer trickles in, or never comes, driven through the real window.

The profiles' timeout is 30 s: a job thread that has ended a second or two after Cancel
was ended by Cancel (core.transport.Connection.abort), not by a time-out.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer

from core import cancelling
from core.desk import Desk
from core.profiles import Profile
from core.systems import get_system
from gui.history.table import OUTCOME
from gui.window.main_window import MainWindow
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import choose, fill, press
from tests.helpers.servers import LoopbackServer, TricklingServer, never_answering

PROMPTLY = 2.0  # seconds for the job thread to end after Cancel; the timeout is 30 s


class Paints(QObject):
    """Notes when a widget gets paint events."""

    def __init__(self, widget) -> None:
        super().__init__(widget)
        self.at: list[float] = []
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.at.append(time.perf_counter())
        return False


def slow_profile(desk: Desk, url: str) -> Profile:
    profile = Profile("Slow customer", "superoffice", url,  # a version: no GET /api first
                      options={"plugin": "sms", "services": "86"}, timeout=30.0)
    desk.profiles.add(profile)
    desk.secrets.set(profile.name, "ticket", "7T:test-ticket")
    desk.secrets.set(profile.name, "app-token", "test-app-token")
    return profile


@pytest.fixture
def trickling() -> Iterator[TricklingServer]:
    with TricklingServer(interval=0.05) as server:
        yield server


def gaps(times: list[float], start: float, end: float) -> list[float]:
    during = [t for t in times if start <= t <= end]
    return [b - a for a, b in zip([start, *during], [*during, end], strict=True)]


def assert_cancelled_and_usable(window: MainWindow) -> None:
    banner = window.inspector.banner.text()
    assert "Cancelled" in banner and "may already have reached" in banner, banner
    assert not window.cancel_button.isVisible()
    assert window.send_button.isEnabled()
    assert window.form.fields["message_id"].isEnabled()


def test_cancel_while_an_answer_trickles_in(qtbot, memory_desk, trickling):
    profile = slow_profile(memory_desk, trickling.url)
    window = open_window(qtbot, memory_desk)
    ticks: list[float] = []
    timer = QTimer()
    try:
        choose(qtbot, window, profile.name)
        fill(window, "SO-2001", "2")
        banner = window.inspector.banner
        paints = Paints(banner)
        timer.setInterval(10)
        timer.timeout.connect(lambda: (ticks.append(time.perf_counter()), banner.update()))
        timer.start()

        press(qtbot, window, "Ctrl+Return")
        qtbot.waitUntil(lambda: trickling.bytes_sent >= 1, timeout=5000)
        started = time.perf_counter()
        qtbot.waitUntil(lambda: trickling.bytes_sent >= 20, timeout=5000)  # about 1 s
        finished = time.perf_counter()
        # The window kept running and drawing while the answer trickled in.
        assert window.cancel_button.isVisible() and not window.send_button.isEnabled()
        tick_gaps = gaps(ticks, started, finished)
        assert len(tick_gaps) >= 20, f"only {len(tick_gaps) - 1} ticks in the trickle"
        assert max(tick_gaps) < 0.5, f"the UI thread stalled for {max(tick_gaps):.2f} s"
        paint_gaps = gaps(paints.at, started, finished)
        assert len(paint_gaps) >= 5, f"only {len(paint_gaps) - 1} paints of the banner"
        assert max(paint_gaps) < 0.5, f"no paint for {max(paint_gaps):.2f} s"

        # Cancel, by the button: the form is usable at once, the thread ends at once.
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
        cancelled = time.perf_counter()
        assert_cancelled_and_usable(window)
        assert window.jobs.wait_idle(PROMPTLY), "the send's thread lingers after Cancel"
        assert time.perf_counter() - cancelled < PROMPTLY
        qtbot.waitUntil(lambda: trickling.hung_up == 1, timeout=int(PROMPTLY * 1000))
        qtbot.wait(50)  # the late result, had it not been dropped, would arrive now
        assert_cancelled_and_usable(window)

        # Again, by the shortcut (Esc), on the fresh connection Cancel left behind.
        fill(window, "SO-2002", "3")
        press(qtbot, window, "Ctrl+Return")
        qtbot.waitUntil(lambda: len(trickling.requests) == 2 and trickling.bytes_sent >= 25,
                        timeout=5000)
        press(qtbot, window, "Escape")
        assert_cancelled_and_usable(window)
        assert window.jobs.wait_idle(PROMPTLY), "the send's thread lingers after Esc"
        qtbot.waitUntil(lambda: trickling.hung_up == 2, timeout=int(PROMPTLY * 1000))

        # The history keeps both as cancelled, not as network failures.
        recorded = {e.message_id: (e.outcome_code, e.outcome_summary)
                    for e in memory_desk.history.recent()}
        # core's words for a call cut on the wire, naming the customer's system
        summary = cancelling.cancelled(get_system(profile.system).tenant(profile),
                                       sent=True).summary
        assert recorded == {"SO-2001": ("cancelled", summary),
                            "SO-2002": ("cancelled", summary)}
        # ...and the history list shows them, as cancelled, without a search.
        model = window.history.model
        qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)
        assert {model.index(row, OUTCOME).data() for row in range(2)} == {"Cancelled"}
    finally:
        timer.stop()
        close_window(window)


def test_cancel_while_the_server_says_nothing_ends_the_thread_at_once(qtbot, memory_desk):
    """Before Connection.abort, this thread waited for the 30 s timeout."""
    with LoopbackServer(never_answering) as silent:
        profile = slow_profile(memory_desk, silent.url)
        window = open_window(qtbot, memory_desk)
        try:
            choose(qtbot, window, profile.name)
            fill(window, "SO-2003", "2")
            press(qtbot, window, "Ctrl+Return")
            qtbot.waitUntil(lambda: len(silent.requests) == 1, timeout=5000)
            qtbot.wait(100)
            press(qtbot, window, "Escape")
            assert_cancelled_and_usable(window)
            assert window.jobs.wait_idle(PROMPTLY), "the send's thread lingers after Esc"
        finally:
            close_window(window)
    assert silent.errors == []
    entry = memory_desk.history.recent()[0]
    assert (entry.message_id, entry.outcome_code) == ("SO-2003", "cancelled")
