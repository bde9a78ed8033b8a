"""The send flow on its own: a form, a real Desk on a temp folder (secrets in memory), the
sandbox over loopback HTTP; no main window. What it tells arrives by its signals."""

from __future__ import annotations

from dataclasses import replace

from gui.window.send_flow import SendFlow
from sandbox.demo import DEMO_SUPEROFFICE
from tests.gui.controllers import Asked, form_for, notices_read, owner_and_jobs


def flow_for(qtbot, desk, profile_shown=True):
    owner, jobs = owner_and_jobs(qtbot)
    form, profile = form_for(desk, DEMO_SUPEROFFICE, owner)
    notices, told = notices_read(owner)
    asked = Asked()
    flow = SendFlow(desk, jobs, form, notices, asked, lambda: profile_shown, owner)
    flow.owner = owner  # the test holds the widgets as the window would
    return flow, form, told, asked, jobs


def test_a_send_is_shown_recorded_and_sending_is_said(qtbot, demo_desk, sandbox):
    flow, form, told, _asked, jobs = flow_for(qtbot, demo_desk)
    sending: list[bool] = []
    shown: list = []
    flow.sending.connect(sending.append)
    flow.shown.connect(shown.append)
    form.set_value("message_id", "SO-1001")
    form.set_value("status", "2")
    with qtbot.waitSignal(flow.recorded, timeout=10000) as recorded:
        flow.send()
    (view,), entry = shown, recorded.args[0]
    assert view.outcome.ok, view.outcome
    assert (entry.message_id, entry.status, entry.profile) == \
        ("SO-1001", "2 (Delivered (demo plugin))", DEMO_SUPEROFFICE)
    assert [e.id for e in demo_desk.history.recent()] == [entry.id]
    busy = told.messages[0]  # what the inspector showed while waiting
    assert busy.level == "busy" and busy.headline.startswith("Sending to ") and busy.clear
    qtbot.waitUntil(lambda: sending and sending[-1] is False)
    assert True in sending  # Send was held while the call was in flight
    assert jobs.wait_idle(10)


def test_nothing_is_sent_without_a_profile_or_a_message_id(qtbot, demo_desk, sandbox):
    flow, form, told, _asked, jobs = flow_for(qtbot, demo_desk, profile_shown=False)
    flow.send()
    assert told.lines == ["Choose or create a profile first."]

    flow, form, told, _asked, jobs = flow_for(qtbot, demo_desk)
    form.set_value("status", "2")
    flow.send()
    assert told.messages == []  # said at the field, once; the last exchange stays in view
    assert form.error.text() == "Fill in the external message id: it is required."
    assert len(sandbox.received) == 0 and demo_desk.history.recent() == []
    assert jobs.wait_idle(10)


def test_production_asks_first_and_sends_only_on_yes(qtbot, demo_desk, sandbox):
    live = demo_desk.profiles.get(DEMO_SUPEROFFICE)
    demo_desk.profiles.add(replace(live, production=True), replace_existing=True)
    flow, form, told, asked, jobs = flow_for(qtbot, demo_desk)
    form.set_value("message_id", "SO-1001")
    form.set_value("status", "2")
    flow.send()
    title, text, yes, _ = asked.questions[-1]
    assert (title, yes) == ("Send to production?", "Send to production")
    assert "Message id:  SO-1001" in text and f"profile {DEMO_SUPEROFFICE}" in text
    assert len(sandbox.received) == 0
    with qtbot.waitSignal(flow.recorded, timeout=10000) as recorded:
        asked.yes()
    assert recorded.args[0].message_id == "SO-1001"
    assert jobs.wait_idle(10)


def test_a_number_no_preset_names_is_asked_about_first(qtbot, demo_desk, sandbox):
    """Issue 16, item 14: SuperOffice takes any number, so a typo goes out silently; the
    window names the profile's presets and asks before sending."""
    flow, form, told, asked, jobs = flow_for(qtbot, demo_desk)
    form.set_value("message_id", "SO-1001")
    form.set_value("status", "7")
    flow.send()
    title, text, yes, _ = asked.questions[-1]
    assert (title, yes) == ("Send status 7?", "Send 7")
    assert ("not one of this profile's named statuses (Sent (demo plugin) = 1, "
            "Delivered (demo plugin) = 2") in text
    assert len(sandbox.received) == 0
    with qtbot.waitSignal(flow.recorded, timeout=10000) as recorded:
        asked.yes()
    assert recorded.args[0].status == "7"
    form.set_value("status", "2")  # a named one goes at once
    with qtbot.waitSignal(flow.recorded, timeout=10000):
        flow.send()
    assert len(asked.questions) == 0
    assert jobs.wait_idle(10)


def test_a_missing_credential_is_worded_as_the_windows_step(qtbot, demo_desk, sandbox):
    """core's MissingSecret carries a hint (store the ticket); the window names its button,
    never the CLI's command."""
    demo_desk.secrets.delete(DEMO_SUPEROFFICE, "ticket")
    flow, form, told, _asked, jobs = flow_for(qtbot, demo_desk)
    form.set_value("message_id", "SO-1001")
    form.set_value("status", "2")
    flow.send()
    qtbot.waitUntil(lambda: told.messages and told.messages[-1].level != "busy",
                    timeout=10000)
    said = told.messages[-1]
    assert said.headline == f"Not sent: no ticket is stored for profile {DEMO_SUPEROFFICE!r}."
    assert said.advice == ("Open Profiles (Ctrl+,), choose the profile and use Store… (or "
                           "Replace…) beside ticket.")
    assert not any("statusdesk-cli" in f"{m.headline} {m.advice}" for m in told.messages)
    assert len(sandbox.received) == 0
    assert jobs.wait_idle(10)
