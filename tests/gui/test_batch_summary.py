"""The batch window's summary says what the CLI says about rows possibly applied."""

from __future__ import annotations

from core.batch import BatchSummary
from gui.batch.results import summary_text


def test_rows_sent_again_after_an_unknown_outcome_are_named() -> None:
    summary = BatchSummary(rows=3, done=3, possibly_applied=[2, 4], resent=[2, 4])
    text = summary_text(summary, invalid=0)
    assert "Sent again: rows 2, 4." in text and "possibly applied already" in text
    assert "Sent again" not in summary_text(BatchSummary(rows=1, done=1), invalid=0)


def test_the_verdict_follows_the_counts_and_failures_on_its_own_line() -> None:
    summary = BatchSummary(rows=2, done=1, failed=1, failures={"ERROR_MESSAGE_NOT_FOUND": 1},
                           kinds={"refused": 1}, invalid=1)
    assert summary_text(summary, invalid=1).splitlines() == [
        "1 done, 1 failed, 1 invalid (never sent); 0 retries. Failures: "
        "ERROR_MESSAGE_NOT_FOUND ×1",
        "Not every row was applied: 1 invalid (never sent), 1 refused by the system."]
