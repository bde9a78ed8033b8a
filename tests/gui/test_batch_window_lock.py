"""The batch window takes the same lock as the command line: a run of a file that another
run (here held by this test, as a CLI run would hold it) is sending is refused, in words."""

from __future__ import annotations

import os

from core.batch_lock import BatchLock
from sandbox.demo import DEMO_BITRIX24
from tests.gui.test_batch_window import batch_window, load, run, write_rows


def test_a_batch_another_run_is_sending_is_refused_with_who_runs_it(
        qtbot, demo_window, demo_desk, sandbox, tmp_path):
    portal = sandbox.bitrix24
    portal.set_rate_limit(500, 50)
    ids = portal.seed_messages(4)
    path = tmp_path / "outage.csv"
    write_rows(path, ids)
    dialog = batch_window(qtbot, demo_window)
    load(qtbot, dialog, path)
    dialog.pace.set_values(200, 10)
    batch = dialog.source.batch
    other = BatchLock(demo_desk.history_folder, DEMO_BITRIX24, batch.batch_id, batch.name)
    with other:
        with qtbot.waitSignal(dialog.runner.failed, timeout=10000):
            dialog.send_button.click()
        text = dialog.summary.text()
        assert text.startswith("Not started: outage.csv is already being sent to profile")
        assert f"by process {os.getpid()}" in text and "Resume" in text
        assert dialog.notice.text() == "Not started."
        assert dialog.send_button.isEnabled()
        assert [portal.updates_of(i) for i in ids] == [0] * 4
    summary = run(qtbot, dialog, dialog.send_button)  # that run has ended: it may go now
    assert summary.done == 4 and [portal.updates_of(i) for i in ids] == [1] * 4
