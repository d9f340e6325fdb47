"""License server stand-in: the vendor's "hosted_plugin" protocol, PHP-serialized (providers.md §8.2).

`POST /` with `action=update`, `email`, `serial`, `siteurl` answers HTTP 200 with a PHP-serialized
array: `version`, `tested` and `message` for a good license; `error` and usually `error-code` for a
problem (above 900: the serial is not valid). A few demo serials make it answer the other ways a
real server can: a code at or below 900, an error without a code, a web page, bytes that are not
PHP data, a PHP object. A GET is the vendor's WordPress front page (HTML).
"""

from __future__ import annotations

from dataclasses import dataclass

import phpserialize

from .server import HTML_PAGE, Request, Response, SandboxServer, text_response

LATEST_VERSION = "7.4.2"
TESTED_WORDPRESS = "6.7"
SITE_URL = "https://members.example.com"
EMAIL = "jane@members.example.com"

VALID_SERIAL = "AA-7F3A9C2E-0B1D-4E8F-9A6C"  # Jane's, for EMAIL
NOTICE_SERIAL = "AA-2C81E728-D9D4-4C2F-8636"  # good, with a message to show the owner
EXPIRED_UPDATES_SERIAL = "AA-E4DA3B7F-BBCE-4345-D777"  # error-code 101: updates ended, the plugin keeps working
NO_CODE_SERIAL = "AA-45C48CCE-2E2D-4FBD-CD3A"  # an error with no error-code
REVOKED_SERIAL = "AA-C81E728D-9D4C-4F63-6F06"  # error-code 903: refunded, switched off
HTML_SERIAL = "AA-HTML-PAGE-0000-0000"  # answered by a firewall's web page
GARBAGE_SERIAL = "AA-GARBAGE-0000-0000"  # bytes that are not PHP data
OBJECT_SERIAL = "AA-PHP-OBJECT-0000-0000"  # a PHP object where an array belongs

UNKNOWN_ERROR = ("The serial key or e-mail address is not valid. Please log in to your account to retrieve "
                 "the correct information.")
UNKNOWN_CODE = 901


@dataclass(frozen=True)
class Answer:
    """What the server sends for one serial: the fields of its array, or raw bytes."""

    fields: dict | None = None
    raw: bytes = b""
    content_type: str = "text/html; charset=UTF-8"  # what PHP's echo sends by default


def _good(*messages: str) -> Answer:
    return Answer({"version": LATEST_VERSION, "tested": TESTED_WORDPRESS, "message": list(messages)})


ANSWERS: dict[str, Answer] = {
    VALID_SERIAL: _good(),
    NOTICE_SERIAL: _good("Your AccessAlly subscription renews on 1 March. <a href=\"#\">Manage it here</a>."),
    EXPIRED_UPDATES_SERIAL: Answer({"error": "Your AccessAlly update subscription has expired. Renew it to keep "
                                             "getting updates.", "error-code": 101}),
    NO_CODE_SERIAL: Answer({"error": "The license server is in maintenance mode; your license was not checked."}),
    REVOKED_SERIAL: Answer({"error": "This serial key has been deactivated. Please purchase a new subscription.",
                            "error-code": 903}),
    HTML_SERIAL: Answer(raw=HTML_PAGE.encode()),
    GARBAGE_SERIAL: Answer(raw=b'a:2:{s:7:"version";s:9:"7.4'),
    OBJECT_SERIAL: Answer(raw=b'O:8:"stdClass":1:{s:7:"version";s:5:"7.4.2";}'),
}


class LicenseSandbox(SandboxServer):
    """AccessAlly's license server. `ANSWERS` by serial; any serial works only with EMAIL."""

    service = "license"
    demo = {"email": EMAIL, "license_key": VALID_SERIAL, "site_url": SITE_URL}

    def root(self, request: Request) -> Response:
        if request.method != "POST":
            return text_response(HTML_PAGE, 200, "text/html; charset=UTF-8")
        form = request.form()
        if form.get("action") != "update":
            return _php({"error": "Unknown action.", "error-code": 1})
        answer = ANSWERS.get(form.get("serial", ""))
        if answer is None or form.get("email", "").strip().lower() != EMAIL:
            return _php({"error": UNKNOWN_ERROR, "error-code": UNKNOWN_CODE})
        if answer.fields is None:
            return Response(200, answer.raw, {"Content-Type": answer.content_type})
        return _php(answer.fields)

    routes = {("GET", "/"): root, ("POST", "/"): root}


def _php(fields: dict) -> Response:
    # The vendor's server echoes serialize() output with PHP's default content type, text/html.
    return Response(200, phpserialize.dumps(fields), {"Content-Type": "text/html; charset=UTF-8"})
