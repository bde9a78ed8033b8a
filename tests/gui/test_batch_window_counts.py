"""The batch window counts in words ("1 row", "1 retry") and says when not every row was
applied, in the words the command line uses (core.batch.BatchSummary.verdict)."""

from __future__ import annotations

from tests.gui.test_batch_window import batch_window, load, run, write_rows


def test_one_row_is_a_row_and_an_invalid_one_is_named_in_the_summary(
        qtbot, demo_window, sandbox, tmp_path):
    portal = sandbox.bitrix24
    portal.set_rate_limit(500, 50)
    ids = portal.seed_messages(1)
    path = tmp_path / "one.csv"
    write_rows(path, ids, extra=f"{ids[0]}x;Delivered\r\n")
    dialog = batch_window(qtbot, demo_window)
    load(qtbot, dialog, path)
    assert dialog.counts.text().startswith("2 rows: 1 to send, 1 invalid")
    assert dialog.send_button.text() == "&Send 1 row"
    dialog.pace.set_values(200, 10)
    summary = run(qtbot, dialog, dialog.send_button)
    assert summary.done == 1 and dialog.progress.text() == "1 of 1 row"
    assert dialog.summary.text() == ("1 done, 0 failed, 1 invalid (never sent); 0 retries.\n"
                                     "Not every row was applied: 1 invalid (never sent).")
