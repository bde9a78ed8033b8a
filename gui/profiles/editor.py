"""The editable fields of one profile, built from the system's declared options.

Reads and writes a core Profile; validation is the system's own (validate_profile), and a
problem is shown next to the field it names. An option shows only where it applies to the
sign-in chosen (OptionSpec.applies, live as the choice changes); a saved profile keeps
only those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.profiles import (
    DEFAULT_MAX_RESPONSE_MB,
    DEFAULT_TIMEOUT,
    MAX_RESPONSE_MB_RANGE,
    Profile,
)
from gui.widgets.wheel import wheel_only_when_focused

if TYPE_CHECKING:
    from core.systems.base import OptionSpec, TargetSystem


def section(title: str) -> QGroupBox:
    """A titled part of the form without a frame of its own: its fields stay in line with
    the fields above it (a framed box moved them right by its margin)."""
    box = QGroupBox(title)
    box.setFlat(True)
    return box


def flush_left(layout: QLayout) -> None:
    margins = layout.contentsMargins()
    layout.setContentsMargins(0, margins.top(), 0, margins.bottom())


class ProfileEditor(QWidget):
    system_changed = Signal(str)
    choice_changed = Signal()  # an option with choices (e.g. auth) may change the secrets
    edited = Signal()

    def __init__(self, systems: dict[str, TargetSystem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.systems = systems
        self.existing = False
        self.name = QLineEdit()
        self.name.setObjectName("profileName")
        self.name.setPlaceholderText("e.g. Acme SuperOffice")
        self.system = wheel_only_when_focused(QComboBox())
        self.system.setObjectName("profileSystem")
        for key, system in systems.items():
            self.system.addItem(system.title, key)
        # A new profile starts with no system: one kept from the last profile shown let a
        # SuperOffice plugin name land in Bitrix24's "Provider code".
        self.system.setPlaceholderText("Choose the customer's system")
        self.system.currentIndexChanged.connect(self._system_changed)
        self.base_url = QLineEdit()
        self.base_url.setObjectName("profileUrl")
        self.production = QCheckBox("Production: ask before every send")
        self.production.setObjectName("profileProduction")
        self.presets = QPlainTextEdit()
        self.presets.setObjectName("profilePresets")
        self.presets.setPlaceholderText("One per line:  Delivered = 2")
        self.presets.setTabChangesFocus(True)
        self.presets.setMaximumHeight(80)
        self.presets_label = QLabel("Status p&resets")
        self.presets_label.setBuddy(self.presets)
        self.timeout = wheel_only_when_focused(QDoubleSpinBox())
        self.timeout.setRange(1, 600)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(DEFAULT_TIMEOUT)
        self.size_limit = wheel_only_when_focused(QDoubleSpinBox())
        self.size_limit.setRange(*MAX_RESPONSE_MB_RANGE)
        self.size_limit.setDecimals(1)
        self.size_limit.setSuffix(" MB")
        self.size_limit.setValue(DEFAULT_MAX_RESPONSE_MB)
        self.size_limit.setToolTip("Answers larger than this are cut off (and said so)")
        self.ca_bundle = QLineEdit()
        self.ca_bundle.setPlaceholderText("system certificates")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(browse)
        self.proxy = QLineEdit()
        self.proxy.setPlaceholderText("none, e.g. http://proxy:3128")
        self.problem = QLabel("")
        self.problem.setObjectName("profileProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #d93025;")
        self.problem.hide()

        self.main_form = QFormLayout()
        self.main_form.addRow("&Name", self.name)
        self.main_form.addRow("S&ystem", self.system)
        self.main_form.addRow("&Address", self.base_url)
        self.option_form = QFormLayout()
        self.advanced = section("Advanced")
        self.advanced_form = QFormLayout()
        fixed_form = QFormLayout()
        fixed_form.addRow("Time&out", self.timeout)
        fixed_form.addRow("Answer si&ze limit", self.size_limit)
        fixed_form.addRow("CA bundle", ca_row)
        fixed_form.addRow("Pro&xy", self.proxy)
        advanced_layout = QVBoxLayout(self.advanced)
        flush_left(advanced_layout)
        advanced_layout.addLayout(self.advanced_form)
        advanced_layout.addLayout(fixed_form)
        self.option_widgets: dict[str, QWidget] = {}
        self.option_specs: dict[str, OptionSpec] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.main_form)
        layout.addLayout(self.option_form)
        presets_form = QFormLayout()
        presets_form.addRow(self.presets_label, self.presets)
        layout.addLayout(presets_form)
        self._forms = (self.main_form, self.option_form, presets_form, self.advanced_form,
                       fixed_form)
        layout.addWidget(self.production)
        layout.addWidget(self.problem)
        # self.advanced (transport, timeout, CA bundle, proxy) is placed by the dialog,
        # below the credentials, which matter more.
        for widget in (self.name, self.base_url, self.proxy, self.ca_bundle):
            widget.textChanged.connect(self.edited)
        self.presets.textChanged.connect(self.edited)
        self.production.toggled.connect(self.edited)
        self._build_options()

    def labels(self) -> list[QWidget]:
        """The labels of every field, to give them one width (the dialog lines them up)."""
        found: list[QWidget] = []
        for form in self._forms:
            for row in range(form.rowCount()):
                item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                label = item.widget() if item is not None else None
                if label is not None:
                    found.append(label)
        return found

    # -- options of the chosen system ---------------------------------------------------

    def system_key(self) -> str:
        """The chosen system's key; '' while none is chosen (a new profile)."""
        key = self.system.currentData()
        return "" if key is None else str(key)

    def _system_changed(self, _index: int) -> None:
        self._build_options()
        self.system_changed.emit(self.system_key())
        self.edited.emit()

    def _build_options(self) -> None:
        for form in (self.option_form, self.advanced_form):
            while form.rowCount():
                form.removeRow(0)
        self.option_widgets = {}
        self.option_specs = {}
        if not self.system_key():
            self.base_url.setPlaceholderText("choose the system first")
            self.presets.setVisible(False)
            self.presets_label.setVisible(False)
            return
        system = self.systems[self.system_key()]
        self.base_url.setToolTip(f"The {system.title} address; a pasted service address "
                                 "is trimmed to its base.")
        self.base_url.setPlaceholderText(system.address_example)
        for option in system.options:
            widget: QWidget
            if option.choices:
                combo = wheel_only_when_focused(QComboBox())
                for choice in option.choices:
                    combo.addItem(choice.label, choice.value)
                combo.setCurrentIndex(max(0, combo.findData(option.default)))
                # First show the options of the new choice, then tell the others.
                combo.currentIndexChanged.connect(lambda _: self._show_applicable())
                combo.currentIndexChanged.connect(lambda _: self.edited.emit())
                combo.currentIndexChanged.connect(lambda _: self.choice_changed.emit())
                widget = combo
            else:
                line = QLineEdit(option.default)
                line.setPlaceholderText(option.example)
                line.textChanged.connect(lambda _: self.edited.emit())
                widget = line
            widget.setObjectName(f"option_{option.key}")
            widget.setToolTip(option.help)
            # Required: where it applies (a username only for password sign-in).
            label = option.label + ("" if option.required or option.choices else " (optional)")
            (self.advanced_form if option.advanced else self.option_form).addRow(label, widget)
            self.option_widgets[option.key] = widget
            self.option_specs[option.key] = option
        self._show_applicable()
        self._order_tabs()
        probe = Profile("probe", self.system_key(), "https://example.invalid")
        uses_presets = any(f.kind == "int_or_preset" for f in system.form_fields(probe))
        self.presets.setVisible(uses_presets)
        self.presets_label.setVisible(uses_presets)

    def _order_tabs(self) -> None:
        """Tab goes down the form as it reads: the options are made after the fixed fields
        below them, so creation order would jump from Address to Production."""
        main = [self.option_widgets[o.key] for o in self.option_specs.values()
                if not o.advanced]
        chain = [self.name, self.system, self.base_url, *main, self.presets, self.production]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def option_values(self) -> dict[str, str]:
        """Every option as typed or chosen, those hidden for the current sign-in included."""
        return {key: (str(widget.currentData()) if isinstance(widget, QComboBox)
                      else widget.text().strip())  # type: ignore[attr-defined]
                for key, widget in self.option_widgets.items()}

    def applicable_options(self) -> dict[str, str]:
        """The options that matter with the sign-in chosen now (what a saved profile keeps)."""
        values = self.option_values()
        return {key: value for key, value in values.items()
                if value and self.option_specs[key].applies(values)}

    def _show_applicable(self) -> None:
        """Show each option only where it applies to the sign-in (auth) chosen now."""
        values = self.option_values()
        for key, widget in self.option_widgets.items():
            shown = self.option_specs[key].applies(values)
            for form in (self.option_form, self.advanced_form):
                if form.indexOf(widget) >= 0:
                    form.setRowVisible(widget, shown)

    def offer(self, key: str, names: tuple[str, ...]) -> None:
        """Values a connection test listed (plugins, provider codes) as completions."""
        widget = self.option_widgets.get(key)
        if isinstance(widget, QLineEdit) and names:
            completer = QCompleter(list(names), widget)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
            widget.setCompleter(completer)

    # -- profile in and out -------------------------------------------------------------

    def load(self, profile: Profile | None) -> None:
        """Show a stored profile, or empty fields for a new one (None)."""
        self.existing = profile is not None
        self.clear_problem()
        self.name.setReadOnly(self.existing)
        self.name.setToolTip("Credentials are stored under the profile's name, so it cannot "
                             "be renamed; create a new profile instead." if self.existing
                             else "Letters, digits, spaces, dots, dashes, underscores.")
        self.system.setEnabled(not self.existing)
        if profile is None:
            self.system.setCurrentIndex(-1)
            self.name.clear()
            self.base_url.clear()
            self.presets.clear()
            self.production.setChecked(False)
            self.timeout.setValue(DEFAULT_TIMEOUT)
            self.size_limit.setValue(DEFAULT_MAX_RESPONSE_MB)
            self.ca_bundle.clear()
            self.proxy.clear()
            self._build_options()
            return
        self.system.setCurrentIndex(max(0, self.system.findData(profile.system)))
        self._build_options()
        self.name.setText(profile.name)
        self.base_url.setText(profile.base_url)
        for key, widget in self.option_widgets.items():
            value = profile.options.get(key)
            if value is None:
                continue
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
            elif isinstance(widget, QLineEdit):
                widget.setText(value)
        self.presets.setPlainText("\n".join(f"{k} = {v}" for k, v in profile.presets.items()))
        self.production.setChecked(profile.production)
        self.timeout.setValue(profile.timeout)
        self.size_limit.setValue(profile.max_response_mb)
        self.ca_bundle.setText(profile.ca_bundle or "")
        self.proxy.setText(profile.proxy or "")
        self._show_applicable()

    def profile(self) -> Profile:
        """The profile as edited; raises core's InvalidInput/ProfileError naming a field."""
        from core.profiles import ProfileError, check_profile_name
        from core.proxy import check_proxy
        from core.systems.base import InvalidInput

        if not self.system_key():
            raise InvalidInput("system", "Choose the customer's system first: SuperOffice "
                               "or Bitrix24.")
        system = self.systems[self.system_key()]
        name = self.name.text().strip()
        check_profile_name(name)
        options = self.applicable_options()
        presets: dict[str, int] = {}
        for number, line in enumerate(self.presets.toPlainText().splitlines(), 1):
            if not line.strip():
                continue
            label, equals, value = line.rpartition("=")
            try:
                presets[label.strip()] = int(value.strip())
            except ValueError:
                equals = ""
            if not equals or not label.strip():
                raise InvalidInput("presets", f"Preset line {number} ({line.strip()!r}) is "
                                   "not 'Name = whole number'.")
        proxy = self.proxy.text().strip() or None
        if proxy:  # a password in it is refused here, at the field: it goes to the keyring
            try:
                check_proxy(proxy)
            except ProfileError as exc:
                raise InvalidInput("proxy", str(exc), getattr(exc, "hint", None)) from None
        profile = Profile(
            name=name,
            system=system.key,
            base_url=system.normalize_base_url(self.base_url.text()),
            options=options,
            presets=presets,
            production=self.production.isChecked(),
            ca_bundle=self.ca_bundle.text().strip() or None,
            proxy=proxy,
            timeout=self.timeout.value(),
            max_response_mb=self.size_limit.value(),
        )
        system.validate_profile(profile)
        return profile

    # -- problems -----------------------------------------------------------------------

    def show_problem(self, field: str, message: str) -> None:
        self.clear_problem()
        self.problem.setText(message)
        self.problem.show()
        widget = {"url": self.base_url, "name": self.name, "presets": self.presets,
                  "system": self.system, "proxy": self.proxy}.get(field) \
            or self.option_widgets.get(field)
        if widget is not None:
            widget.setStyleSheet("border: 1px solid #d93025;")
            widget.setProperty("invalid", True)
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_problem(self) -> None:
        self.problem.hide()
        for widget in (self.base_url, self.name, self.presets, self.proxy,
                       *self.option_widgets.values()):
            if widget.property("invalid"):
                widget.setStyleSheet("")
                widget.setProperty("invalid", False)

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "CA bundle", "",
                                              "Certificates (*.pem *.crt);;All files (*)")
        if path:
            self.ca_bundle.setText(path)
