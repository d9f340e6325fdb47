"""The wizard's page ids: light enough for the main window to name a page without loading the wizard."""

from enum import IntEnum

from ..integrations import registry


class PageId(IntEnum):
    WELCOME = 0
    LICENSE = 1
    CRM = 2
    CRM_CREDENTIALS = 3
    PAYMENTS = 4
    SUMMARY = 5


def page_for(service_id: str) -> PageId:
    """The wizard page where a service's credentials are entered."""
    return {"license": PageId.LICENSE, "payment": PageId.PAYMENTS}.get(registry.kind_of(service_id),
                                                                        PageId.CRM_CREDENTIALS)
