"""The wizard's payments page: a "Use …" box and a service box per declared payment processor,
and "Set up payments later"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from ..integrations import registry
from .service_box import ServiceBox
from .widgets import scrolling
from .wizard_pages import CredentialPage

if TYPE_CHECKING:
    from .wizard import SetupWizard


class PaymentsPage(CredentialPage):
    """Every payment service, each with a "Use …" box, and "Set up payments later"."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("page_payments")
        self.setTitle(self.tr("Connect your payment processor"))
        names = [registry.display_name(s) for s in registry.PAYMENT_IDS]
        either = (self.tr("Use %s, or both.") % self.tr(" or ").join(names) if len(names) == 2
                  else self.tr("Use %s, or several.") % ", ".join(names) if len(names) > 2 else "")
        self.setSubTitle(self.tr("%s Test each one before you go on.") % either if either
                         else self.tr("Test it before you go on."))

    def build(self) -> None:
        wizard, profile = self.setup, self.setup.profile
        self.later = QCheckBox(self.tr("Set up payments &later"))
        self.later.setObjectName("payments_later")
        self.registerField("payments.later", self.later)
        self.use: dict[str, QCheckBox] = {}
        self.payment_boxes: dict[str, ServiceBox] = {}
        self.groups: dict[str, QGroupBox] = {}
        choices = QHBoxLayout()
        content = QWidget()
        column = QVBoxLayout(content)
        for service_id in registry.PAYMENT_IDS:
            name = registry.display_name(service_id)
            use = self.use[service_id] = QCheckBox(self.tr("Use &%s") % name)
            use.setObjectName(f"use_{service_id}")
            self.registerField(f"payments.{service_id}", use)
            box = self.payment_boxes[service_id] = self.watch(ServiceBox(wizard, service_id))
            group = self.groups[service_id] = QGroupBox(name)
            QVBoxLayout(group).addWidget(box)
            choices.addWidget(use)
            column.addWidget(group)
        choices.addWidget(self.later)
        choices.addStretch(1)
        column.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(choices)
        layout.addWidget(scrolling(content), 1)
        layout.addWidget(self.untested_box)
        for service_id, box in self.payment_boxes.items():
            wizard.prefill(box)
            self.use[service_id].setChecked(service_id in profile.payments)
        self.later.setChecked(profile.payments_later)
        self.untested_box.setChecked(bool(set(self.payment_boxes) & wizard.untested))
        self._ticked_before_later: list[str] = []
        self.later.toggled.connect(self._later_toggled)
        for check in (*self.use.values(), self.later):
            check.toggled.connect(self._choices_changed)
        for use in self.use.values():
            use.setEnabled(not self.later.isChecked())
        self._choices_changed()

    def _later_toggled(self, later: bool) -> None:
        """"Later" clears the processors (nothing half-chosen shows); unticked again, they come back
        as they were, with what was typed in them."""
        if later:
            self._ticked_before_later = [s for s, use in self.use.items() if use.isChecked()] or self._ticked_before_later
        for service_id, use in self.use.items():
            use.setChecked(not later and service_id in self._ticked_before_later)
            use.setEnabled(not later)

    def _choices_changed(self) -> None:
        later = self.later.isChecked()
        for service_id, use in self.use.items():
            self.groups[service_id].setVisible(use.isChecked() and not later)
        self.completeChanged.emit()

    def chosen(self) -> list[str]:
        """The payment services in use, as ticked now."""
        if self.later.isChecked():
            return []
        return [service_id for service_id, use in self.use.items() if use.isChecked()]

    def boxes(self) -> list[ServiceBox]:
        return [self.payment_boxes[service_id] for service_id in self.chosen()]

    def all_boxes(self) -> dict[str, ServiceBox]:
        return self.payment_boxes

    def isComplete(self) -> bool:
        if not (self.later.isChecked() or self.chosen()):
            return False
        return super().isComplete()
