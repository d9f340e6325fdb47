"""The Site dialogs are real dialogs: a title that fits, a name that cannot be used is said in place
(empty, taken, taken in other capitals), OK waits for a usable name, and Remove says what it does not touch."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget

from accessally_desktop import APP_NAME
from accessally_desktop.settings import site_name_problem
from accessally_desktop.ui.site_dialogs import SiteNameDialog, confirm_remove


def test_names_that_differ_only_in_capitals_are_the_same_name() -> None:
    assert "already a site named “Yoga Studio”" in site_name_problem("yoga studio", ["Yoga Studio"])
    assert site_name_problem("Yoga Studio", ["Yoga Studio"]) == "A site named “Yoga Studio” already exists."
    assert site_name_problem("Pilates", ["Yoga Studio"]) == ""


def _dialog(qtbot, taken=("Yoga Studio",), name="") -> SiteNameDialog:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = SiteNameDialog(parent, "Add site", "&Name of the new site:", taken, name=name)
    dialog.owner = parent  # the window it belongs to lives as long as the dialog
    dialog.show()
    return dialog


def _ok(dialog: SiteNameDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_a_name_that_cannot_be_used_is_said_in_place_and_ok_waits(qtbot) -> None:
    dialog = _dialog(qtbot)
    assert dialog.windowTitle() == f"Add site — {APP_NAME}"
    assert not _ok(dialog).isEnabled() and dialog.problem.isHidden()  # nothing typed: nothing to complain of
    qtbot.keyClicks(dialog.field, "yoga studio")
    assert "differ only in capital letters" in dialog.problem.text() and dialog.problem.isVisible()
    assert not _ok(dialog).isEnabled()
    dialog.field.clear()
    qtbot.keyClicks(dialog.field, "x")
    qtbot.keyClick(dialog.field, Qt.Key.Key_Backspace)
    assert dialog.problem.text() == "Enter a name for the site."
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)  # Enter with no name: said again, the dialog stays
    assert dialog.isVisible() and dialog.result() == 0
    qtbot.keyClicks(dialog.field, "  Pilates ")
    assert _ok(dialog).isEnabled() and dialog.problem.isHidden()
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    assert not dialog.isVisible() and dialog.name() == "Pilates"


def test_renaming_offers_the_current_name_and_may_change_only_to_another(qtbot) -> None:
    dialog = _dialog(qtbot, taken=("Yoga Studio", "Pilates"), name="Yoga Studio")
    assert dialog.field.text() == "Yoga Studio" and dialog.field.selectedText() == "Yoga Studio"
    assert not _ok(dialog).isEnabled()
    dialog.field.clear()
    qtbot.keyClicks(dialog.field, "PILATES")
    assert "“Pilates”" in dialog.problem.text()
    dialog.field.clear()
    qtbot.keyClicks(dialog.field, "Yoga & Pilates")
    assert _ok(dialog).isEnabled()


def test_remove_says_the_website_is_not_affected_and_cancel_is_the_default(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: dict[str, object] = {}

    def answer(button_text: str) -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        seen.update(title=box.windowTitle(), text=box.text(), info=box.informativeText(),
                    default=box.defaultButton().text())
        next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()

    QTimer.singleShot(0, lambda: answer("Cancel"))
    assert confirm_remove(parent, "Yoga Studio") is False
    assert seen["title"] == f"Remove site — {APP_NAME}" and "“Yoga Studio”" in str(seen["text"])
    assert "Your website" in str(seen["info"]) and "not affected" in str(seen["info"])
    assert str(seen["default"]).replace("&", "") == "Cancel"
    QTimer.singleShot(0, lambda: answer("Remove site"))
    assert confirm_remove(parent, "Yoga Studio") is True
