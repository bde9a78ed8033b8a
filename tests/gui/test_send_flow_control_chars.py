"""The status form meets core's rule on control characters: refused before sending, the
field marked, the character named (it was an lxml error from inside the send)."""

from __future__ import annotations

from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.drive import choose, fill


def test_a_control_character_in_the_form_is_named_and_nothing_is_sent(
        qtbot, demo_window, sandbox):
    for profile, status in ((DEMO_SUPEROFFICE, "3"), (DEMO_BITRIX24, "sent")):
        choose(qtbot, demo_window, profile)
        fill(demo_window, "SO-\x011001", status)
        demo_window.flow.send()
        form = demo_window.form
        assert form.error.isVisible()
        assert "The message id contains a control character (U+0001) at position 4" in (
            form.error.text())
        assert form.fields["message_id"].property("invalid")
    assert len(sandbox.received) == 0
