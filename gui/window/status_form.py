"""The status form, built from what the chosen system declares (core.systems FormField).

Kinds: "text" (a line edit), "choice" (a fixed list) and "int_or_preset" (a whole number
typed in, or one of the profile's named presets picked from the list). The profile's
main options (SuperOffice plugin, Bitrix24 provider code) are shown too, filled from the
profile; changing one applies to this send only and is marked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from core.exchange import StatusUpdate
    from core.profiles import Profile
    from core.systems.base import FormField, OptionSpec


def with_mnemonic(label: str, taken: set[str]) -> str:
    """Put '&' before the first letter not used by another label yet."""
    for index, char in enumerate(label):
        if char.isalpha() and char.lower() not in taken:
            taken.add(char.lower())
            return label[:index] + "&" + label[index:]
    return label


class StatusForm(QWidget):
    changed = Signal()
    submitted = Signal()  # Enter in a field: preview

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile: Profile | None = None
        self.fields: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.option_specs: dict[str, OptionSpec] = {}
        self._remembered: dict[str, dict[str, str]] = {}  # profile name -> typed values
        self._required: dict[str, bool] = {}
        self._kinds: dict[str, str] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # Labels above their fields: the column stays narrow and the traffic panes get
        # the room; "Status description (optional)" beside a field took half the column.
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.error = QLabel("")
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d93025;")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        layout.addWidget(self.error)

    # -- building ---------------------------------------------------------------------

    def set_profile(self, profile: Profile, fields: tuple[FormField, ...],
                    options: tuple[OptionSpec, ...], reserved: str = "") -> None:
        """Rebuild for a profile; what was typed for each profile comes back with it."""
        if self.profile is not None:
            self._remembered[self.profile.name] = {
                key: self.value(key) for key in self.fields if key not in self.option_specs}
        kept = self._remembered.get(profile.name, {})
        while self.form.rowCount():
            self.form.removeRow(0)
        self.profile = profile
        self.fields, self.labels, self.option_specs, self._kinds = {}, {}, {}, {}
        self._required = {}
        taken = set(reserved.lower())
        for spec in fields:
            widget = self._widget_for(spec)
            self._add_row(spec.key, spec.label, widget, spec.help, taken, spec.required)
            self._kinds[spec.key] = spec.kind
            if kept.get(spec.key):
                self.set_value(spec.key, kept[spec.key])
        for option in options:
            if option.advanced or option.choices or not option.required or option.for_auth:
                continue  # a sign-in's setting is not one to change for one send
            edit = QLineEdit(profile.option(option.key, option.default))
            edit.textChanged.connect(lambda _=None, k=option.key: self._mark_override(k))
            edit.returnPressed.connect(self.submitted)
            self.option_specs[option.key] = option
            self._kinds[option.key] = "option"
            self._add_row(option.key, option.label, edit,
                          option.help + "\nFilled from the profile; a change applies to this "
                          "send only.", taken, True)
        self.clear_invalid()

    def suggest(self, key: str, values: tuple[str, ...], where: str) -> None:
        """Offer ``values`` while the user types into a text field (the sandbox's seeded
        message ids): any part of a value finds it; Down opens the list."""
        edit = self.fields.get(key)
        if not isinstance(edit, QLineEdit) or not values:
            return
        completer = QCompleter(list(values), edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        edit.setCompleter(completer)
        edit.installEventFilter(self)
        edit.setPlaceholderText(f"e.g. {values[0]} ({where}: type or press Down to pick one "
                                f"of {len(values)})")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Down in a field with suggestions opens them, as in a browser's address bar."""
        if (isinstance(watched, QLineEdit) and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Down
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            completer = watched.completer()
            popup = None if completer is None else completer.popup()
            if completer is not None and popup is not None and not popup.isVisible():
                completer.setCompletionPrefix(watched.text())
                completer.complete()
                return True
        return super().eventFilter(watched, event)

    def _widget_for(self, spec: FormField) -> QWidget:
        if spec.kind in ("choice", "int_or_preset"):
            combo = QComboBox()
            for choice in spec.choices:
                combo.addItem(choice.label, choice.value)
            if spec.kind == "int_or_preset":
                combo.setEditable(True)
                combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
                line = combo.lineEdit()
                assert line is not None  # an editable combo box has its line edit
                line.setPlaceholderText(
                    "a whole number, or pick a preset" if spec.choices else "a whole number")
                line.returnPressed.connect(self.submitted)
                combo.editTextChanged.connect(lambda _: self.changed.emit())
            else:
                combo.setPlaceholderText("choose…")
            # Nothing chosen until the user chooses: a status is never sent by default.
            combo.setCurrentIndex(-1)
            combo.currentIndexChanged.connect(lambda _: self.changed.emit())
            return combo
        edit = QLineEdit()
        if spec.max_length:
            edit.setMaxLength(spec.max_length)
        if not spec.required:
            edit.setPlaceholderText("optional")
        edit.textChanged.connect(lambda _: self.changed.emit())
        edit.returnPressed.connect(self.submitted)
        return edit

    def _add_row(self, key: str, label: str, widget: QWidget, help_text: str,
                 taken: set[str], required: bool) -> None:
        widget.setObjectName(f"field_{key}")
        widget.setToolTip(help_text)
        caption = QLabel(with_mnemonic(label, taken) + ("" if required else " (optional)"))
        caption.setBuddy(widget)
        caption.setToolTip(help_text)
        self.fields[key] = widget
        self.labels[key] = caption
        self._required[key] = required
        self.form.addRow(caption, widget)

    # -- values -----------------------------------------------------------------------

    def value(self, key: str) -> str:
        widget = self.fields.get(key)
        if isinstance(widget, QLineEdit):
            return widget.text()
        if isinstance(widget, QComboBox):
            index = widget.currentIndex()
            if widget.isEditable():
                text = widget.currentText()
                match = widget.findText(text, Qt.MatchFlag.MatchFixedString)
                return str(widget.itemData(match)) if match >= 0 else text.strip()
            return "" if index < 0 else str(widget.itemData(index))
        return ""

    def set_value(self, key: str, value: str) -> None:
        widget = self.fields[key]
        if isinstance(widget, QLineEdit):
            widget.setText(value)
        elif isinstance(widget, QComboBox):
            index = widget.findData(value)
            if index >= 0:
                widget.setCurrentIndex(index)
            elif widget.isEditable():
                widget.setCurrentIndex(-1)
                widget.setEditText(value)

    def display_value(self, key: str) -> str:
        """The value as the user sees it (a preset's label rather than its number)."""
        widget = self.fields.get(key)
        if isinstance(widget, QComboBox):
            return widget.currentText()
        return self.value(key)

    def status_update(self) -> StatusUpdate:
        from dataclasses import fields

        from core.exchange import StatusUpdate

        # Every field of the update, by name: a field a system adds to its form needs
        # nothing here (its FormField.key is the StatusUpdate attribute).
        return StatusUpdate(**{field.name: self.value(field.name)
                               for field in fields(StatusUpdate)})

    def effective_profile(self) -> Profile | None:
        """The profile with this send's option changes applied."""
        if self.profile is None:
            return None
        changes = {key: self.value(key) for key in self.option_specs
                   if self.value(key) != self.profile.option(key)}
        if not changes:
            return self.profile
        return self.profile.with_changes(options={**self.profile.options, **changes})

    def first_missing(self) -> tuple[str, str] | None:
        """(field, message) for the first required field left empty, if any."""
        for key, label in self.labels.items():
            if self._required.get(key) and not self.value(key).strip():
                name = label.text().replace("&", "")
                verb = "Choose or type" if self._kinds.get(key) == "int_or_preset" else (
                    "Choose" if self._kinds.get(key) == "choice" else "Fill in")
                return key, f"{verb} the {name.lower()}: it is required."
        return None

    def widgets(self) -> list[QWidget]:
        return list(self.fields.values())

    # -- problems -----------------------------------------------------------------------

    def show_invalid(self, key: str, message: str) -> bool:
        """Mark the field the message is about and say it there; False (nothing shown) if
        this form has no such field."""
        self.clear_invalid()
        widget = self.fields.get(key)
        if widget is None:
            return False
        self.error.setText(message)
        self.error.show()
        widget.setProperty("invalid", True)
        widget.setStyleSheet("border: 1px solid #d93025; border-radius: 3px;")
        self.labels[key].setStyleSheet("color: #d93025;")
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def clear_invalid(self) -> None:
        self.error.hide()
        self.error.setText("")
        for key, widget in self.fields.items():
            if widget.property("invalid"):
                widget.setProperty("invalid", False)
                widget.setStyleSheet("")
                self._mark_override(key)

    def _mark_override(self, key: str) -> None:
        label = self.labels.get(key)
        if label is None:
            return
        changed = (key in self.option_specs and self.profile is not None
                   and self.value(key) != self.profile.option(key))
        font = label.font()
        font.setItalic(changed)
        label.setFont(font)
        label.setStyleSheet("")
        if key in self.option_specs:
            self.changed.emit()
