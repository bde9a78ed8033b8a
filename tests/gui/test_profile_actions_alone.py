"""The profile actions on their own: a real Desk on a temp folder (secrets in memory), the
sandbox over loopback HTTP, a stand-in question; no main window."""

from __future__ import annotations

from gui.profiles.actions import ProfileActions
from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.controllers import Asked, notices_read, owner_and_jobs


def actions_for(qtbot, desk, current=None):
    owner, jobs = owner_and_jobs(qtbot)
    notices, told = notices_read(owner)
    asked = Asked()
    actions = ProfileActions(desk, jobs, notices, asked, lambda: current,
                             desk.profiles.load, lambda url: False, owner)
    actions.owner = owner  # the test holds the widgets as the window would
    return actions, told, asked, jobs


def test_what_a_profile_can_do_is_offered(qtbot, demo_desk):
    actions, _told, _asked, _jobs = actions_for(qtbot, demo_desk)
    offered: list[tuple[str, bool]] = []
    actions.sign_in_offered.connect(lambda on: offered.append(("sign in", on)))
    actions.read_back_offered.connect(lambda on: offered.append(("read back", on)))
    actions.update(demo_desk.profiles.get(DEMO_SUPEROFFICE))
    assert offered == [("sign in", False), ("read back", True)]  # a pasted ticket
    offered.clear()
    actions.update(None)
    assert offered == [("sign in", False), ("read back", False)]
    offered.clear()
    actions.update(demo_desk.profiles.get(DEMO_BITRIX24))
    assert ("read back", False) in offered  # SuperOffice only


def test_without_a_chosen_profile_nothing_starts(qtbot, demo_desk):
    actions, told, _asked, jobs = actions_for(qtbot, demo_desk, current=None)
    actions.sign_in()
    actions.read_back()
    assert told.lines == ["Choose a profile first, then sign in.",
                          "Choose a profile first, then read a status back."]
    assert jobs.busy_label() == ""


def test_a_moved_address_is_used_after_asking_and_nothing_is_sent(qtbot, demo_desk, sandbox):
    actions, told, asked, jobs = actions_for(qtbot, demo_desk)
    new = sandbox.origin + "/bitrix24-moved"
    actions.offer_new_address("no such profile", new)
    assert told.lines == ["There is no profile 'no such profile' any more."]

    old = demo_desk.profiles.get(DEMO_BITRIX24).base_url
    actions.offer_new_address(DEMO_BITRIX24, new)
    title, text, _yes, _ = asked.questions[-1]
    assert title == "Use the new address?"
    assert f"Old address:  {old}" in text and f"New address:  {new}" in text
    assert demo_desk.profiles.get(DEMO_BITRIX24).base_url == old  # not before the answer
    with qtbot.waitSignal(actions.address_changed, timeout=10000) as changed:
        asked.yes()
    assert changed.args == [DEMO_BITRIX24]
    assert demo_desk.profiles.get(DEMO_BITRIX24).base_url == new
    assert told.messages[-1].level == "ok" and f"now uses {new}" in told.messages[-1].headline
    assert len(sandbox.received) == 0  # nothing was sent again
    assert jobs.wait_idle(10)


def test_a_new_address_forgets_the_ticket_kept_for_the_old_one(qtbot, memory_desk, sandbox):
    """The ticket belongs to the old NetServer: it must never be sent to the new address
    (the window's "Use the new address" used to keep it; the CLI and Profiles forgot it)."""
    from core.profiles import Profile

    profile = Profile("Signs in", "superoffice", sandbox.superoffice_url,
                      options={"plugin": "sms", "auth": "password", "username": "sam"})
    memory_desk.profiles.add(profile)
    memory_desk.secrets.set(profile.name, "password", "kept-password")
    memory_desk.secrets.set(profile.name, "ticket", "7T:ticket-of-the-old-address")
    actions, _told, asked, jobs = actions_for(qtbot, memory_desk)
    actions.offer_new_address(profile.name, sandbox.origin + "/superoffice-moved/Cust1")
    with qtbot.waitSignal(actions.address_changed, timeout=10000):
        asked.yes()
    assert jobs.wait_idle(10)
    fields = ["ticket", "password"]
    assert memory_desk.secrets.read_all(profile.name, fields) == {"password": "kept-password"}
