"""How fast a batch may send: calls per second and how many at once (the burst), a
documented plan as a preset, and how long the rows will take at that pace.

Defaults are the system's own pace (core.systems: Bitrix24 2 calls/s). The burst can only
be lowered from the chosen plan's (the usual pace's when none is chosen); the rate may be
raised (a portal with a higher limit, the sandbox), and the hint then says that busy
answers are likely (they are retried, never lost, and the run slows down to the limit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.pacing import duration_words, pacing_seconds

if TYPE_CHECKING:
    from core.pacing import PacePlan

MAX_RATE = 1000.0


class PaceBox(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = QComboBox()
        self.plan.setObjectName("batchPlan")
        self.plan.setToolTip("The portal's documented limit, as rate and burst")
        self.rate = QDoubleSpinBox()
        self.rate.setObjectName("batchRate")
        self.rate.setDecimals(1)
        self.rate.setRange(0.1, MAX_RATE)
        self.rate.setSuffix(" calls/s")
        self.rate.setToolTip("At most this many calls per second; the run never goes faster")
        self.burst = QSpinBox()
        self.burst.setObjectName("batchBurst")
        self.burst.setRange(1, 1)
        self.burst.setToolTip("At most this many calls in quick succession before the rate "
                              "applies; lower it to be gentler")
        self.hint = QLabel("")
        self.hint.setObjectName("paceHint")
        self.hint.setWordWrap(True)
        self.estimate = QLabel("")
        self.estimate.setObjectName("batchEstimate")
        plan_label, rate_label, burst_label = QLabel("Pla&n"), QLabel("&Rate"), QLabel("B&urst")
        plan_label.setBuddy(self.plan)
        rate_label.setBuddy(self.rate)
        burst_label.setBuddy(self.burst)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (plan_label, self.plan, rate_label, self.rate, burst_label, self.burst):
            row.addWidget(widget)
        row.addWidget(self.hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.estimate)
        self._title, self._pace = "", (1.0, 1)
        self._plans: list[tuple[float, int]] = []
        self._rows = 0
        self.rate.valueChanged.connect(lambda _: self._explain())
        self.burst.valueChanged.connect(lambda _: self._explain())
        self.plan.currentIndexChanged.connect(self._plan_chosen)

    def set_system(self, title: str, pace: tuple[float, int],
                   plans: tuple[PacePlan, ...] = ()) -> None:
        """The system's default pace and its documented plans; the burst may be lowered
        from the chosen one's, never raised."""
        self._title, self._pace = title, pace
        self._plans = [pace, *((plan.rate, plan.burst) for plan in plans)]
        self.plan.blockSignals(True)
        self.plan.clear()
        self.plan.addItem(f"Usual pace ({pace[0]:g} calls/s, bursts of {pace[1]})")
        for plan in plans:
            self.plan.addItem(plan.title)
        self.plan.setCurrentIndex(0)
        self.plan.blockSignals(False)
        self.plan.setVisible(bool(plans))
        self._plan_chosen(0)

    def values(self) -> tuple[float, int]:
        return self.rate.value(), self.burst.value()

    def set_values(self, rate: float, burst: int) -> None:
        self.rate.setValue(rate)
        self.burst.setValue(burst)

    def set_rows(self, rows: int) -> None:
        """How many rows Send (or Resume) would send: the estimate is for them."""
        self._rows = rows
        self._explain()

    def estimate_text(self) -> str:
        rate, burst = self.values()
        if not self._rows:
            return ""
        took = duration_words(pacing_seconds(self._rows, rate, burst))
        return f"{self._rows:,} rows at {rate:g} calls/s, {burst} at once: {took}."

    def _plan_chosen(self, index: int) -> None:
        if not 0 <= index < len(self._plans):
            return
        rate, burst = self._plans[index]
        self.burst.setRange(1, max(1, burst))
        self.set_values(rate, burst)
        self._explain()

    def _explain(self) -> None:
        rate, burst = self._pace
        index = self.plan.currentIndex()
        whose = f"{self._title}'s usual pace"
        if 0 < index < len(self._plans):
            rate, burst = self._plans[index]
            whose = "the plan's limit"
        usual = f"{whose}: {rate:g} calls/s, {burst} at once."
        if self.rate.value() > rate:
            self.hint.setStyleSheet("color: #b36b00;")
            self.hint.setText(f"Faster than {usual} Expect busy answers; they are retried "
                              "and the run slows down to the limit they show.")
        else:
            self.hint.setStyleSheet("")
            self.hint.setText(usual[0].upper() + usual[1:])
        self.estimate.setText(self.estimate_text())
