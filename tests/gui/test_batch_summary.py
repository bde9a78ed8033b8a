"""The batch window's summary says what the CLI says about rows possibly applied."""

from __future__ import annotations

from core.batch import BatchSummary
from gui.batch.results import summary_text


def test_rows_sent_again_after_an_unknown_outcome_are_named() -> None:
    summary = BatchSummary(rows=3, done=3, possibly_applied=[2, 4], resent=[2, 4])
    text = summary_text(summary, invalid=0)
    assert "Sent again: rows 2, 4." in text and "possibly applied already" in text
    assert "Sent again" not in summary_text(BatchSummary(rows=1, done=1), invalid=0)
