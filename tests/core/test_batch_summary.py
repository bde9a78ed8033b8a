"""What a batch comes to: 0 only when every row was applied, else the worst row's kind."""

from __future__ import annotations

import pytest

from core.batch import BatchSummary
from core.exchange import OutcomeKind

K = OutcomeKind


@pytest.mark.parametrize(
    ("summary", "worst", "verdict"),
    [
        (BatchSummary(rows=3, done=3), K.DONE, ""),
        (BatchSummary(rows=3, done=1, skipped=2), K.DONE, ""),
        (BatchSummary(rows=2, done=2, invalid=1), K.BAD_INPUT,
         "Not every row was applied: 1 invalid (never sent)."),
        (BatchSummary(rows=3, done=2, failed=1, kinds={"refused": 1}), K.REFUSED,
         "Not every row was applied: 1 refused by the system."),
        (BatchSummary(rows=4, done=1, failed=3, invalid=2,
                      kinds={"refused": 2, "transport": 1}), K.TRANSPORT,
         "Not every row was applied: 1 failed on the network or transport, 2 invalid "
         "(never sent), 2 refused by the system."),
        (BatchSummary(rows=5, done=1, failed=1, kinds={"credentials": 1}, stopped="x"),
         K.CREDENTIALS, "Not every row was applied: 1 with rejected credentials, 3 not sent."),
        (BatchSummary(rows=1500, done=0, failed=1500, kinds={"refused": 1500}), K.REFUSED,
         "Not every row was applied: 1,500 refused by the system."),
    ],
)
def test_the_worst_row_decides_and_the_verdict_says_how_many(summary, worst, verdict):
    assert summary.worst is worst
    assert summary.verdict == verdict
