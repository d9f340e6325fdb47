"""The wizard's page ids: light enough for the main window to name a page without loading the wizard."""

from enum import IntEnum


class PageId(IntEnum):
    WELCOME = 0
    LICENSE = 1
    CRM = 2
    CRM_CREDENTIALS = 3
    PAYMENTS = 4
    SUMMARY = 5
