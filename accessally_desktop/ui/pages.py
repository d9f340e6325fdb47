"""The wizard's page ids: light enough for the main window to name a page without loading the wizard."""

from enum import IntEnum

from ..integrations import registry


class PageId(IntEnum):
    WELCOME = 0
    SITE = 1
    LICENSE = 2
    CRM = 3
    CRM_CREDENTIALS = 4
    PAYMENTS = 5
    SUMMARY = 6


def page_for(service_id: str) -> PageId:
    """The wizard page where a service's credentials are entered."""
    pages = {"site": PageId.SITE, "license": PageId.LICENSE, "payment": PageId.PAYMENTS}
    return pages.get(registry.kind_of(service_id), PageId.CRM_CREDENTIALS)
