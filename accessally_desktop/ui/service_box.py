"""One service's box in the wizard, built from its declaration: where to find the values, its
advice, its variants (Stripe's test and live keys, PayPal's sandbox and live credentials) with a
badge for real money, its credential kinds (PayPal's API Signature or REST app), its fields, the
live test and the picks a test can settle (Drip's account). No service is named here.

Each variant keeps its own values and its own result while another is shown; only the shown
variant, and of its kinds only the chosen one, is tested. Every input is the wizard field
"<service>.<field>"; the variant is "<service>.<variant key>" ("stripe.mode", "paypal.environment"),
the kind "<service>.credentials".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from .. import integrations
from ..integrations import Status, registry
from ..integrations.options import Pick
from .widgets import ChoiceGroup, MoneyBadge, heading, without_alt_letter
from .workers import LiveTest, warm_up

if TYPE_CHECKING:
    from ..integrations import CheckResult
    from .forms import CredentialsForm
    from .wizard import SetupWizard


@dataclass
class Tested:
    """A result and the exact values it was for: editing any value makes it stale."""

    values: dict[str, str]
    result: CheckResult


class ServiceBox(QWidget):
    """One service's variants, kinds, forms, live-test panel and results, for the credential pages.

    Signals: changed() when its values or result change (the page re-checks Next).
    """

    changed = Signal()

    def __init__(self, wizard: SetupWizard, service_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from .forms import CheckPanel, CredentialsForm  # with the first credential page, not the wizard

        self.wizard = wizard
        self.service_id = service_id
        self.integration = integration = registry.get(service_id)
        self.kinds = {k.id: k for k in integration.kinds}
        self.form = CredentialsForm(integration, tuple(f for f in integration.fields if not f.group)
                                    if self.kinds else None)
        self.kind_forms = {k: CredentialsForm(integration, tuple(f for f in integration.fields if f.group == k))
                           for k in self.kinds}
        self.panel = CheckPanel(service_id, integration.test_button)
        self._running: LiveTest | None = None
        self.variants = {v.id: v for v in integration.variants}
        self.variant = next(iter(self.variants), "")  # the one shown and tested
        self.stored: dict[str, dict[str, str]] = {v: {} for v in self.variants}  # the others' values, while hidden
        self.loaded: dict[str, dict[str, str]] = {v: {} for v in self.variants}  # as saved: what a move restores
        self.results: dict[str, Tested] = {}  # the other variants' results, kept while they are not shown
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if self.variants:
            self._add_variant_switch(layout)
        self.where = heading("")
        self.where.setObjectName(f"where_{service_id}")
        layout.addWidget(self.where)
        if integration.guidance:  # every service's advice, shown with its fields
            guidance = heading(integration.guidance)
            guidance.setObjectName(f"guidance_{service_id}")
            layout.addWidget(guidance)
        if self.kinds:
            self._add_kind_choice(layout)
        layout.addWidget(self.form)
        self.form.setVisible(bool(self.form.inputs))  # all of a service's fields may belong to a kind
        layout.addWidget(self.panel)
        self._pickers = {}  # field -> its ResultPicker: picks a test can settle (Drip's account)
        for option in integration.options:
            if isinstance(option, Pick) and option.field:
                from .option_widgets import ResultPicker

                picker = ResultPicker(service_id, integration.name, option)
                picker.picked.connect(lambda item, field=option.field: self._picked(field, item))
                layout.addWidget(picker)
                self._pickers[option.field] = picker
        self._show_where()
        self._show_variant()
        warm_up([service_id], self)  # before the first test, which would import on a worker
        for form in self.forms():
            form.edited.connect(self._edited)
            for widget in form.inputs.values():
                if isinstance(widget, QLineEdit):
                    widget.installEventFilter(self)  # Enter runs this box's test
        self.panel.start_requested.connect(self.start_test)
        self.panel.cancel_requested.connect(self.cancel_test)
        demo = (wizard.sandbox or {}).get(service_id)
        if demo:
            from .welcome_page import add_demo_button  # the sandbox only

            add_demo_button(layout, service_id, lambda: self.fill(dict(demo)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in a field runs this box's test, instead of the wizard's default button (Next)."""
        if event.type() == QEvent.Type.KeyPress:
            from PySide6.QtCore import Qt  # on a key press, never at start-up

            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                self.start_test()
                return True
        return False

    def _add_variant_switch(self, layout: QVBoxLayout) -> None:
        key = self.integration.variant_key
        self.variant_choice = ChoiceGroup([(v.id, self.tr(v.label)) for v in self.variants.values()],
                                          self.tr("%s %s") % (self.integration.name, key), horizontal=True)
        self.variant_choice.setObjectName(f"{self.service_id}_{key}")
        self.badge = MoneyBadge()
        self.badge.setObjectName(f"{self.service_id}_{key}_badge")
        self.move_values = QPushButton()
        self.move_values.setObjectName(f"{self.service_id}_move_keys")
        self.move_values.setVisible(False)
        self.move_target = ""  # the variant the button moves the shown values to
        self.move_retests = False  # and whether it tests them there at once (the service said where they belong)
        self.move_values.clicked.connect(self._move_values)
        row = QHBoxLayout()
        row.addWidget(self.variant_choice, 1)
        row.addWidget(self.badge)
        layout.addLayout(row)
        from PySide6.QtCore import Qt  # with the payments page, not the wizard

        layout.addWidget(self.move_values, 0, Qt.AlignmentFlag.AlignLeft)
        self.variant_choice.set_value(self.variant)
        self.variant_choice.valueChanged.connect(self._switch)
        self.form.edited.connect(self._offer_move)

    def _add_kind_choice(self, layout: QVBoxLayout) -> None:
        self.kind_choice = ChoiceGroup([(k.id, self.tr(k.label)) for k in self.kinds.values()],
                                       self.tr("%s credentials") % self.integration.name)
        self.kind_choice.setObjectName(f"{self.service_id}_credentials")
        layout.addWidget(self.kind_choice)
        for form in self.kind_forms.values():  # only the chosen kind's form is shown (and takes room)
            layout.addWidget(form)
        self.kind_choice.set_value(next(iter(self.kinds)))
        self._show_kind()
        self.kind_choice.valueChanged.connect(self._kind_changed)

    # -- values ------------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return self.kind_choice.get_value() if self.kinds else ""

    def set_kind(self, kind: str) -> None:
        if kind in self.kinds:
            self.kind_choice.set_value(kind)

    def forms(self) -> list[CredentialsForm]:
        return [self.form, *self.kind_forms.values()]

    def values(self) -> dict[str, str]:
        """What a test checks: the shown variant's values, of the chosen kind only (the other kinds
        count as blank, so the test checks what is shown)."""
        values = self.form.values()
        if self.kinds:
            values.update(self.kind_forms[self.kind].values())
        if self.variant:
            values[self.integration.variant_key] = self.variant
        return values

    def shown_values(self) -> dict[str, str]:
        """Every value of the shown variant, of every kind: what is saved for it."""
        values = {}
        for form in self.forms():
            values.update(form.values())
        return values

    def values_per_variant(self) -> dict[str, dict[str, str]]:
        """What Finish saves: each variant's values ("" for a service without variants)."""
        if not self.variants:
            return {"": self.shown_values()}
        return {**{v: dict(values) for v, values in self.stored.items()}, self.variant: self.shown_values()}

    def set_shown_values(self, values: dict[str, str]) -> None:
        for form in self.forms():
            form.set_values({k: v for k, v in values.items() if k in form.inputs})

    def fill(self, values: dict[str, str]) -> None:
        """The sandbox's demo values: the variant they name and the kind they are of are chosen too."""
        values = dict(values)
        variant = values.pop(self.integration.variant_key, "")
        if variant in self.variants:
            self.variant_choice.set_value(variant)
        for kind, form in self.kind_forms.items():
            if any(values.get(name) for name in form.inputs):
                self.set_kind(kind)
                break
        self.set_shown_values(values)

    def load(self, per_variant: dict[str, dict[str, str]], variant: str, kind: str) -> None:
        """The saved values of each variant, the active variant and the chosen kind."""
        self.set_kind(kind)
        if not self.variants:
            self.set_shown_values(per_variant.get("", {}))
            return
        self.stored = {v: dict(per_variant.get(v, {})) for v in self.variants}
        self.loaded = {v: dict(values) for v, values in self.stored.items()}
        self.variant = variant if variant in self.variants else next(iter(self.variants))
        self.variant_choice.blockSignals(True)
        self.variant_choice.set_value(self.variant)
        self.variant_choice.blockSignals(False)
        self._show_variant()
        self.set_shown_values(self._blank() | self.stored[self.variant])

    def register(self, page: QWizardPage) -> None:
        for form in self.forms():
            for name, widget in form.inputs.items():
                prop = "currentData" if isinstance(widget, QComboBox) else "text"
                signal = widget.currentIndexChanged if isinstance(widget, QComboBox) else widget.textChanged
                page.registerField(f"{self.service_id}.{name}", widget, prop, signal)
        if self.variants:
            page.registerField(f"{self.service_id}.{self.integration.variant_key}", self.variant_choice, "value",
                               self.variant_choice.valueChanged)
        if self.kinds:
            page.registerField(f"{self.service_id}.credentials", self.kind_choice, "value",
                               self.kind_choice.valueChanged)

    # -- variants and kinds ------------------------------------------------------------------------

    def _blank(self) -> dict[str, str]:
        return {f.name: "" for f in self.integration.fields}

    def _switch(self, variant: str) -> None:
        if variant == self.variant:
            return
        self.stored[self.variant] = self.shown_values()
        shown = self.wizard.tested.pop(self.service_id, None)
        if shown is not None:
            self.results[self.variant] = shown
        if variant in self.results:
            self.wizard.tested[self.service_id] = self.results.pop(variant)
        self.variant = variant
        self._show_variant()
        self.set_shown_values(self._blank() | self.stored[variant])
        for form in self.forms():
            form.forget_edits()  # the other variant's empty fields are not mistakes yet
        self.panel.show_result(self.current_result())
        self.changed.emit()

    def _offer_move(self) -> None:
        """Values whose shape says they belong to another variant (Stripe's sk_live_ under Test
        mode) are refused by the format check, with one click to move them there."""
        belongs = self.integration.variant_for(self.form.values())
        self._show_move(belongs if belongs in self.variants and belongs != self.variant else "",
                        self.tr("Move these keys to %s"))

    def _show_move(self, target: str, words: str, *, retest: bool = False) -> None:
        self.move_target, self.move_retests = target, retest
        text = words % self.tr(self.variants[target].label) if target else ""
        if target and without_alt_letter(self.move_values.text()) != text:  # keeps its Alt-letter (`Mnemonics`)
            self.move_values.setVisible(False)  # shown again below: a new text gets a free letter
            self.move_values.setText(text)
        self.move_values.setVisible(bool(target))

    def _offer_switch(self, result: CheckResult) -> None:
        """The service said these are the other variant's credentials (PayPal's sandbox keys under
        Live): one click moves them there and tests them again."""
        others = [v for v in self.variants if v != self.variant]
        if result.status is Status.WRONG_ENVIRONMENT and len(others) == 1:
            self._show_move(others[0], self.tr("Switch to %s, with these credentials"), retest=True)
        elif not self.integration.variant_for(self.form.values()):
            self._show_move("", "")

    def _move_values(self) -> None:
        """The values go to their variant; this variant keeps the values it had."""
        target, retest = self.move_target, self.move_retests
        if target not in self.variants or target == self.variant:
            return
        self.stored[target] = self.shown_values()
        self.set_shown_values(self._blank() | self.loaded[self.variant])
        self.variant_choice.set_value(target)  # -> _switch, which shows the moved values
        self._show_move("", "")
        self.form.show_problems(all_fields=True)
        if retest:  # a switch the service suggested: its answer at once
            self.start_test()

    def _show_variant(self) -> None:
        if not self.variants:
            return
        for form in self.forms():
            form.context = {self.integration.variant_key: self.variant}
        shown = self.variants[self.variant]
        self.badge.show_variant(self.tr(shown.label), real_money=shown.real_money)

    def _kind_changed(self, kind: str) -> None:
        self._show_kind()
        self._show_where()
        self._edited()

    def _show_kind(self) -> None:
        for kind, form in self.kind_forms.items():
            form.setVisible(kind == self.kind)

    def _show_where(self) -> None:
        """Where to find the values: the chosen kind's own steps, where it has them."""
        where = self.kinds[self.kind].where_to_find if self.kinds else self.integration.where_to_find
        self.where.setText(f"<b>{self.tr('Where to find it')}:</b> {where}")

    # -- the live test -----------------------------------------------------------------------------

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

    def start_test(self, run: Callable[..., CheckResult] | None = None) -> None:
        """Check the shown values, then test them live: with `run` if given (the test right after an approval)."""
        report = self.integration.check_format(self.values())
        for form in self.forms():
            if form.isVisibleTo(self) or form is self.form:
                form.show_problems(all_fields=True)
        if not report.ok:
            self.panel.show_result(integrations.CheckResult(self.service_id, Status.INVALID_FORMAT,
                                                            report.errors[0].message))
            return
        self.cancel_test()
        self.panel.set_running(True)
        run = run or self.integration.test
        test = LiveTest(self.service_id, lambda attempt: run(report.values, attempt=attempt),
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
        if self.variants:
            self._offer_switch(result)
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
