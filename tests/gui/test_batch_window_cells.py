"""What the batch window shows before a run (issue 16, items 6 and 10): the progress bar
counts the file's rows, not Qt's 100; a long check message is cut at its end."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleOptionViewItem

from gui.batch.table import CHECK
from tests.gui.test_batch_window import batch_window, load, write_rows


def test_the_progress_bar_counts_the_rows_to_send_before_a_run(qtbot, demo_window, sandbox,
                                                              tmp_path):
    dialog = batch_window(qtbot, demo_window)
    assert "100" not in dialog.progress.text()  # no rows yet: no count at all
    assert dialog.progress.text() == ""
    ids = sandbox.bitrix24.seed_messages(3)
    path = tmp_path / "three.csv"
    write_rows(path, ids, extra=f"{ids[0]};failed\r\n")  # 4 rows, 3 to send
    load(qtbot, dialog, path)
    assert dialog.progress.text() == "0 of 3 rows"
    write_rows(path, ids[:1])
    load(qtbot, dialog, path)
    assert dialog.progress.text() == "0 of 1 row"


def test_a_long_check_message_is_cut_at_its_end_with_the_whole_in_the_tooltip(
        qtbot, demo_window, sandbox, tmp_path):
    ids = sandbox.bitrix24.seed_messages(1)
    path = tmp_path / "twice.csv"
    write_rows(path, ids, extra=f"{ids[0]};failed\r\n")
    dialog = batch_window(qtbot, demo_window)
    load(qtbot, dialog, path)
    table, index = dialog.table, dialog.model.index(1, CHECK)
    whole = "Same message id as row 2: keep one of the two rows."
    assert index.data() == whole
    assert index.data(Qt.ItemDataRole.ToolTipRole) == whole
    table.setColumnWidth(CHECK, 120)
    option = QStyleOptionViewItem()
    table.initViewItemOption(option)  # as the view paints the cell
    table.itemDelegateForIndex(index).initStyleOption(option, index)
    shown = option.fontMetrics.elidedText(option.text, option.textElideMode, 110)
    assert shown != whole and shown.endswith("…")
    assert shown.startswith("Same message"), shown  # was "Same messag…e two rows."
