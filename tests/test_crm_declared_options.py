"""Settings › Payment › CRM Integration for every CRM the registry declares: each shows its declared
options and nothing of the others, in its declared defaults, each input named for a screen reader.
A CRM added to the registry is covered here without editing this file."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QPlainTextEdit, QPushButton, QWidget
from support.crm_panel import Credentials, child, click, load, wait_fetched

from accessally_desktop.integrations import registry
from accessally_desktop.integrations.options import Pick, Toggle
from accessally_desktop.integrations.registry import NO_CRM
from accessally_desktop.sandbox.drip import TWO_ACCOUNTS_TOKEN
from accessally_desktop.settings import SiteProfile

WITH_OPTIONS = [crm for crm in registry.CRM_IDS if registry.get(crm).options]
WITHOUT_OPTIONS = [crm for crm in registry.CRM_IDS if not registry.get(crm).options]
NO_CRM_CHOICES = [NO_CRM, ""]  # "AccessAlly Managed", and nothing chosen yet


def declared_inputs(crm: str) -> set[str]:
    """The inputs a CRM's declared options put on the panel before any fetch has answered (named as
    crm_section and option_widgets name them); without a CRM, the button to the Setup Wizard."""
    if crm not in registry.CRM_IDS:
        return {"open_setup_wizard"}
    names: set[str] = set()
    for option in registry.get(crm).options:
        name = f"{crm}_{option.key}"
        if isinstance(option, Toggle):
            names.add(name)
        elif isinstance(option, Pick):
            names.add(f"refresh_{option.lookup.name}")
            if option.none_label:  # a pick that needs an item reads as text until there is a choice
                names.add(name)
        else:
            names |= {name, f"copy_{name}"} | ({f"refresh_{option.lookup.name}"} if option.lookup else set())
    return names


@pytest.mark.parametrize("crm", [*registry.CRM_IDS, *NO_CRM_CHOICES])
def test_only_the_configured_crm_options_are_visible(qtbot, panel, crm) -> None:
    expected = declared_inputs(crm)
    assert expected or crm in WITHOUT_OPTIONS
    every_input = set().union(*(declared_inputs(c) for c in [*registry.CRM_IDS, NO_CRM]))
    panel.load(SiteProfile("Site", crm=crm), Credentials({}))
    wait_fetched(qtbot, panel)
    visible = {name for name in every_input if any(w.isVisible() for w in panel.findChildren(QWidget, name))}
    assert visible == expected
    assert panel.sections[crm or NO_CRM].isVisible()
    for other, section in panel.sections.items():
        if other != (crm or NO_CRM):
            assert section.isHidden(), other  # hidden, not greyed out


@pytest.mark.parametrize("crm", WITH_OPTIONS)
def test_a_fresh_site_shows_each_declared_default_with_nothing_to_apply(qtbot, panel, crm) -> None:
    panel.load(SiteProfile("Fresh", crm=crm), Credentials({}))
    for option in registry.get(crm).options:
        if isinstance(option, Toggle):
            assert child(panel, QCheckBox, f"{crm}_{option.key}").isChecked() is option.default, option.key
    wait_fetched(qtbot, panel)
    assert not panel.has_unapplied_changes()
    assert not child(panel, QPushButton, "apply_crm").isEnabled()


@pytest.mark.parametrize(("crm", "words"), [*[(crm, registry.get(crm).options_note) for crm in WITHOUT_OPTIONS],
                                            (NO_CRM, "AccessAlly Managed"), ("", "No CRM is chosen")])
def test_crms_without_options_say_so(qtbot, panel, crm, words) -> None:
    assert words  # a CRM without options says why
    credentials = Credentials({})
    panel.load(SiteProfile("Site", crm=crm), credentials)
    text = " ".join(label.text() for label in panel.findChildren(QLabel) if label.isVisible())
    assert words in text
    if crm in NO_CRM_CHOICES:
        assert "Setup Wizard" in text
        with qtbot.waitSignal(panel.setup_wizard_requested, timeout=1000):
            click(qtbot, child(panel, QPushButton, "open_setup_wizard"))
    assert not panel.fetching and credentials.threads == []  # nothing to fetch, no keyring read
    assert not child(panel, QPushButton, "apply_crm").isVisible()


CHOICES_TOKENS = {"drip": {"api_token": TWO_ACCOUNTS_TOKEN}}  # credentials that bring a choice to pick from


@pytest.mark.parametrize("crm", WITH_OPTIONS)
def test_every_visible_input_has_an_accessible_name_and_labels_have_buddies(qtbot, panel, serve, crm) -> None:
    server = serve(crm)
    server.rate_limit = None  # not what this is about
    values = {**server.credentials(), **CHOICES_TOKENS.get(crm, {})}
    shown = {name: value for name, value in values.items() if name not in registry.get(crm).secret_fields}
    load(qtbot, panel, SiteProfile("Site", crm=crm, values={crm: shown}), values)
    inputs = [w for cls in (QCheckBox, QComboBox, QPushButton, QPlainTextEdit) for w in panel.findChildren(cls)
              if w.isVisible()]
    assert inputs
    for widget in inputs:
        assert widget.accessibleName(), widget.objectName()
    for label in panel.findChildren(QLabel):
        if label.isVisible() and "&" in label.text().replace("&&", "").replace("&amp;", ""):
            assert label.buddy() is not None and label.buddy().isVisible(), label.text()
