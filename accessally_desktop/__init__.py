"""AccessAlly Desktop: connect a membership site's license, CRM and payment processor."""

__version__ = "0.1.0"
APP_NAME = "AccessAlly Desktop"
