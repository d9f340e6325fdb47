"""The wizard's "Your site" page, before the license: the owner's own website (registry.SITE_IDS),
so that the app can check what the site really does, and the license and Stripe's webhook check use
its address. A service that declares a `connect_button` gets the browser approval ("Connect my
site", ui/site_connect.py) above its fields; copy and paste is always there too. The page can be
left for later, like payments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ..integrations import Status, registry
from ..integrations.wordpress_authorize import APPROVE_BUTTON
from .service_box import ServiceBox
from .site_connect import COPY_PASTE, SiteConnect
from .widgets import StatusBadge, heading, result_text, scrolling
from .wizard_pages import CredentialPage
from .workers import LiveTest

if TYPE_CHECKING:
    from ..integrations import CheckResult
    from .wizard import SetupWizard


class SitePage(CredentialPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("page_site")
        self.setTitle(self.tr("Your website"))
        self.setSubTitle(self.tr("Connect your WordPress site, so that this app can check what your website really "
                                 "does. This app does not change your site."))

    def build(self) -> None:
        wizard = self.setup
        self.site_boxes = {service_id: self.watch(ServiceBox(wizard, service_id)) for service_id in registry.SITE_IDS}
        self.connect_rows: dict[str, ConnectRow] = {}
        self.later = QCheckBox(self.tr("Connect my site &later"))
        self.later.setObjectName("site_later")
        self.registerField("site.later", self.later)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        for service_id, box in self.site_boxes.items():
            column.addWidget(box)
            if box.integration.connect_button:  # its intro above the box, its buttons under the first field (the address)
                row = self.connect_rows[service_id] = ConnectRow(wizard, box)
                column.insertWidget(column.indexOf(box), row.intro)
                box.form.layout().insertRow(1, "", row)
            wizard.prefill(box)
            address = box.form.inputs.get("site_url")
            if wizard.profile.site_url and address is not None and not box.values().get("site_url"):
                box.form.set_values({"site_url": wizard.profile.site_url})  # entered on the license page before
        column.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(scrolling(content), 1)
        layout.addWidget(self.later)
        layout.addWidget(self.untested_box)
        self.content = content
        left = wizard.profile.configured and not set(self.site_boxes) & set(wizard.profile.services())
        self.later.setChecked(left and not any(name.split(".", 1)[0] in self.site_boxes for name in wizard.needed))
        self.untested_box.setChecked(bool(set(self.site_boxes) & wizard.untested))
        self.later.toggled.connect(self._later_toggled)
        self._later_toggled(self.later.isChecked())

    def _later_toggled(self, later: bool) -> None:
        self.content.setEnabled(not later)
        self.untested_box.setEnabled(not later)
        if later:
            for row in self.connect_rows.values():
                row.cancel()
        self.completeChanged.emit()

    def chosen(self) -> list[str]:
        """The site services in use: none when left for later."""
        return [] if self.later.isChecked() else list(self.site_boxes)

    def boxes(self) -> list[ServiceBox]:
        return [self.site_boxes[service_id] for service_id in self.chosen()]

    def all_boxes(self) -> dict[str, ServiceBox]:
        return self.site_boxes

    def isComplete(self) -> bool:
        return self.later.isChecked() or super().isComplete()

    def cleanupPage(self) -> None:
        super().cleanupPage()
        for row in self.connect_rows.values():
            row.cancel()

    def stop_running(self) -> bool:
        """Also stops waiting for the browser (Esc)."""
        busy = [row for row in self.connect_rows.values() if row.busy()]
        for row in busy:
            row.cancel()
        return super().stop_running() or bool(busy)


class ConnectRow(QWidget):
    """“Connect my site”: find the site's approval page, open it in the browser, wait for the answer,
    fill in the box and test at once. “Copy the password instead” opens the same page so that the
    site shows a password to paste."""

    def __init__(self, wizard: SetupWizard, box: ServiceBox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.wizard, self.box, self.integration = wizard, box, box.integration
        service_id = box.service_id
        self.intro = heading(self.tr(
            "<p>Type your site's address, then click <b>%s</b>: your browser opens your site, you log in if it "
            "asks and click “%s”, and this app gets a password of its own. Or make an application password "
            "yourself and paste it (see “Where to find it”).</p>") % (self.integration.connect_button.replace("&", ""), APPROVE_BUTTON))
        self.connect_button = QPushButton(self.tr(self.integration.connect_button))
        self.connect_button.setObjectName(f"connect_{service_id}")
        self.copy_button = QPushButton(self.tr(COPY_PASTE))
        self.copy_button.setObjectName(f"copy_paste_{service_id}")
        self.stop_button = QPushButton(self.tr("Stop waiting"))
        self.stop_button.setObjectName(f"stop_connect_{service_id}")
        self.stop_button.setVisible(False)
        self.status = StatusBadge()
        self.status.setObjectName(f"connect_status_{service_id}")
        self.status.text.setWordWrap(True)
        self.status.setVisible(False)
        self.connector = SiteConnect(self)
        self.connector.connected.connect(self._approved)
        self.connector.failed.connect(self._failed)
        self._finding: LiveTest | None = None
        self.connect_button.clicked.connect(lambda: self._find_page(copy_paste=False))
        self.copy_button.clicked.connect(lambda: self._find_page(copy_paste=True))
        self.stop_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.connect_button, self.copy_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

    def busy(self) -> bool:
        return self._finding is not None or self.connector.waiting()

    def cancel(self) -> None:
        if self.busy():
            self._show("untested", self.tr("Stopped. Click %s to try again.") % self.connect_name())
        if self._finding is not None:
            self._finding.cancel()
            self._finding = None
        self.connector.cancel()
        self._set_waiting(False)

    def connect_name(self) -> str:
        return "“" + self.integration.connect_button.replace("&", "") + "”"

    def _find_page(self, *, copy_paste: bool) -> None:
        self.cancel()
        values = self.box.values()
        self._show(None, self.tr("Looking for your site's approval page…"))
        self._set_waiting(True)
        finding = LiveTest(self.box.service_id, lambda attempt: self.integration.approval_page(values, attempt=attempt),
                           timeout=self.wizard.test_timeout, parent=self)
        finding.finished.connect(lambda result, f=finding: self._found(f, result, copy_paste))
        self._finding = finding

    def _found(self, finding: LiveTest, result: CheckResult, copy_paste: bool) -> None:
        finding.deleteLater()
        if finding is not self._finding:
            return  # stopped meanwhile
        self._finding = None
        address = self.integration.approval_address(result) if result.ok else None
        if address is None:
            self._set_waiting(False)
            self._show(result.status, result_text(result) if not result.ok else self.tr(
                "Your site does not offer an approval page. Make an application password in WordPress and paste it "
                "below."))
            return
        inputs = self.box.form.inputs
        self.box.form.set_values({k: v for k, v in result.account.extra.items() if k in inputs and v})  # canonical
        site_url = result.account.extra.get("site_url") or self.box.values().get("site_url", "")
        if copy_paste:
            self._set_waiting(False)
            if self.connector.copy_paste_instead(address):
                self._show("untested", self.tr("Your browser shows your site's approval page: click “%s”, then copy "
                                               "the password it shows and paste it under Application password.") % APPROVE_BUTTON)
            return
        if self.connector.start(address, site_url):
            self._show(None, self.tr("Waiting for you to approve in your browser: log in to your site if it asks, "
                                     "then click “%s”.") % APPROVE_BUTTON)
        else:
            self._set_waiting(False)

    def _approved(self, site_url: str, user: str, password: str) -> None:
        self._set_waiting(False)
        self._show("ok", self.tr("Approved. Testing the connection…"))
        self.box.set_shown_values(self.integration.approved_values(site_url, user, password))
        window = self.window()
        window.raise_()  # the owner is in the browser: bring the wizard back
        window.activateWindow()
        self.box.start_test(self.integration.test_approved)
        self.box.panel.button.setFocus()

    def _failed(self, message: str) -> None:
        self._set_waiting(False)
        self._show(Status.NOT_FOUND, message)

    def _set_waiting(self, waiting: bool) -> None:
        self.connect_button.setEnabled(not waiting)
        self.copy_button.setEnabled(not waiting)
        self.stop_button.setVisible(waiting)

    def _show(self, status: Status | str | None, words: str) -> None:
        self.status.set_status(status, words)
        self.status.setVisible(bool(words))

