"""Profiles dialog: Export… and Import… of profile packs (core.profile_packs).

Reading, writing and the keyring run as jobs. An import shows first what it adds and
replaces (ImportPreview); nothing is written until the person says Import. Afterwards each
profile says which credentials to store, with the dialog's own buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.hints import window_step
from gui.widgets.errors import explain

if TYPE_CHECKING:
    from core.desk import Desk
    from core.profile_packs import ImportPlan
    from gui.jobs import Jobs

# (parent, title, saving) -> the chosen path, or "" when the person cancelled
PickFile = Callable[[QWidget, str, bool], str]
PACK_FILTER = "Profile packs (*.json);;All files (*)"


def ask_for_file(parent: QWidget, title: str, saving: bool) -> str:
    if saving:
        path, _ = QFileDialog.getSaveFileName(parent, title, "profiles-pack.json", PACK_FILTER)
    else:
        path, _ = QFileDialog.getOpenFileName(parent, title, "", PACK_FILTER)
    return path


@dataclass(frozen=True)
class Plans:
    """An import both ways: keeping existing names (refusing them) and replacing them."""

    keep: ImportPlan
    replace: ImportPlan


class ImportPreview(QDialog):
    """What importing the pack would add and replace; Import applies it."""

    def __init__(self, plans: Plans, titles: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import profiles")
        self.setObjectName("importPreview")
        self.plans = plans
        self.titles = titles
        self.intro = QLabel(f"From {plans.keep.source}:")
        self.intro.setWordWrap(True)
        self.table = QTreeWidget()
        self.table.setObjectName("importRows")
        self.table.setHeaderLabels(["Profile", "System", "Address", "Import"])
        self.table.setRootIsDecorated(False)
        self.replace = QCheckBox("&Replace profiles of the same name")
        self.replace.setEnabled(bool(plans.keep.refused))
        self.replace.toggled.connect(self._show)
        self.verdict = QLabel()
        self.verdict.setObjectName("importVerdict")
        self.verdict.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("&Import",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.intro, self.table, self.replace, self.verdict, self.buttons):
            layout.addWidget(widget)
        self.resize(640, 360)
        self._show()

    @property
    def plan(self) -> ImportPlan:
        return self.plans.replace if self.replace.isChecked() else self.plans.keep

    def rows(self) -> list[tuple[str, str]]:
        """(profile, what happens to it), as shown."""
        items = (self.table.topLevelItem(i) for i in range(self.table.topLevelItemCount()))
        return [(item.text(0), item.text(3)) for item in items if item is not None]

    def _show(self) -> None:
        from core.profile_packs import summary

        plan = self.plan
        self.table.clear()
        for profile in plan.profiles:
            action = ("replaces the existing one" if profile.name in plan.replaced
                      else "exists already: not imported" if profile.name in plan.refused
                      else "adds it")
            QTreeWidgetItem(self.table, [profile.name, self.titles.get(profile.system,
                                                                        profile.system),
                                         profile.base_url, action])
        for column in range(4):
            self.table.resizeColumnToContents(column)
        if plan.refused:
            self.verdict.setText(f"{summary(plan)} Tick Replace to overwrite them with the "
                                 "pack's, or import nothing.")
        else:
            self.verdict.setText(f"{summary(plan)} Credentials are not in a pack: store "
                                 "them afterwards.")
        self.import_button.setEnabled(plan.can_apply)


class PackActions(QObject):
    """Export… and Import… for the Profiles dialog; reports by signals."""

    said = Signal(str)  # a result line for the dialog
    problem = Signal(str, str)  # headline, advice
    imported = Signal(list, str)  # the names imported, what to do next (the dialog reloads)

    def __init__(self, desk: Desk, jobs: Jobs, parent: QWidget, titles: dict[str, str],
                 pick_file: PickFile = ask_for_file) -> None:
        super().__init__(parent)
        self.desk, self.jobs, self.parent_widget = desk, jobs, parent
        self.titles, self.pick_file = titles, pick_file
        self.preview: ImportPreview | None = None

    def export(self) -> None:
        path = self.pick_file(self.parent_widget, "Export profiles", True)
        if not path:
            return
        from core import profile_packs as packs

        desk = self.desk

        def work() -> list[str]:
            profiles = desk.profiles.load()
            packs.write_pack(Path(path), profiles)
            return [p.name for p in profiles]

        def done(names: list[str]) -> None:
            self.said.emit(f"Exported {len(names)} profile{'s' * (len(names) != 1)} to "
                           f"{path}: {', '.join(names)}. Credentials are not in it.")

        self.jobs.start("Exporting profiles", work, done, self._failed("Exporting"),
                        cancellable=False)

    def import_(self) -> None:
        path = self.pick_file(self.parent_widget, "Import profiles", False)
        if not path:
            return
        from core import profile_packs as packs

        store = self.desk.profiles

        def work() -> Plans:
            profiles = packs.read_pack(Path(path))
            return Plans(packs.plan_import(store, path, profiles, replace=False),
                         packs.plan_import(store, path, profiles, replace=True))

        self.jobs.start("Reading the pack", work, self._preview, self._failed("Importing"),
                        cancellable=False)

    def _preview(self, plans: Plans) -> None:
        self.preview = ImportPreview(plans, self.titles, self.parent_widget)
        self.preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.preview.accepted.connect(lambda: self._apply(self.preview.plan
                                                          if self.preview else plans.keep))
        self.preview.finished.connect(lambda _: setattr(self, "preview", None))
        self.preview.open()

    def _apply(self, plan: ImportPlan) -> None:
        from core import profile_packs as packs
        from core.secrets import SecretStoreError

        desk = self.desk

        def forget(name: str, field: str) -> None:
            try:
                desk.secrets.delete(name, field)
            except SecretStoreError:
                pass  # the next call's sign-in checks it against the new address

        def work() -> list[tuple[str, list[str]]]:
            packs.apply_import(desk.profiles, plan, forget)

            def stored(name: str) -> Callable[[str], bool]:
                def has(field: str) -> bool:
                    try:
                        return bool(desk.secrets.get(name, field))
                    except SecretStoreError:
                        return False
                return has

            return [(p.name, [window_step(h, in_profiles=True) for h in
                              packs.steps_after_import(p, stored(p.name))])
                    for p in plan.profiles]

        def done(steps: list[tuple[str, list[str]]]) -> None:
            lines = [f"Imported {packs.summary(plan)[len('The pack '):]}"]
            for name, todo in steps:
                lines.append(f"{name}: " + (" ".join(todo) if todo
                                            else "its credentials are stored already."))
            self.imported.emit([p.name for p in plan.profiles], "\n".join(lines))

        self.jobs.start("Importing profiles", work, done, self._failed("Importing"),
                        cancellable=False)

    def _failed(self, doing: str) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            told = explain(exc, doing, in_profiles=True)
            self.problem.emit(told.headline, told.advice)
        return failed
