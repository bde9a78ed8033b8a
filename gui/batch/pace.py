"""How fast a batch may send: calls per second and how many at once (the burst).

Defaults are the system's own pace (core.systems: Bitrix24 2 calls/s). The burst can only
be lowered; the rate may be raised (a portal with a higher limit, the sandbox), and the
hint then says that busy answers are likely (they are retried, never lost).
"""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSpinBox, QWidget

MAX_RATE = 1000.0


class PaceBox(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        rate_label, burst_label = QLabel("&Rate"), QLabel("B&urst")
        rate_label.setBuddy(self.rate)
        burst_label.setBuddy(self.burst)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (rate_label, self.rate, burst_label, self.burst):
            layout.addWidget(widget)
        layout.addWidget(self.hint, 1)
        self._title, self._pace = "", (1.0, 1)
        self.rate.valueChanged.connect(lambda _: self._explain())

    def set_system(self, title: str, pace: tuple[float, int]) -> None:
        """The system's default pace; the burst may be lowered from it, never raised."""
        self._title, self._pace = title, pace
        self.burst.setRange(1, max(1, pace[1]))
        self.burst.setValue(pace[1])
        self.rate.setValue(pace[0])
        self._explain()

    def values(self) -> tuple[float, int]:
        return self.rate.value(), self.burst.value()

    def set_values(self, rate: float, burst: int) -> None:
        self.rate.setValue(rate)
        self.burst.setValue(burst)

    def _explain(self) -> None:
        rate, burst = self._pace
        usual = f"{self._title}'s usual pace: {rate:g} calls/s, {burst} at once."
        if self.rate.value() > rate:
            self.hint.setStyleSheet("color: #b36b00;")
            self.hint.setText(f"Faster than {usual} Expect busy answers; they are retried.")
        else:
            self.hint.setStyleSheet("")
            self.hint.setText(usual)
