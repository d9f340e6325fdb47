"""Keyboard only: every page's Alt-letters are unique and every button has one, Next puts the cursor in
the first empty input, Enter in a field runs that box's test, and Esc cancels a running test first."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
    QWizard,
)

from accessally_desktop.integrations import registry
from accessally_desktop.secrets import open_store
from accessally_desktop.settings import SettingsStore
from accessally_desktop.storage import Storage
from accessally_desktop.ui.pages import PageId
from accessally_desktop.ui.wizard import SetupWizard

ALL_SERVICES = (*registry.LICENSE_IDS, *registry.CRM_IDS, *registry.PAYMENT_IDS)


def alt_letter(text: str) -> str:
    """The letter Alt+ triggers in a label ("Use &Stripe" -> "s"), or ""."""
    i = 0
    while (i := text.find("&", i)) >= 0 and i + 1 < len(text):
        if text[i + 1] != "&":
            return text[i + 1].lower()
        i += 2
    return ""


def keyboard_problems(wizard: SetupWizard) -> list[str]:
    """What a keyboard user would trip over on the shown page: a button, radio or check box without an
    Alt-letter, and the same Alt-letter twice (among the page's and the wizard's own buttons)."""
    page = wizard.currentPage()
    own = [wizard.button(which) for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                                              QWizard.WizardButton.FinishButton)]
    buttons = [button for button in [*page.findChildren(QAbstractButton), *own]
               if button.isVisibleTo(wizard) and button.focusPolicy() != Qt.FocusPolicy.NoFocus]
    holders = [(button.text(), alt_letter(button.text())) for button in buttons]
    holders += [(label.text(), alt_letter(label.text())) for label in page.findChildren(QLabel)
                if label.buddy() is not None and label.isVisibleTo(wizard)]
    problems = [f"no Alt-letter: {text!r}" for text, letter in holders if not letter]
    seen: dict[str, str] = {}
    for text, letter in holders:
        if letter and letter in seen:
            problems.append(f"Alt+{letter.upper()} twice: {seen[letter]!r} and {text!r}")
        seen.setdefault(letter, text)
    return problems


def focused(wizard: SetupWizard) -> QWidget | None:
    QApplication.processEvents()
    return wizard.focusWidget()


def is_input(widget: QWidget | None) -> bool:
    return isinstance(widget, (QLineEdit, QComboBox, QRadioButton))


@pytest.fixture
def wizard(qtbot) -> SetupWizard:
    """A sandbox wizard (each box has its demo-values button), every payment processor ticked."""
    store = SettingsStore()
    settings = store.load().settings
    settings.current()
    demo = {sid: {registry.get(sid).fields[0].name: "demo"} for sid in ALL_SERVICES}
    wizard = SetupWizard(Storage(store, open_store().store), settings, settings.last_site, {}, sandbox=demo)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.activateWindow()
    qtbot.waitExposed(wizard)
    for use in wizard.payments.use.values():
        use.setChecked(True)
    return wizard


def arrive(wizard: SetupWizard, page: PageId, crm: str = registry.NO_CRM) -> None:
    """Go to `page` with Next, from the page before it."""
    wizard.crm.choice.set_value(crm)
    before = {PageId.SITE: PageId.WELCOME, PageId.LICENSE: PageId.SITE, PageId.CRM: PageId.LICENSE,
              PageId.CRM_CREDENTIALS: PageId.CRM, PageId.PAYMENTS: PageId.CRM}[page]
    wizard.setStartId(before)
    wizard.restart()
    if before == PageId.SITE:
        wizard.website.later.setChecked(True)
    wizard.next()
    QApplication.processEvents()
    assert wizard.currentId() == page


@pytest.mark.parametrize("crm", registry.CRM_IDS)
def test_each_crm_page_has_unique_alt_letters_and_the_cursor_in_its_first_input(wizard, crm: str) -> None:
    arrive(wizard, PageId.CRM_CREDENTIALS, crm)
    assert keyboard_problems(wizard) == []
    box = wizard.box(crm)
    first = next(w for w in box.form.inputs.values() if not w.text())
    assert focused(wizard) is first


@pytest.mark.parametrize("page", [PageId.SITE, PageId.LICENSE, PageId.CRM, PageId.PAYMENTS])
def test_every_other_page_has_unique_alt_letters_and_the_cursor_in_an_input(wizard, page: PageId) -> None:
    arrive(wizard, page)
    assert keyboard_problems(wizard) == []
    assert is_input(focused(wizard)), f"focus on {focused(wizard)!r}"


def test_the_crm_choices_keep_unique_letters(wizard) -> None:
    arrive(wizard, PageId.CRM)
    letters = [alt_letter(wizard.crm.choice.button(c).text()) for c in (*registry.CRM_IDS, registry.NO_CRM)]
    assert all(letters) and len(set(letters)) == len(letters)


def test_alt_letters_stay_unique_as_the_payments_page_changes(wizard) -> None:
    arrive(wizard, PageId.PAYMENTS)
    for box in wizard.payments.payment_boxes.values():
        for kind in box.kinds:  # each credential kind's fields shown in turn
            box.set_kind(kind)
            QApplication.processEvents()
            assert keyboard_problems(wizard) == [], kind
        for variant in box.variants:
            box.variant_choice.set_value(variant)
            QApplication.processEvents()
            assert keyboard_problems(wizard) == [], variant


def test_rich_text_labels_are_not_tab_stops(wizard) -> None:
    arrive(wizard, PageId.PAYMENTS)
    rich = [label for label in wizard.currentPage().findChildren(QLabel)
            if label.isVisibleTo(wizard) and "<" in label.text()]
    assert rich, "the page explains where to find each value"
    assert [label.text()[:40] for label in rich if label.focusPolicy() & Qt.FocusPolicy.TabFocus] == []


def test_enter_in_a_field_runs_that_boxs_test_and_stays_on_the_page(qtbot, wizard, serve) -> None:
    server = serve("license")
    arrive(wizard, PageId.LICENSE)
    box = wizard.box("license")
    box.fill(server.credentials())
    box.start_test()
    qtbot.waitUntil(lambda: not box.running, timeout=10000)
    assert box.passed()  # Next is enabled: Enter used to take the owner to the next page
    box.panel.show_result(None)
    field = next(iter(box.form.inputs.values()))
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: box.panel.badge.text.text() != "" and not box.running, timeout=10000)
    assert wizard.currentId() == PageId.LICENSE
    assert box.passed() and box.panel.badge.text.text()


def test_esc_cancels_a_running_test_before_it_asks_to_close(qtbot, wizard, serve, dialogs) -> None:
    server = serve("license")
    server.inject("hang")
    arrive(wizard, PageId.LICENSE)
    box = wizard.box("license")
    box.fill(server.credentials())
    box.start_test()
    assert box.running
    qtbot.keyClick(focused(wizard), Qt.Key.Key_Escape)
    assert not box.running
    assert "cancelled" in box.panel.badge.text.text()
    assert wizard.isVisible() and dialogs.asked == []
    qtbot.keyClick(focused(wizard), Qt.Key.Key_Escape)
    assert len(dialogs.asked) == 1 and "discard" in dialogs.asked[0].lower()
