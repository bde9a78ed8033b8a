"""Building one controller without the main window: a Desk, jobs, the widgets it drives,
and a Notices whose lines and messages the test can read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtWidgets import QMessageBox, QWidget

from core.desk import Desk
from core.profiles import Profile
from gui.jobs import Jobs
from gui.notices import Message, Notices
from gui.window.status_form import StatusForm


@dataclass
class Told:
    """What a controller told the person through its Notices."""

    lines: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    def headlines(self) -> list[str]:
        return [message.headline for message in self.messages]


def notices_read(owner: QWidget) -> tuple[Notices, Told]:
    notices, told = Notices(owner), Told()
    notices.line.connect(lambda text, _ms: told.lines.append(text))
    notices.message.connect(told.messages.append)
    return notices, told


@dataclass
class Asked:
    """A stand-in for the question a controller asks: records it; ``yes()`` answers it."""

    questions: list[tuple[str, str, str, Callable[[], object]]] = field(default_factory=list)

    def __call__(self, title: str, text: str, yes: str, on_yes: Callable[[], object]
                 ) -> QMessageBox:
        self.questions.append((title, text, yes, on_yes))
        return QMessageBox()

    def yes(self) -> None:
        self.questions.pop()[3]()


def owner_and_jobs(qtbot) -> tuple[QWidget, Jobs]:
    owner = QWidget()
    qtbot.addWidget(owner)
    return owner, Jobs(owner)


def form_for(desk: Desk, name: str, owner: QWidget) -> tuple[StatusForm, Profile]:
    from core.systems import get_system

    profile = desk.profiles.get(name)
    system = get_system(profile.system)
    form = StatusForm(owner)
    form.set_profile(profile, system.form_fields(profile), system.options, reserved="pvshrfti")
    return form, profile
