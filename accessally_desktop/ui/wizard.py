"""The Get Started setup wizard: your site, license, CRM, payments, summary; Finish saves everything at once.

Pages have explicit ids and one `next_page` function holds the page graph. Every input is a
wizard field named "<service id>.<field>" (plus crm.provider, payments.<id>, payments.later, and a
service's variant and credential kind: see `service_box`), so tests and later pages read the same names.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QApplication,
    QWidget,
    QWizard,
)

from .. import integrations
from ..integrations import DEFAULT_TIMEOUT, Status, registry
from ..integrations.redaction import secret_shape_in
from ..settings import SavedResult, Settings, SiteProfile
from ..storage import (
    SaveError,
    Storage,
    kept_result,
    secret_names,
    stored_name,
    unmoved_names,
    variants,
    with_unmoved,
)
from .pages import PageId, page_for
from .payments_page import PaymentsPage
from .screen_fit import fit_to_screen
from .service_box import ServiceBox, Tested
from .site_page import SitePage
from .welcome_page import WelcomePage
from .when import when_text
from .widgets import window_title
from .wizard_pages import (
    CredentialPage,
    CrmCredentialsPage,
    CrmPage,
    LicensePage,
    SummaryPage,
)
from .wizard_steps import StepTitles, next_page, show_help
from .workers import submit

if TYPE_CHECKING:
    from ..integrations import CheckResult, Integration

log = logging.getLogger(__name__)

NO_CRM = registry.NO_CRM


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
        self.setWindowTitle(window_title((self.tr("SANDBOX — ") if sandbox else "") + self.tr("Setup of %s") % site))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setOption(QWizard.WizardOption.HaveHelpButton, True)
        self.setButtonText(QWizard.WizardButton.HelpButton, self.tr("&Help"))
        self.helpRequested.connect(lambda: show_help(self))
        fit_to_screen(self, 760, 640)
        self.welcome = WelcomePage(self)
        self.website = SitePage(self)
        self.license = LicensePage(self)
        self.crm = CrmPage(self)
        self.crm_credentials = CrmCredentialsPage(self)
        self.payments = PaymentsPage(self)
        self.summary = SummaryPage(self)
        for page_id, page in ((PageId.WELCOME, self.welcome), (PageId.SITE, self.website), (PageId.LICENSE, self.license),
                              (PageId.CRM, self.crm), (PageId.CRM_CREDENTIALS, self.crm_credentials),
                              (PageId.PAYMENTS, self.payments), (PageId.SUMMARY, self.summary)):
            self.setPage(page_id, page)
        self.setStartId(start)
        self.step_titles = StepTitles(self)
        self.currentIdChanged.connect(self.step_titles.show)
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

    def credential_pages(self) -> tuple[CredentialPage, ...]:
        return self.website, self.license, self.crm_credentials, self.payments

    def box(self, service_id: str) -> ServiceBox:
        """A service's box, building its page (filled from the saved setup) if it was not shown yet."""
        return self.page(page_for(service_id)).box(service_id)

    def boxes(self) -> dict[str, ServiceBox]:
        """The service boxes built so far."""
        return {sid: box for page in self.credential_pages() if page.built for sid, box in page.all_boxes().items()}

    def services_in_use(self) -> list[str]:
        crm = self.chosen_crm()
        self.payments.ensure_built()
        return [*self.website.chosen(), *registry.LICENSE_IDS, *([crm] if crm in registry.CRM_IDS else []),
                *self.payments.chosen()]

    def site_address(self) -> str:
        """The site's address as known now: the canonical one a passing site test found, else as typed on
        the "Your site" page, else on the license page ("" if none)."""
        boxes = self.boxes()
        site = self.website.chosen() if self.website.built else []
        for box in (boxes[s] for s in (*site, *registry.LICENSE_IDS) if s in boxes):
            result = box.current_result()
            found = result.account.extra.get("site_url", "") if result is not None and result.ok else ""
            if found or (found := box.integration.check_format(box.values()).values.get("site_url", "")):
                return found
        return ""

    # -- prefill from saved settings and keyring ----------------------------------------------------

    def prefill(self, box: ServiceBox) -> None:
        """Fill a newly built box from the saved profile and the secrets read (off the GUI thread)
        for it, and take over its saved result; mark the fields still needed."""
        service_id, profile = box.service_id, self.profile
        secrets = with_unmoved(profile, self.initial_secrets)
        box.load({variant: self._saved_values(service_id, variant, secrets) for variant in variants(service_id)},
                 profile.variant(service_id), profile.kind(service_id))
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

    def storage_description(self) -> str:
        if self.storage_note:
            return self.storage_note
        if not self.storage.secrets.persistent:
            return self.tr("⚠ Your keys will be kept in this app's memory for this session only.")
        return self.tr("Your keys will be saved in your %s; other settings in your user settings folder.") \
            % self.storage.secrets.shown_as

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
        profile.payments = self.payments.chosen()
        profile.payments_later = bool(self.field("payments.later"))
        secrets: dict[str, str | None] = dict.fromkeys(secret_names())  # the old names of moved entries too
        values_by_service: dict[str, dict[str, str]] = {}
        for service_id in in_use:
            box = self.box(service_id)
            integration = box.integration
            if box.variant:
                profile.variants[service_id] = box.variant
            if box.kind:
                profile.kinds[service_id] = box.kind
            saved: dict[str, str] = {}
            for variant, raw in box.values_per_variant().items():
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
        profile.site_url = self.site_address() or profile.site_url
        now = time.time()
        results = {}
        for service_id in in_use:
            result = self.box(service_id).current_result()
            if result is not None and not (service_id in self.untested and not result.ok):
                results[service_id] = kept_result(result, profile.results.get(service_id), now)
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
        if not any(page.built for page in (self.crm, *self.credential_pages())):
            return False  # nothing but the welcome page was shown: nothing typed
        try:
            settings, secrets = self.collect()
        except SaveError:  # what was typed cannot be saved as it is (a secret in a plain field): still typed
            return True
        before = self.settings.sites[self.site]
        after = settings.sites[self.site]
        if _choices(before) != _choices(after):
            return True
        typed = {service: values for service, values in after.values.items() if values}
        if typed != {service: values for service, values in before.values.items() if values}:
            return True
        initial, moved = with_unmoved(before, self.initial_secrets), unmoved_names()  # a move is no change
        return any(secrets.get(name) != initial.get(name) for name in secrets if name not in moved)

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

def _choices(profile: SiteProfile) -> tuple:
    """What a site is set to use, as the owner sees it: an unset variant is the service's first. (A
    connection left as it was, like the site's empty page, is no choice.)"""
    chosen = {s: (profile.variant(s), profile.kind(s)) for s in profile.services()
              if registry.get(s).variants or registry.get(s).kinds}
    return profile.crm, sorted(profile.payments), profile.payments_later, chosen


def _result_from_saved(service_id: str, saved: SavedResult) -> CheckResult:
    try:
        status = Status(saved.status)
    except ValueError:
        status = Status.BAD_RESPONSE
    account = integrations.Account(name=saved.account_name, id=saved.account_id, mode=saved.mode,
                                   extra=dict(saved.extra))
    when = when_text(saved.tested_at)
    message = saved.message + (f" (tested {when})" if when and "(tested" not in saved.message else "")
    return integrations.CheckResult(service_id, status, message, account=account, elapsed_ms=saved.elapsed_ms,
                                    facts=dict(saved.facts))

