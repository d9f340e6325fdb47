"""The Get Started setup wizard: license, CRM, payments, summary; Finish saves everything at once.

Pages have explicit ids and one `next_page` function holds the page graph. Every input is a
wizard field named "<service id>.<field>" (plus crm.provider, payments.*, stripe.mode,
paypal.environment), so tests and later pages read the same names.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Property, Signal
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from .. import APP_NAME, integrations
from ..integrations import DEFAULT_TIMEOUT, Status, registry
from ..integrations.characters import shorten
from ..integrations.options import Pick
from ..integrations.redaction import secret_shape_in
from ..settings import MAX_SITE_NAME, STRIPE_MODES, SavedResult, Settings, SiteProfile
from ..storage import (
    SaveError,
    Storage,
    saved_result,
    secret_names,
    stored_name,
)
from .pages import PageId, page_for
from .widgets import StatusBadge, plain_text, result_text, scrolling, set_by_key
from .workers import LiveTest, submit

if TYPE_CHECKING:
    from ..integrations import CheckResult, Integration
    from .forms import CredentialsForm

log = logging.getLogger(__name__)

NO_CRM = registry.NO_CRM


def next_page(current: PageId, crm: str) -> int:
    """The page graph: AccessAlly Managed (no CRM) skips the credentials page."""
    if current == PageId.CRM:
        return PageId.PAYMENTS if crm in ("", NO_CRM) else PageId.CRM_CREDENTIALS
    if current == PageId.SUMMARY:
        return -1
    return current + 1


class ChoiceGroup(QWidget):
    """Radio buttons with one string `value` property, so a choice can be a wizard field."""

    valueChanged = Signal(str)

    def __init__(self, choices: list[tuple[str, str]], title: str, parent: QWidget | None = None,
                 horizontal: bool = False) -> None:
        super().__init__(parent)
        self._group = QButtonGroup(self)
        self._buttons: dict[str, QRadioButton] = {}
        layout = QHBoxLayout(self) if horizontal else QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for value, label in choices:
            button = QRadioButton(label)
            button.setObjectName(f"choice_{value}")
            self._group.addButton(button)
            self._buttons[value] = button
            layout.addWidget(button)
            button.toggled.connect(lambda on, v=value: on and self.valueChanged.emit(v))
        if horizontal:
            layout.addStretch(1)
        self.setAccessibleName(title)

    def get_value(self) -> str:
        return next((v for v, b in self._buttons.items() if b.isChecked()), "")

    def set_value(self, value: str) -> None:
        if value in self._buttons:
            self._buttons[value].setChecked(True)

    def button(self, value: str) -> QRadioButton:
        return self._buttons[value]

    value = Property(str, get_value, set_value, notify=valueChanged)


@dataclass
class Tested:
    """A result and the exact values it was for: editing any value makes it stale."""

    values: dict[str, str]
    result: CheckResult


class ServiceBox(QWidget):
    """One service's form, live-test panel and results, shared by the credential pages.

    Signals: changed() when its values or result change (the page re-checks Next).
    """

    changed = Signal()

    def __init__(self, wizard: SetupWizard, service_id: str, *, button: str = "&Test connection",
                 fields=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from .forms import CheckPanel, CredentialsForm  # with the first credential page, not the wizard

        self.wizard = wizard
        self.service_id = service_id
        self.integration = registry.get(service_id)
        self.form = CredentialsForm(self.integration, fields)
        self.panel = CheckPanel(service_id, button)
        self._running: LiveTest | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        where = _heading(f"<b>{self.tr('Where to find it')}:</b> {self.integration.where_to_find}")
        where.setObjectName(f"where_{service_id}")
        layout.addWidget(where)
        if self.integration.guidance:  # every service's advice, shown with its fields
            guidance = _heading(self.integration.guidance)
            guidance.setObjectName(f"guidance_{service_id}")
            layout.addWidget(guidance)
        layout.addWidget(self.form)
        layout.addWidget(self.panel)
        self._pickers = {}  # field -> its ResultPicker: picks a test can settle (Drip's account)
        for option in self.integration.options:
            if isinstance(option, Pick) and option.field:
                from .option_widgets import ResultPicker

                picker = ResultPicker(service_id, self.integration.name, option)
                picker.picked.connect(lambda item, field=option.field: self._picked(field, item))
                layout.addWidget(picker)
                self._pickers[option.field] = picker
        submit(self.integration.warm_up, lambda _: None, context=self)  # while the owner pastes the keys
        self.form.edited.connect(self._edited)
        self.panel.start_requested.connect(self.start_test)
        self.panel.cancel_requested.connect(self.cancel_test)
        demo = (wizard.sandbox or {}).get(service_id)
        if demo:
            fill = QPushButton(self.tr("Fill in the sandbox's demo values"))
            fill.setObjectName(f"demo_{service_id}")
            fill.clicked.connect(lambda: self.fill(dict(demo)))
            from PySide6.QtCore import Qt  # the sandbox only: the wizard itself opens without `Qt`

            layout.insertWidget(0, fill, 0, Qt.AlignmentFlag.AlignLeft)

    def fill(self, values: dict[str, str]) -> None:
        self.form.set_values(values)

    def forms(self) -> list[CredentialsForm]:
        """Its credential forms: PayPal has one more per kind of credentials."""
        return [self.form]

    # values may be supplemented by a page (PayPal's environment lives in another form)
    def values(self) -> dict[str, str]:
        return self.form.values()

    def register(self, page: QWizardPage) -> None:
        for name, widget in self.form.inputs.items():
            prop = "currentData" if isinstance(widget, QComboBox) else "text"
            signal = widget.currentIndexChanged if isinstance(widget, QComboBox) else widget.textChanged
            page.registerField(f"{self.service_id}.{name}", widget, prop, signal)

    def tested(self) -> Tested | None:
        return self.wizard.tested.get(self.service_id)

    def current_result(self) -> CheckResult | None:
        tested = self.tested()
        if tested and tested.values == self.integration.check_format(self.values()).values:
            return tested.result
        return None

    def passed(self) -> bool:
        result = self.current_result()
        return result is not None and result.ok

    def start_test(self) -> None:
        report = self.integration.check_format(self.values())
        self.form.show_problems(all_fields=True)
        if not report.ok:
            self.panel.show_result(integrations.CheckResult(self.service_id, Status.INVALID_FORMAT,
                                                            report.errors[0].message))
            return
        self.cancel_test()
        self.panel.set_running(True)
        test = LiveTest(self.service_id, lambda attempt: self.integration.test(report.values, attempt=attempt),
                        timeout=self.wizard.test_timeout, parent=self)
        test.finished.connect(lambda result, values=report.values, t=test: self._finished(t, values, result))
        self._running = test

    def cancel_test(self) -> None:
        if self._running is not None:
            running, self._running = self._running, None
            running.cancel()
            self.panel.set_running(False)
            self.panel.show_result(integrations.CheckResult(self.service_id, Status.CANCELLED,
                                                            "The test was cancelled."))

    @property
    def running(self) -> bool:
        return self._running is not None

    def _finished(self, test: LiveTest, values: dict[str, str], result: CheckResult) -> None:
        test.deleteLater()
        if test is not self._running:
            return  # cancelled or superseded: its answer no longer matters
        self._running = None
        self.panel.set_running(False)
        self.wizard.tested[self.service_id] = Tested(values, result)
        self.wizard.untested.discard(self.service_id)
        self.panel.show_result(result)
        self.on_result(result)
        self.changed.emit()

    def on_result(self, result: CheckResult) -> None:
        """A pass that settled a field pick (the one account a token sees) fills that field, and the
        pass counts for the values with it; several items are offered to pick from."""
        for name, picker in self._pickers.items():
            picker.offer(result.choices, self.values().get(name, ""))
            if result.ok and result.account.id and not self.values().get(name):
                tested = self.wizard.tested[self.service_id]
                self.wizard.tested[self.service_id] = Tested({**tested.values, name: result.account.id}, result)
                self.form.set_values({name: result.account.id})

    def _picked(self, field: str, item: str) -> None:
        if item:
            self.form.set_values({field: item})
            self.start_test()

    def _edited(self) -> None:
        if self.service_id in self.wizard.tested and self.current_result() is None:
            self.panel.show_result(None)  # the shown result was for other values
        self.changed.emit()

    def show_saved(self) -> None:
        result = self.current_result()
        if result is not None:
            self.panel.show_result(result)


class LazyPage(QWizardPage):
    """A page that builds its widgets when first shown, or first asked for: opening the wizard
    builds only the page it starts on, not a dozen credential forms.

    Asking for a widget the page has not built yet (`wizard.payments.stripe`) builds the page
    first (`__getattr__`), so callers need not know which pages were shown.
    """

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.setup = wizard
        self._built = False

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

    def watch(self, box: ServiceBox) -> ServiceBox:
        box.changed.connect(self.completeChanged)
        box.register(self)
        return box


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    set_by_key(label, "textFormat", "RichText")  # the welcome page's: the wizard opens without `Qt`
    label.setOpenExternalLinks(True)
    set_by_key(label, "textInteractionFlags", "TextBrowserInteraction")
    return label


def _sandbox_banner(demo: dict[str, dict[str, str]]) -> QLabel:
    """Says plainly that this is a sandbox, and lists the demo values that pass."""
    rows = "".join(
        f"<tr><td><b>{registry.get(sid).name}</b></td><td>"
        + "<br>".join(f"{registry.get(sid).field(k).label}: <code>{v}</code>" for k, v in values.items() if v)
        + "</td></tr>" for sid, values in demo.items())
    label = _heading(
        "<p style='background:#fff3cd; color:#5c4400; padding:6px'><b>SANDBOX</b> — every service is a local "
        "stand-in on this computer. Nothing reaches real services, and nothing touches your real sites, "
        "settings or keyring. Use the demo values below (each page has a button that fills them in); change "
        "one character to see a failure.</p><table cellspacing='4'>" + rows + "</table>")
    label.setObjectName("sandbox_banner")
    return label


class WelcomePage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.setObjectName("page_welcome")
        self.setTitle(self.tr("Welcome to AccessAlly setup"))
        self.setSubTitle(self.tr("Connect your license, your CRM and your payment processor. "
                                 "Each connection is tested live before you go on."))
        layout = QVBoxLayout(self)
        layout.addWidget(_heading(self.tr(
            "<p>Have these at hand (each is checked as you enter it):</p><ul>"
            "<li><b>Your AccessAlly license key</b> — in your AccessAlly customer account "
            "(<a href='https://accessally.com'>accessally.com</a>), and your site's address.</li>"
            "<li><b>Your CRM's API credentials</b> — Keap, Ontraport, ActiveCampaign, ConvertKit/Kit or Drip. "
            "The next pages say where each one is found.</li>"
            "<li><b>Your payment keys</b> — Stripe: Developers &gt; API keys "
            "(<a href='https://dashboard.stripe.com/apikeys'>dashboard.stripe.com/apikeys</a>); PayPal: "
            "API Signature credentials (<a href='https://www.paypal.com/businessprofile/mytools/apiaccess'>"
            "Account Settings &gt; API access</a>) or a REST app.</li></ul>"
            "<p>Nothing is saved until you click <b>Finish</b>. Secrets go to your system keyring, "
            "never into a file. You can run this wizard again at any time.</p>")))
        if wizard.sandbox:
            layout.insertWidget(0, _sandbox_banner(wizard.sandbox))
        self.site_label = plain_text(QLabel())  # the site's name, as typed
        self.site_label.setObjectName("welcome_site")
        layout.addWidget(self.site_label)
        layout.addStretch(1)
        self.site_label.setText(self.tr("Setting up site: %s") % shorten(wizard.profile.name, MAX_SITE_NAME))


class LicensePage(CredentialPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("page_license")
        self.setTitle(self.tr("Your AccessAlly license"))
        self.setSubTitle(self.tr("Enter the e-mail you bought AccessAlly with, your serial key and your site's "
                                 "address, then click Check license."))

    def build(self) -> None:
        self.box = self.watch(ServiceBox(self.setup, "license", button="&Check license"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addStretch(1)
        layout.addWidget(self.untested_box)
        self.setup.prefill(self.box)
        profile = self.setup.profile
        if not profile.values.get("license", {}).get("site_url") and profile.site_url:
            self.box.form.set_values({"site_url": profile.site_url})
        self.untested_box.setChecked("license" in self.setup.untested)

    def boxes(self) -> list[ServiceBox]:
        return [self.box]


class CrmPage(LazyPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("page_crm")
        self.setTitle(self.tr("Choose your CRM"))
        self.setSubTitle(self.tr("AccessAlly keeps your contacts and tags in one CRM. Pick the one you use."))

    def build(self) -> None:
        choices = [(crm_id, registry.get(crm_id).name) for crm_id in registry.CRM_IDS]
        choices.append((NO_CRM, self.tr("AccessAlly Managed (no CRM)")))
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

    def boxes(self) -> list[ServiceBox]:
        crm = self.crm()
        return [self.crm_box(crm)] if crm in registry.CRM_IDS else []


class PayPalBox(ServiceBox):
    """PayPal: environment, then API Signature (what AccessAlly's PayPal Express uses) or a REST app."""

    SETS = (("signature", "API Signature (username, password, signature)"), ("rest", "REST app (client ID, secret)"))

    def __init__(self, wizard: SetupWizard) -> None:
        integration = registry.get("paypal")
        groups = {f.group for f in integration.fields}
        common = tuple(f for f in integration.fields if not f.group)
        super().__init__(wizard, "paypal", fields=common)
        self.kind = ChoiceGroup([(v, self.tr(label)) for v, label in self.SETS], self.tr("PayPal credentials"))
        self.kind.setObjectName("paypal_credentials")
        self.sets: dict[str, CredentialsForm] = {}
        self.set_stack = QStackedWidget()
        for value, _ in self.SETS:
            fields = tuple(f for f in integration.fields if f.group == value) if value in groups else ()
            form = type(self.form)(integration, fields)
            form.edited.connect(self._edited)
            self.sets[value] = form
            self.set_stack.addWidget(form)
        self.kind.valueChanged.connect(self._kind_changed)
        below = self.layout().indexOf(self.form)  # under the where-to-find and the advice
        self.layout().insertWidget(below, self.kind)
        self.layout().insertWidget(below + 1, self.set_stack)
        self.kind.set_value("signature")

    def register(self, page: QWizardPage) -> None:
        super().register(page)
        for form in self.sets.values():
            for name, widget in form.inputs.items():
                page.registerField(f"paypal.{name}", widget, "text", widget.textChanged)
        page.registerField("paypal.credentials", self.kind, "value", self.kind.valueChanged)

    def forms(self) -> list[CredentialsForm]:
        return [self.form, *self.sets.values()]

    def _kind_changed(self, value: str) -> None:
        self.set_stack.setCurrentWidget(self.sets[value])
        self._edited()

    def values(self) -> dict[str, str]:
        """Only the chosen set counts: the other is left blank so the test checks what is shown."""
        values = self.form.values()
        values.update(self.sets[self.kind.get_value() or "signature"].values())
        return values

    def all_values(self) -> dict[str, str]:
        values = self.form.values()
        for form in self.sets.values():
            values.update(form.values())
        return values

    def fill(self, values: dict[str, str]) -> None:
        self.kind.set_value("rest" if values.get("client_id") else "signature")
        self.set_all_values(values)

    def set_all_values(self, values: dict[str, str]) -> None:
        self.form.set_values(values)
        for form in self.sets.values():
            form.set_values({k: v for k, v in values.items() if k in form.inputs})


class StripeBox(ServiceBox):
    """Stripe keeps a pair of keys per mode (the service's `variants`); the mode switch shows, and
    tests, the active pair. Each mode keeps its own result, and keys pasted under the wrong mode
    are refused by the format check with one click to move them to their mode."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "stripe")
        self.modes = {v.id: v for v in self.integration.variants}
        self.pairs: dict[str, dict[str, str]] = {mode: {} for mode in self.modes}
        self.loaded: dict[str, dict[str, str]] = {mode: {} for mode in self.modes}  # as saved: what a move restores
        self.results: dict[str, Tested] = {}  # the other modes' results, kept while they are not shown
        self.mode = ChoiceGroup([(v.id, self.tr(v.label)) for v in self.modes.values()], self.tr("Stripe mode"),
                                horizontal=True)
        self.mode.setObjectName("stripe_mode")
        self.badge = QLabel()
        self.badge.setObjectName("stripe_mode_badge")
        self.move_keys = QPushButton()
        self.move_keys.setObjectName("stripe_move_keys")
        self.move_keys.setVisible(False)
        self.move_keys.clicked.connect(self._move_keys)
        row = QHBoxLayout()
        row.addWidget(self.mode, 1)
        row.addWidget(self.badge)
        below = self.layout().indexOf(self.form)  # under the where-to-find and the advice
        self.layout().insertLayout(below, row)
        from PySide6.QtCore import Qt  # with the payments page, not the wizard (see ServiceBox)

        self.layout().insertWidget(below + 1, self.move_keys, 0, Qt.AlignmentFlag.AlignLeft)
        self._mode = next(iter(self.modes))
        self.mode.set_value(self._mode)
        self._show_mode()
        self.mode.valueChanged.connect(self._switch)
        self.form.edited.connect(self._offer_move)

    def values(self) -> dict[str, str]:
        return {**self.form.values(), self.integration.variant_key: self._mode}

    def register(self, page: QWizardPage) -> None:
        super().register(page)
        page.registerField("stripe.mode", self.mode, "value", self.mode.valueChanged)

    def _switch(self, mode: str) -> None:
        if mode == self._mode:
            return
        self.pairs[self._mode] = self.form.values()
        shown = self.wizard.tested.pop(self.service_id, None)
        if shown is not None:
            self.results[self._mode] = shown
        if mode in self.results:
            self.wizard.tested[self.service_id] = self.results.pop(mode)
        self._mode = mode
        self._show_mode()
        self.form.set_values({f.name: self.pairs[mode].get(f.name, "") for f in self.integration.fields})
        self.form.forget_edits()  # the other mode's empty fields are not mistakes yet
        self.panel.show_result(self.current_result())
        self.changed.emit()

    def _offer_move(self) -> None:
        keys_mode = self.integration.variant_for(self.form.values())
        wrong = keys_mode in self.modes and keys_mode != self._mode
        if wrong:
            self.move_keys.setText(self.tr("Move these keys to %s") % self.tr(self.modes[keys_mode].label))
        self.move_keys.setVisible(wrong)

    def _move_keys(self) -> None:
        """Keys pasted under the other mode go to their mode; this mode keeps the keys it had."""
        keys_mode = self.integration.variant_for(self.form.values())
        if keys_mode not in self.modes or keys_mode == self._mode:
            return
        self.pairs[keys_mode] = self.form.values()
        self.form.set_values({f.name: self.loaded[self._mode].get(f.name, "") for f in self.integration.fields})
        self.mode.set_value(keys_mode)  # -> _switch, which shows the moved keys
        self.form.show_problems(all_fields=True)

    def _show_mode(self) -> None:
        self.form.context = {self.integration.variant_key: self._mode}
        real = self.modes[self._mode].real_money
        self.badge.setText(self.tr("● LIVE MODE — real payments") if real else self.tr("● TEST MODE — no real money"))
        self.badge.setStyleSheet("padding: 2px 8px; border-radius: 8px; font-weight: bold; color: white; "
                                 + ("background: #1b7f3b;" if real else "background: #b35c00;"))
        self.badge.setAccessibleName(self.badge.text())

    def current_pairs(self) -> dict[str, dict[str, str]]:
        pairs = {mode: dict(values) for mode, values in self.pairs.items()}
        pairs[self._mode] = self.form.values()
        return pairs

    def load_pairs(self, pairs: dict[str, dict[str, str]], mode: str) -> None:
        self.pairs = {m: dict(pairs.get(m, {})) for m in self.modes}
        self.loaded = {m: dict(values) for m, values in self.pairs.items()}
        self._mode = mode if mode in self.modes else next(iter(self.modes))
        self.mode.blockSignals(True)
        self.mode.set_value(self._mode)
        self.mode.blockSignals(False)
        self._show_mode()
        self.form.set_values({f.name: self.pairs[self._mode].get(f.name, "") for f in self.integration.fields})


class PaymentsPage(CredentialPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("page_payments")
        self.setTitle(self.tr("Connect your payment processor"))
        self.setSubTitle(self.tr("Use Stripe, PayPal, or both. Test each one before you go on."))

    def build(self) -> None:
        wizard = self.setup
        self.use_stripe = QCheckBox(self.tr("Use &Stripe"))
        self.use_stripe.setObjectName("use_stripe")
        self.use_paypal = QCheckBox(self.tr("Use &PayPal"))
        self.use_paypal.setObjectName("use_paypal")
        self.later = QCheckBox(self.tr("Set up payments &later"))
        self.later.setObjectName("payments_later")
        self.registerField("payments.stripe", self.use_stripe)
        self.registerField("payments.paypal", self.use_paypal)
        self.registerField("payments.later", self.later)
        self.stripe = self.watch(StripeBox(wizard))
        self.paypal = self.watch(PayPalBox(wizard))
        self.paypal.form.inputs["environment"].setObjectName("paypal.environment")
        self.stripe_group = QGroupBox(self.tr("Stripe"))
        QVBoxLayout(self.stripe_group).addWidget(self.stripe)
        self.paypal_group = QGroupBox(self.tr("PayPal"))
        QVBoxLayout(self.paypal_group).addWidget(self.paypal)
        choices = QHBoxLayout()
        for box in (self.use_stripe, self.use_paypal, self.later):
            choices.addWidget(box)
            box.toggled.connect(self._choices_changed)
        choices.addStretch(1)
        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(self.stripe_group)
        column.addWidget(self.paypal_group)
        column.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(choices)
        layout.addWidget(scrolling(content), 1)
        layout.addWidget(self.untested_box)
        for service_id in ("stripe", "paypal"):
            wizard.prefill(getattr(self, service_id))
        profile = wizard.profile
        self.use_stripe.setChecked(profile.stripe)
        self.use_paypal.setChecked(profile.paypal)
        self.later.setChecked(profile.payments_later)
        self.untested_box.setChecked(bool({"stripe", "paypal"} & wizard.untested))
        self._choices_changed()

    def _choices_changed(self) -> None:
        later = self.later.isChecked()
        for box in (self.use_stripe, self.use_paypal):
            box.setEnabled(not later)
        self.stripe_group.setVisible(self.use_stripe.isChecked() and not later)
        self.paypal_group.setVisible(self.use_paypal.isChecked() and not later)
        self.completeChanged.emit()

    def boxes(self) -> list[ServiceBox]:
        if self.later.isChecked():
            return []
        return [box for box, on in ((self.stripe, self.use_stripe.isChecked()),
                                    (self.paypal, self.use_paypal.isChecked())) if on]

    def isComplete(self) -> bool:
        if not (self.later.isChecked() or self.use_stripe.isChecked() or self.use_paypal.isChecked()):
            return False
        return super().isComplete()


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
        for service_id in self.setup.services_in_use():
            name = registry.get(service_id).name
            badge = StatusBadge()
            badge.setObjectName(f"summary_{service_id}")
            badge.set_status(*self.setup.summary_line(service_id))
            self.rows.addRow(QLabel(f"<b>{name}</b>"), badge)
        if self.setup.field("payments.later"):
            self.rows.addRow(QLabel(self.tr("<b>Payments</b>")), QLabel(self.tr("Set up later")))
        self.where.setText(self.setup.storage_description())


class SetupWizard(QWizard):
    """The Get Started wizard for one site profile. Signals: saved(Settings) after Finish wrote everything."""

    saved = Signal(object)

    def __init__(self, storage: Storage, settings: Settings, site: str, secrets: dict[str, str] | None = None,
                 *, storage_note: str = "", test_timeout: float = DEFAULT_TIMEOUT,
                 start: PageId = PageId.WELCOME, sandbox: dict[str, dict[str, str]] | None = None,
                 needed: set[str] | frozenset[str] = frozenset(), secrets_known: bool = True,
                 current: Callable[[], Settings] | None = None, parent: QWidget | None = None) -> None:
        """`current` gives the app's settings at Finish (the window may have changed other sites
        meanwhile); `secrets_known` False: the keyring could not be read when the wizard opened."""
        super().__init__(parent)
        self.storage = storage
        self.settings = settings
        self.current = current or (lambda: self.settings)
        self.secrets_known = secrets_known
        self.site = site
        self.profile = settings.sites[site]
        self.test_timeout = test_timeout
        self.storage_note = storage_note
        self.sandbox = sandbox
        self.tested: dict[str, Tested] = {}
        self.untested: set[str] = set()
        self.initial_secrets = dict(secrets or {})
        self.needed: set[str] = set()  # fields to point out, "<service>.<field>" (see mark_needed)
        self._saving = False
        self.setObjectName("setup_wizard")
        self.setWindowTitle(self.tr("%s — Setup (%s)") % (APP_NAME, site) + (self.tr(" — SANDBOX") if sandbox else ""))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.setMinimumSize(760, 640)
        self.welcome = WelcomePage(self)
        self.license = LicensePage(self)
        self.crm = CrmPage(self)
        self.crm_credentials = CrmCredentialsPage(self)
        self.payments = PaymentsPage(self)
        self.summary = SummaryPage(self)
        for page_id, page in ((PageId.WELCOME, self.welcome), (PageId.LICENSE, self.license), (PageId.CRM, self.crm),
                              (PageId.CRM_CREDENTIALS, self.crm_credentials), (PageId.PAYMENTS, self.payments),
                              (PageId.SUMMARY, self.summary)):
            self.setPage(page_id, page)
        self.setStartId(start)
        if needed:
            self.mark_needed(set(needed))

    def mark_needed(self, needed: set[str]) -> None:
        """Point out fields still to enter ("stripe.secret_key"; an import's missing secrets): a note
        under each (added as its page is built), the wizard starts on the first page with one and
        focuses it there."""
        self.needed = needed
        pages = {page_for(name.split(".", 1)[0]) for name in needed}
        if not pages:
            return
        self.setStartId(min(pages))

        def focus(page_id: int) -> None:  # runs after QWizard focused the page's first input itself
            if page_id not in pages:
                return
            pages.discard(page_id)  # once per page: a later visit keeps the owner's focus
            page = self.page(page_id)
            for form in (form for box in page.boxes() for form in box.forms()):
                if form.needed and form.isVisibleTo(page):
                    form.inputs[next(iter(form.needed))].setFocus()
                    return

        self.currentIdChanged.connect(focus)

    # -- page graph ------------------------------------------------------------------------------

    def nextId(self) -> int:
        current = PageId(self.currentId())  # Qt asks on every page: only the CRM page's answer needs its choice
        return next_page(current, self.chosen_crm() if current == PageId.CRM else "")

    def chosen_crm(self) -> str:
        self.crm.ensure_built()
        return self.field("crm.provider") or ""

    def box(self, service_id: str) -> ServiceBox:
        """A service's box, building its page (filled from the saved setup) if it was not shown yet."""
        if service_id == "license":
            return self.license.box
        if service_id in ("stripe", "paypal"):
            return getattr(self.payments, service_id)
        return self.crm_credentials.crm_box(service_id)

    def boxes(self) -> dict[str, ServiceBox]:
        """The service boxes built so far."""
        built = {"license": self.license.box} if self.license.built else {}
        if self.crm_credentials.built:
            built.update(self.crm_credentials.crm_boxes)
        if self.payments.built:
            built.update(stripe=self.payments.stripe, paypal=self.payments.paypal)
        return built

    def services_in_use(self) -> list[str]:
        crm = self.chosen_crm()
        self.payments.ensure_built()
        services = ["license"] + ([crm] if crm in registry.CRM_IDS else [])
        if not self.field("payments.later"):
            services += [s for s in ("stripe", "paypal") if self.field(f"payments.{s}")]
        return services

    # -- prefill from saved settings and keyring ----------------------------------------------------

    def prefill(self, box: ServiceBox) -> None:
        """Fill a newly built box from the saved profile and the secrets read (off the GUI thread)
        for it, and take over its saved result; mark the fields still needed."""
        service_id, profile, secrets = box.service_id, self.profile, self.initial_secrets
        if service_id == "stripe":
            pairs = {mode: self._saved_values(service_id, mode, secrets) for mode in STRIPE_MODES}
            box.load_pairs(pairs, profile.stripe_mode)
        elif service_id == "paypal":
            box.set_all_values(self._saved_values(service_id, "", secrets))
            box.kind.set_value(profile.paypal_credentials)
        else:
            box.form.set_values(self._saved_values(service_id, "", secrets))
        saved = profile.results.get(service_id)
        if saved is not None and service_id in profile.services():
            report = box.integration.check_format(box.values())
            result = _result_from_saved(service_id, saved)
            if saved.untested:
                self.untested.add(service_id)
            elif report.ok:
                self.tested[service_id] = Tested(report.values, result)
                box.show_saved()
        names = {name.split(".", 1)[1] for name in self.needed if name.split(".", 1)[0] == service_id}
        secret = any(box.integration.field(name).secret for name in names if name in box.form.inputs)
        if names:
            note = self.tr("Needed: enter it here.")
            if secret:
                note += " " + self.tr("Imported settings never include passwords or keys.")
            for form in box.forms():
                form.mark_needed(names, note)

    def _saved_values(self, service_id: str, variant: str, secrets: dict[str, str]) -> dict[str, str]:
        saved = self.profile.values.get(service_id, {})
        values = {}
        for f in registry.get(service_id).fields:
            if f.secret:
                values[f.name] = secrets.get(stored_name(service_id, f.name, variant), "")
            else:
                values[f.name] = saved.get(stored_name("", f.name, variant), f.default)
        return values

    # -- summary -----------------------------------------------------------------------------------

    def summary_line(self, service_id: str) -> tuple[Status | str, str]:
        box = self.box(service_id)
        result = box.current_result()
        if result is None or (service_id in self.untested and not result.ok):
            return "untested", self.tr("Not tested — saved as entered; test it from the dashboard later.")
        account = result.account.name or result.account.id
        extra = f" — {account}" if account and account not in result.message else ""
        mode = result.account.mode
        mode_note = f" ({mode} mode)" if mode and mode not in result.message else ""
        return result.status, f"{result_text(result)}{extra}{mode_note}"

    def storage_description(self) -> str:
        if self.storage_note:
            return self.storage_note
        if not self.storage.secrets.persistent:
            return self.tr("⚠ Secrets will be kept in memory for this session only (%s).") % self.storage.secrets.description
        return self.tr("Secrets will be saved in your %s; settings in your user configuration folder.") \
            % self.storage.secrets.description

    # -- commit once, at Finish -------------------------------------------------------------------

    def collect(self) -> tuple[Settings, dict[str, str | None]]:
        """The settings and secret changes Finish will write, built from every page.

        Only this site changes, in the app's settings as they are now. Secrets are written only where
        the wizard knows the saved value: if the keyring could not be read at the start, the ones left
        empty are left alone, not deleted. SaveError if the site is gone."""
        current = self.current()
        if self.site not in current.sites:
            raise SaveError(self.tr("The site “%s” was renamed or removed while the wizard was open, so nothing "
                                    "was saved. Close the wizard and run it again for the site.") % self.site)
        settings = copy.deepcopy(current)
        profile: SiteProfile = settings.sites[self.site]
        in_use = self.services_in_use()
        crm = self.field("crm.provider") or ""
        profile.crm = crm
        profile.stripe = bool(self.field("payments.stripe")) and not self.field("payments.later")
        profile.paypal = bool(self.field("payments.paypal")) and not self.field("payments.later")
        profile.payments_later = bool(self.field("payments.later"))
        profile.stripe_mode = self.field("stripe.mode") or "test"
        profile.paypal_credentials = self.payments.paypal.kind.get_value() or "signature"
        secrets: dict[str, str | None] = {name: None for name in secret_names()}
        values_by_service: dict[str, dict[str, str]] = {}
        for service_id in in_use:
            box = self.box(service_id)
            integration = box.integration
            if service_id == "stripe":
                per_variant = {mode: values for mode, values in box.current_pairs().items()}
            elif service_id == "paypal":
                per_variant = {"": box.all_values()}
            else:
                per_variant = {"": box.values()}
            saved: dict[str, str] = {}
            for variant, raw in per_variant.items():
                checked = {**raw, integration.variant_key: variant} if variant else raw  # each pair as its mode
                values = integration.check_format(checked).values  # saved as tested: invisible characters removed
                self._refuse_secret_in_plain_field(integration, values, variant)
                for f in integration.fields:
                    value = values.get(f.name) or ""
                    if f.secret:
                        secrets[stored_name(service_id, f.name, variant)] = value or None
                    elif value:
                        saved[stored_name("", f.name, variant)] = value
            values_by_service[service_id] = saved
        profile.values = values_by_service
        profile.site_url = values_by_service.get("license", {}).get("site_url", profile.site_url)
        profile.paypal_environment = values_by_service.get("paypal", {}).get("environment",
                                                                             profile.paypal_environment)
        now = time.time()
        results = {}
        for service_id in in_use:
            result = self.box(service_id).current_result()
            if result is not None and not (service_id in self.untested and not result.ok):
                results[service_id] = _saved_from_result(result, profile.results.get(service_id), now)
            else:
                results[service_id] = SavedResult("untested", "Saved without a passing test.", tested_at=now,
                                                  untested=True)
        profile.results = results
        settings.last_site = self.site
        if not self.secrets_known:
            secrets = {name: value for name, value in secrets.items() if value}
        return settings, secrets

    def _refuse_secret_in_plain_field(self, integration: Integration, values: dict[str, str], variant: str) -> None:
        """A field that is no secret is saved in the settings file and exported, so a secret pasted into one
        (often the mode not shown) stops Finish, saying where it is without showing it. SaveError."""
        for f in integration.fields:
            if not f.secret and secret_shape_in(values.get(f.name)):
                modes = {v.id: v.label for v in integration.variants}
                where = f" ({self.tr(modes[variant])})" if variant in modes else ""
                raise SaveError(self.tr("The %s %s%s holds what looks like a secret key or password. That field is "
                                        "saved as a plain setting, so nothing was saved. Put the secret in its own "
                                        "field and the %s in this one.") % (integration.name, f.label, where, f.label))

    def accept(self) -> None:
        if self._saving:
            return
        try:
            settings, secrets = self.collect()
        except SaveError as exc:
            self._save_failed(exc)
            return
        self._set_saving(True)
        submit(lambda: self.storage.commit(settings, self.site, secrets),
               lambda _: self._saved(settings), self._save_failed, context=self)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.summary.saving.setText(self.tr("Saving…") if saving else "")
        for which in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.BackButton,
                      QWizard.WizardButton.CancelButton):
            self.button(which).setEnabled(not saving)

    def _saved(self, settings: Settings) -> None:
        self._set_saving(False)
        self.settings = settings
        self.saved.emit(settings)
        super().accept()

    def _save_failed(self, exc: Exception) -> None:
        from PySide6.QtWidgets import QMessageBox  # dialogs load when first needed

        self._set_saving(False)
        message = str(exc) if isinstance(exc, SaveError) else self.tr("Saving failed unexpectedly (%s).") % type(exc).__name__
        QMessageBox.warning(self, self.tr("Could not save"), message + "\n\n" +
                            self.tr("Everything you typed is still here. Fix the problem and click Finish again."))

    # -- leaving without Finish ----------------------------------------------------------------

    def has_unsaved_input(self) -> bool:
        if not any(page.built for page in (self.license, self.crm, self.crm_credentials, self.payments)):
            return False  # nothing but the welcome page was shown: nothing typed
        try:
            settings, secrets = self.collect()
        except SaveError:  # what was typed cannot be saved as it is (a secret in a plain field): still typed
            return True
        before = self.settings.sites[self.site]
        after = settings.sites[self.site]
        comparable = ("crm", "stripe", "paypal", "payments_later")
        if any(getattr(before, key) != getattr(after, key) for key in comparable):
            return True
        typed = {service: values for service, values in after.values.items() if values}
        if typed != {service: values for service, values in before.values.items() if values}:
            return True
        return any(secrets.get(name) != self.initial_secrets.get(name) for name in secrets)

    def reject(self) -> None:
        for box in self.boxes().values():
            box.cancel_test()
        if self._saving:
            return
        if self.has_unsaved_input():
            from PySide6.QtWidgets import QMessageBox

            answer = QMessageBox.question(
                self, self.tr("Discard what you typed?"),
                self.tr("You have entered values that are not saved. Close the wizard and discard them? "
                        "Your previously saved setup stays as it was."),
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()

    @property
    def saving(self) -> bool:
        return self._saving

    def closeEvent(self, event) -> None:  # the window's close button asks like Cancel does
        if self._saving:  # Quit while Finish saves: the app ends once the save is done (ui/shutdown.py)
            QApplication.instance().quit()
        self.reject()
        if self.isVisible():
            event.ignore()
        else:
            event.accept()

def _result_from_saved(service_id: str, saved: SavedResult) -> CheckResult:
    try:
        status = Status(saved.status)
    except ValueError:
        status = Status.BAD_RESPONSE
    account = integrations.Account(name=saved.account_name, id=saved.account_id, mode=saved.mode,
                                   extra=dict(saved.extra))
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved.tested_at)) if saved.tested_at else ""
    message = saved.message + (f" (tested {when})" if when and "(tested" not in saved.message else "")
    return integrations.CheckResult(service_id, status, message, account=account, elapsed_ms=saved.elapsed_ms)


def _saved_from_result(result: CheckResult, previous: SavedResult | None, now: float) -> SavedResult:
    if previous is not None and result.message.startswith(previous.message):
        return previous  # unchanged since it was loaded: keep its original test time
    return saved_result(result, now)
