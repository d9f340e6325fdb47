"""The wizard's page kinds (lazy, credential) and its license, CRM choice, CRM credentials and summary
pages (the welcome, site and payments pages have modules of their own). Each credential page holds
service boxes built from the declarations (`service_box`); the wizard (`wizard.SetupWizard`) holds
the page graph, the prefill and the one save at Finish."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ..integrations import Status, registry
from .service_box import ServiceBox
from .widgets import ChoiceGroup, Mnemonics, StatusBadge, alt_letter, plain_text, result_text, scrolling

if TYPE_CHECKING:
    from .wizard import SetupWizard

class LazyPage(QWizardPage):
    """A page that builds its widgets when first shown, or first asked for: opening the wizard
    builds only the page it starts on, not a dozen credential forms.

    Asking for a widget the page has not built yet (`wizard.payments.payment_boxes`) builds the page
    first (`__getattr__`), so callers need not know which pages were shown.
    """

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.setup = wizard
        self._built = False
        self.mnemonics = Mnemonics(self, self._wizard_letters)
        wizard.currentIdChanged.connect(self._arrived)

    def ensure_built(self) -> None:
        if not self._built:
            self._built = True
            self.build()

    @property
    def built(self) -> bool:
        return self._built

    def build(self) -> None:
        raise NotImplementedError

    def initializePage(self) -> None:
        self.ensure_built()
        self.mnemonics.refresh()

    def _wizard_letters(self) -> list[str]:
        buttons = (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                   QWizard.WizardButton.FinishButton, QWizard.WizardButton.CommitButton, QWizard.WizardButton.HelpButton)
        return [alt_letter(self.setup.buttonText(which)) for which in buttons]

    def _arrived(self, page_id: int) -> None:
        if self.setup.currentPage() is self:  # after QWizard focused the first tab stop itself
            self.focus_first_input()

    def focus_first_input(self) -> None:
        """Put the cursor where the owner starts typing (by default, where QWizard put it)."""

    def __getattr__(self, name: str):
        if name.startswith("__") or self.__dict__.get("_built", True):
            raise AttributeError(name)
        self.ensure_built()
        return getattr(self, name)


class CredentialPage(LazyPage):
    """A page whose Next needs its services tested ok, or an explicit "continue untested"."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.untested_box = QCheckBox(self.tr("Continue &without a passing test (I'll fix it later)"))
        self.untested_box.setObjectName(f"untested_{type(self).__name__}")
        self.untested_box.setToolTip(self.tr("Your values are saved as entered and marked untested on the Summary."))
        self.untested_box.toggled.connect(self._untested_toggled)

    def boxes(self) -> list[ServiceBox]:
        """The service boxes in use on this page right now."""
        raise NotImplementedError

    def all_boxes(self) -> dict[str, ServiceBox]:
        """Every service box the page has built, in use or not."""
        raise NotImplementedError

    def box(self, service_id: str) -> ServiceBox:
        return self.all_boxes()[service_id]

    def _untested_toggled(self, on: bool) -> None:
        for box in self.boxes():
            if on and not box.passed():
                self.setup.untested.add(box.service_id)
            else:
                self.setup.untested.discard(box.service_id)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        boxes = self.boxes()
        if any(box.running for box in boxes):
            return False
        for box in boxes:
            if box.passed():
                continue
            if not (self.untested_box.isChecked() and box.integration.check_format(box.values()).ok):
                return False
        return True

    def validatePage(self) -> bool:
        self._untested_toggled(self.untested_box.isChecked())
        return True

    def cleanupPage(self) -> None:
        for box in self.boxes():
            box.cancel_test()

    def focus_first_input(self) -> None:
        """The first empty field of the page, else its first field."""
        inputs = [widget for box in self.boxes() for form in box.forms() if form.isVisibleTo(self)
                  for widget in form.inputs.values() if widget.isVisibleTo(self) and widget.isEnabled()]
        empty = [widget for widget in inputs if isinstance(widget, QLineEdit) and not widget.text()]
        if empty or inputs:
            (empty or inputs)[0].setFocus()

    def keyPressEvent(self, event) -> None:
        """Esc while something runs stops it; only the next Esc asks to close the wizard."""
        from PySide6.QtCore import Qt  # on a key press, never at start-up

        if event.key() == Qt.Key.Key_Escape and self.stop_running():
            event.accept()
            return
        super().keyPressEvent(event)

    def stop_running(self) -> bool:
        """Cancel the tests running on the page; whether there was one."""
        running = [box for box in self.boxes() if box.running]
        for box in running:
            box.cancel_test()
        return bool(running)

    def watch(self, box: ServiceBox) -> ServiceBox:
        box.changed.connect(self.completeChanged)
        box.register(self)
        return box


class LicensePage(CredentialPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("page_license")
        self.setTitle(self.tr("Your AccessAlly license"))
        self.setSubTitle(self.tr("Enter the e-mail you bought AccessAlly with, your serial key and your site's "
                                 "address, then click Check license."))

    def build(self) -> None:
        self.license_boxes = {service_id: self.watch(ServiceBox(self.setup, service_id))
                              for service_id in registry.LICENSE_IDS}
        layout = QVBoxLayout(self)
        site_url = self.setup.site_address() or self.setup.profile.site_url  # from the "Your site" page
        for box in self.license_boxes.values():
            layout.addWidget(box)
            self.setup.prefill(box)
            if site_url and "site_url" in box.form.inputs and not box.form.values()["site_url"]:
                box.form.set_values({"site_url": site_url})  # the site's address, wherever it was entered
        layout.addStretch(1)
        layout.addWidget(self.untested_box)
        self.untested_box.setChecked(bool(set(self.license_boxes) & self.setup.untested))

    def boxes(self) -> list[ServiceBox]:
        return list(self.license_boxes.values())

    def all_boxes(self) -> dict[str, ServiceBox]:
        return self.license_boxes


class CrmPage(LazyPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("page_crm")
        self.setTitle(self.tr("Choose your CRM"))
        self.setSubTitle(self.tr("AccessAlly keeps your contacts and tags in one CRM. Pick the one you use."))

    def build(self) -> None:
        choices = [(crm_id, registry.get(crm_id).name) for crm_id in registry.CRM_IDS]
        choices.append((registry.NO_CRM, self.tr("%s (no CRM)") % registry.NO_CRM_NAME))
        self.choice = ChoiceGroup(choices, self.tr("CRM"))
        self.choice.setObjectName("crm_choice")
        for crm_id, _ in choices[:-1]:
            self.choice.button(crm_id).setToolTip(registry.get(crm_id).where_to_find)
        self.choice.valueChanged.connect(self.completeChanged)
        self.registerField("crm.provider", self.choice, "value", self.choice.valueChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.choice)
        layout.addStretch(1)
        if self.setup.profile.crm:
            self.choice.set_value(self.setup.profile.crm)

    def isComplete(self) -> bool:
        return bool(self.choice.get_value())

    def validatePage(self) -> bool:
        """Moving a site to another CRM is a migration for AccessAlly: ask first, naming both."""
        saved, chosen = self.setup.profile.crm, self.choice.get_value()
        if not saved or chosen == saved:
            return True
        from PySide6.QtWidgets import QMessageBox

        old, new = crm_name(saved), crm_name(chosen)
        answer = QMessageBox.question(
            self, self.tr("Change the CRM?"),
            self.tr("This site uses %s. Change it to %s?\n\nAccessAlly treats a change of CRM as a migration of "
                    "your tags and contacts, so plan it before your website switches. Nothing is saved until you "
                    "click Finish, and this app does not change your website.") % (old, new),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def focus_first_input(self) -> None:
        """The chosen CRM, else the first choice: where the arrow keys start."""
        chosen = self.choice.get_value() or registry.CRM_IDS[0]
        self.choice.button(chosen).setFocus()


def crm_name(crm: str) -> str:
    """A CRM choice as the owner reads it, "no CRM" included."""
    return registry.NO_CRM_NAME if crm == registry.NO_CRM else registry.display_name(crm)


class CrmCredentialsPage(CredentialPage):
    """One generic page: the chosen CRM's fields, built from its integration."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("page_crm_credentials")

    def build(self) -> None:
        self.stack = QStackedWidget()
        self.crm_boxes: dict[str, ServiceBox] = {}  # built when that CRM is first chosen
        layout = QVBoxLayout(self)
        layout.addWidget(scrolling(self.stack), 1)
        layout.addWidget(self.untested_box)

    def crm_box(self, crm_id: str) -> ServiceBox:
        """The CRM's box, built (and filled from the saved setup) the first time it is needed."""
        self.ensure_built()
        if crm_id not in self.crm_boxes:
            box = ServiceBox(self.setup, crm_id)
            self.watch(box)
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(box)
            column.addStretch(1)
            self.stack.addWidget(holder)
            self.crm_boxes[crm_id] = box
            self.setup.prefill(box)
        return self.crm_boxes[crm_id]

    def crm(self) -> str:
        return self.setup.chosen_crm()

    def initializePage(self) -> None:
        super().initializePage()
        crm = self.crm()
        box = self.crm_box(crm)
        self.stack.setCurrentWidget(box.parentWidget())
        name = registry.get(crm).name
        self.setTitle(self.tr("Connect %s") % name)
        self.setSubTitle(self.tr("Paste your %s API credentials, then test the connection.") % name)
        self.untested_box.setChecked(crm in self.setup.untested)
        box.show_saved()
        self.mnemonics.refresh()  # this CRM's box may be new

    def boxes(self) -> list[ServiceBox]:
        crm = self.crm()
        return [self.crm_box(crm)] if crm in registry.CRM_IDS else []

    def all_boxes(self) -> dict[str, ServiceBox]:
        return self.crm_boxes

    def box(self, service_id: str) -> ServiceBox:
        return self.crm_box(service_id)


class SummaryPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.setup = wizard
        self.setObjectName("page_summary")
        self.setTitle(self.tr("Summary"))
        self.setSubTitle(self.tr("Check everything below, then click Finish to save it all at once."))
        self.rows = QFormLayout()
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setObjectName("summary_storage")
        self.saving = QLabel()
        self.saving.setObjectName("summary_saving")
        layout = QVBoxLayout(self)
        layout.addLayout(self.rows)
        layout.addStretch(1)
        layout.addWidget(self.where)
        layout.addWidget(self.saving)

    def initializePage(self) -> None:
        while self.rows.rowCount():
            self.rows.removeRow(0)
        if self.setup.website.later.isChecked():
            later = QLabel(self.tr("Connect later"))
            later.setObjectName("summary_site")
            self.rows.addRow(QLabel(self.tr("<b>Your site</b>")), later)
        saved, chosen = self.setup.profile.crm, self.setup.chosen_crm()
        if chosen:
            text = crm_name(chosen) if saved in ("", chosen) else f"{crm_name(saved)} → {crm_name(chosen)}"
            crm = plain_text(QLabel(text))
            crm.setObjectName("summary_crm")
            self.rows.addRow(QLabel(self.tr("<b>CRM</b>")), crm)
        for service_id in self.setup.services_in_use():
            name = registry.get(service_id).name
            badge = StatusBadge()
            badge.setObjectName(f"summary_{service_id}")
            badge.set_status(*self.summary_line(service_id))
            self.rows.addRow(QLabel(f"<b>{name}</b>"), badge)
        if self.setup.field("payments.later"):
            self.rows.addRow(QLabel(self.tr("<b>Payments</b>")), QLabel(self.tr("Set up later")))
        self.where.setText(self.setup.storage_description())

    def summary_line(self, service_id: str) -> tuple[Status | str, str]:
        """A service's line: its result with the account and mode it names, or why it is untested."""
        box = self.setup.box(service_id)
        result = box.current_result()
        if result is None or (service_id in self.setup.untested and not result.ok):
            return "untested", self.tr("Not tested — saved as entered; test it from the dashboard later.")
        account = result.account.name or result.account.id
        extra = f" — {account}" if account and account not in result.message else ""
        mode = result.account.mode
        mode_note = f" ({mode} mode)" if mode and mode not in result.message else ""
        return result.status, f"{result_text(result)}{extra}{mode_note}"
