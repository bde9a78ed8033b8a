"""The history actions on their own: the panel, a picker and a form they drive, a real Desk
on a temp folder (secrets in memory) whose history holds real sends; no main window."""

from __future__ import annotations

from core.exchange import StatusUpdate
from gui.history.actions import HistoryActions
from gui.history.panel import HistoryPanel
from gui.profiles.picker import ProfilePicker
from gui.settings import window_settings
from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.controllers import form_for, notices_read, owner_and_jobs
from tests.gui.test_history_panel import record_again


def sent(desk, name: str, message_id: str, status: str):
    """One real send to the sandbox, kept in the history as the window keeps it."""
    from core.sending import send_status

    profile = desk.profiles.get(name)
    exchange = send_status(profile, StatusUpdate(message_id, status, "on handset"),
                           desk.secrets, desk.connections.get(profile))
    return desk.history.record(exchange)


def history_actions_for(qtbot, desk):
    from core.systems import get_system

    owner, jobs = owner_and_jobs(qtbot)
    notices, told = notices_read(owner)
    panel, picker = HistoryPanel(owner), ProfilePicker(owner)
    form, _ = form_for(desk, DEMO_SUPEROFFICE, owner)

    def chosen(name: str) -> None:  # what the main window does when a profile is picked
        profile = desk.profiles.get(name)
        system = get_system(profile.system)
        form.set_profile(profile, system.form_fields(profile), system.options)

    picker.profile_chosen.connect(chosen)
    profiles = desk.profiles.load()
    picker.set_profiles(profiles, {p.system: p.system for p in profiles}, DEMO_SUPEROFFICE)
    actions = HistoryActions(desk, jobs, panel, picker, form, notices,
                             window_settings(desk.folder), owner)
    actions.owner = owner  # the test holds the widgets as the window would
    return actions, panel, form, told, jobs


def test_a_row_opens_and_fills_the_form_again_without_sending(qtbot, demo_desk, sandbox):
    entry = sent(demo_desk, DEMO_SUPEROFFICE, "SO-1001", "2")
    actions, panel, form, told, jobs = history_actions_for(qtbot, demo_desk)
    with qtbot.waitSignal(panel.results_shown, timeout=5000):
        actions.start()
    assert panel.entry_ids() == [entry.id]

    with qtbot.waitSignal(actions.shown, timeout=5000) as shown:
        actions.open_entry(entry.id)
    assert shown.args[0].outcome.ok and shown.args[0].exchange.profile == DEMO_SUPEROFFICE

    received = len(sandbox.received)
    actions.send_again(entry)
    assert (form.value("message_id"), form.value("status")) == ("SO-1001", "2")
    assert told.lines[-1].startswith("Filled in from the history row of ")
    assert "Nothing was sent" in told.lines[-1]
    assert len(sandbox.received) == received

    gone = record_again(demo_desk, entry.id, profile="removed since")
    actions.send_again(gone)
    assert told.lines[-1].startswith("Profile 'removed since' no longer exists")
    assert jobs.wait_idle(10)


def test_prune_says_how_many_rows_went_and_lists_the_rest(qtbot, demo_desk, sandbox):
    kept = sent(demo_desk, DEMO_BITRIX24, sandbox.bitrix24_messages[0], "delivered")
    record_again(demo_desk, kept.id, days_ago=40)
    actions, panel, _form, _told, jobs = history_actions_for(qtbot, demo_desk)
    with qtbot.waitSignal(panel.results_shown, timeout=5000):
        actions.start()
    assert len(panel.entry_ids()) == 2

    with qtbot.waitSignal(panel.results_shown, timeout=5000):
        with qtbot.waitSignal(actions.pruned, timeout=5000) as pruned:
            actions.prune(30)
    assert pruned.args == ["Removed 1 history row older than 30 days."]
    assert panel.entry_ids() == [kept.id]
    assert [e.id for e in demo_desk.history.recent()] == [kept.id]
    assert jobs.wait_idle(10)
