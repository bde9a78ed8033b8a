"""The batch window takes a file with a profile column: each row to the profile it names,
the customers side by side; the table shows each row's profile, the check names rows
whose profile does not exist, the summary and the results are per customer. Real
loopback SuperOffice and Bitrix24 (the sandbox), the real history."""

from __future__ import annotations

import csv
import io

from gui.batch.table import CHECK, OUTCOME, PROFILE
from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.test_batch_window import batch_window, load, run


def test_a_file_for_two_customers_sends_each_row_to_its_profile(qtbot, demo_window, sandbox,
                                                                tmp_path):
    sandbox.bitrix24.set_rate_limit(500, 50)
    so, b24 = sandbox.superoffice.seed_messages(3), sandbox.bitrix24.seed_messages(3)
    lines = ["profile;message_id;status"]
    lines += [f"{DEMO_SUPEROFFICE};{i};2" for i in so] + [f"{DEMO_BITRIX24};{i};delivered"
                                                          for i in b24]
    lines.append("Nobody;m-1;delivered")
    path = tmp_path / "outage.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    dialog = batch_window(qtbot, demo_window)
    assert dialog.table.isColumnHidden(PROFILE)  # no file yet: no profile column
    load(qtbot, dialog, path)

    model = dialog.model
    assert not dialog.table.isColumnHidden(PROFILE)
    assert model.index(0, PROFILE).data() == DEMO_SUPEROFFICE
    assert "No profile is named 'Nobody'" in model.index(6, CHECK).data()
    assert "7 rows: 6 to send, 1 invalid" in dialog.counts.text()
    assert "2 customers side by side" in dialog.counts.text()
    assert "2 customers" in dialog.target.text() and DEMO_SUPEROFFICE in dialog.target.text()
    assert dialog.send_button.text() == "&Send 6 rows"
    assert dialog.progress.text() == "0 of 6 rows"
    assert not dialog.pace.isVisible()  # each customer keeps its system's pace...
    assert "Send takes under a second" in dialog.counts.text()  # 3 rows each: in a burst

    summary = run(qtbot, dialog, dialog.send_button)
    assert (summary.done, summary.failed) == (6, 0)
    assert all(sandbox.superoffice.updates_of(i) == 1 for i in so)
    assert all(sandbox.bitrix24.updates_of(i) == 1 for i in b24)
    assert dialog.progress.value() == 6
    assert model.index(0, OUTCOME).data() == "Done" and model.index(5, OUTCOME).data() == "Done"
    text = dialog.summary.text()
    assert f"{DEMO_SUPEROFFICE}: 3 done, 0 failed." in text
    assert f"{DEMO_BITRIX24}: 3 done, 0 failed." in text

    results = tmp_path / "results.csv"
    dialog.export_results(results)
    qtbot.waitUntil(lambda: "Saved the results" in dialog.notice.text(), timeout=5000)
    rows = list(csv.DictReader(io.StringIO(results.read_text(encoding="utf-8-sig"))))
    assert sorted((r["profile"], r["outcome"]) for r in rows) == sorted(
        [(DEMO_SUPEROFFICE, "done")] * 3 + [(DEMO_BITRIX24, "done")] * 3
        + [("Nobody", "not sent")])
    # Loaded again, every customer's rows are known as done.
    load(qtbot, dialog, path)
    assert "All 6 were done before" in dialog.counts.text()
