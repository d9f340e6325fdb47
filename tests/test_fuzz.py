"""Property tests: no input the owner types, no answer a server sends, no settings file on disk can
crash the app, and no garbage answer ever shows as a pass.

Three properties, each run over every service:

- `check_format` takes any mapping of field name -> anything (control characters, 100 KB strings,
  None, numbers, unknown keys) and returns a FormatReport, quickly, without its own safety net
  (`validate` raising is caught and logged; a logged crash fails the test).
- `test()` against a loopback server that answers the service's call with whatever hypothesis
  generates (status, content type, Retry-After/Location, arbitrary bytes, HTML, JSON of any
  shape, near-valid JSON with wrong types and nulls) returns one CheckResult with a message, never
  raises, never reaches the "failed unexpectedly" net, and is never OK unless the answer has what
  a real pass needs (see `PLAUSIBLE`).
- `SettingsStore.load()` on any bytes either loads settings or reports a problem and moves the
  file aside; what it loads can be saved and loaded again unchanged.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import phpserialize
import pytest
from hypothesis import HealthCheck, currently_in_test_context, example, given, note, settings
from hypothesis import strategies as st

from accessally_desktop.integrations import registry
from accessally_desktop.integrations.base import FormatReport, Problem
from accessally_desktop.integrations.results import CheckResult
from accessally_desktop.integrations.status import Status
from accessally_desktop.integrations.transport import Reply
from accessally_desktop.sandbox import server_class
from accessally_desktop.sandbox.server import HTML_PAGE, Request, Response, SandboxServer
from accessally_desktop.settings import Settings, SettingsStore, settings_from_dict, settings_to_dict

FUZZ = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


# -- a log watcher: the safety nets in base.py log when they catch something -----------------------

class _Caught(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def crashes(self) -> list[str]:
        return [f"{r.getMessage()}\n{logging.Formatter().formatException(r.exc_info) if r.exc_info else ''}"
                for r in self.records
                if "failed unexpectedly" in r.getMessage() or "format check of" in r.getMessage()]


@pytest.fixture
def safety_nets() -> Iterator[_Caught]:
    """Records what `Integration.check_format`/`_run` had to catch: a bug, even if no exception escapes."""
    handler = _Caught()
    logger = logging.getLogger("accessally_desktop.integrations.base")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


# == 1. check_format ================================================================================

ALL_FIELDS = sorted({f.name for i in registry.all_integrations() for f in i.fields})

control_text = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("\x00\x07\t\n\r\x0b\x0c\x1b\x7f\u200b\u2028\ufeff "),
                       max_size=60)
huge_text = st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=10), st.integers(1000, 10_000))
field_value = st.one_of(
    st.none(), st.integers(), st.floats(), st.booleans(), control_text, huge_text,
    # shapes owners really paste: keys with padding, URLs, other services' keys
    st.sampled_from(["  sk_live_" + "a" * 24 + "\n", "pk_test_abc", "whsec_123", "kit_" + "A" * 20, "KeapAK-x",
                     "https://acme.activehosted.com", "http://acme.api-us1.com/api/3/", "https://[::1",
                     "https://acme.api-us1.com:99999", "http://]x",
                     "0123456789abcdef0123456789abcdef", "name_api1.example.com", "https://www.getdrip.com/1234567/",
                     "ATdemo" + "x" * 80, "live", "sandbox", "LIVE", "", " ", "\u00a0"]),
)
field_maps = st.dictionaries(st.sampled_from(ALL_FIELDS) | st.text(max_size=12), field_value, max_size=8)


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
@settings(FUZZ, max_examples=120)
@given(values=field_maps)
@example(values={"mode": 0})  # found once: a variant that is not one named a value the report lacked
def test_check_format_takes_anything(service_id: str, values: dict[str, Any], safety_nets: _Caught) -> None:
    safety_nets.records.clear()
    integration = registry.get(service_id)
    started = time.monotonic()
    report = integration.check_format(values)
    elapsed = time.monotonic() - started
    assert isinstance(report, FormatReport)
    assert set(report.values) - {integration.variant_key} == {f.name for f in integration.fields}
    assert all(isinstance(v, str) for v in report.values.values())
    for problem in report.problems:
        assert isinstance(problem, Problem)
        assert problem.severity in ("error", "warning", "note")
        assert isinstance(problem.message, str) and problem.message.strip()
        assert problem.field is None or problem.field in report.values
    # A required field left empty is always an error the owner sees.
    for f in integration.fields:
        if f.required and not report.values[f.name]:
            assert not report.ok
    assert elapsed < 1.0, f"format check took {elapsed:.2f}s (it runs on every keystroke)"
    assert not safety_nets.crashes(), safety_nets.crashes()


# == 2. answers of any shape =======================================================================

# Each case: the service, the values that pass with its stand-in, the request path whose answer is
# fuzzed (every other call is answered by the real stand-in), the vocabulary that makes near-valid
# JSON likely, and PLAUSIBLE: what that answer must hold before OK is an acceptable outcome.

def _text(value: Any) -> str:
    """How the services read a name/id: a non-empty string, or a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def _is_id(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and bool(value.strip()))


def _json_object(answer: Reply) -> dict[str, Any] | None:
    if not 200 <= answer.status < 300 or answer.looks_like_html():
        return None
    try:
        data = json.loads(answer.body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _license(answer: Reply) -> bool:
    """A PHP-serialized array with a version, or with an error whose code is not above 900."""
    if answer.status != 200 or answer.body.lstrip()[:1] == b"<":
        return False
    def refuse(*_: Any) -> Any:
        raise ValueError("object")
    try:
        data = phpserialize.loads(answer.body, decode_strings=True, object_hook=refuse)
    except (ValueError, TypeError, IndexError, KeyError, RecursionError, UnicodeError):
        return False
    if not isinstance(data, dict):
        return False
    if "error" in data:
        code = data.get("error-code")
        try:
            return isinstance(code, (bool, dict)) or code is None or not float(str(code).strip()) > 900
        except ValueError:
            return True
    version = data.get("version")
    return isinstance(version, (str, int, float)) and not isinstance(version, bool) and bool(str(version).strip())


def _keap(answer: Reply) -> bool:
    data = _json_object(answer)
    return data is not None and any((isinstance(data.get(k), str) and data[k].strip()) or
                                    (isinstance(data.get(k), dict) and data[k])
                                    for k in ("name", "email", "website", "time_zone", "address"))


def _ontraport(answer: Reply) -> bool:
    data = _json_object(answer)
    return data is not None and data.get("code") in (0, "0", None) and _is_id(data.get("account_id"))


def _activecampaign(answer: Reply) -> bool:
    data = _json_object(answer)
    user = data.get("user") if data else None
    return isinstance(user, dict) and any(_text(user.get(k)) for k in ("id", "username", "email", "firstName",
                                                                          "lastName"))


def _kit_v3_account(answer: Reply) -> bool:
    data = _json_object(answer)
    return data is not None and bool(_text(data.get("name")) or _text(data.get("primary_email_address")))


def _kit_v3_forms(answer: Reply) -> bool:
    data = _json_object(answer)
    return data is not None and isinstance(data.get("forms"), list)


def _kit_v4_account(answer: Reply) -> bool:
    data = _json_object(answer)
    account, user = (data.get("account"), data.get("user")) if data else (None, None)
    return isinstance(account, dict) and bool(
        _text(account.get("name")) or _text(account.get("primary_email_address"))
        or (isinstance(user, dict) and _text(user.get("email"))))


def _drip(wanted: str) -> Callable[[Reply], bool]:
    def plausible(answer: Reply) -> bool:
        data = _json_object(answer)
        accounts = data.get("accounts") if data else None
        if not isinstance(accounts, list):
            return False
        ids = [a.get("id") for a in accounts if isinstance(a, dict) and _is_id(a.get("id"))]
        return any(str(i) == wanted for i in ids) if wanted else bool(ids)
    return plausible


def _stripe_account(answer: Reply) -> bool:
    data = _json_object(answer)
    return data is not None and isinstance(data.get("id"), str) and data["id"].startswith("acct_")


def _stripe_token(answer: Reply) -> bool:
    data = _json_object(answer)
    return data is not None and isinstance(data.get("id"), str) and data["id"].startswith("tok_")


def _paypal_nvp(answer: Reply) -> bool:
    if not 200 <= answer.status < 300 or answer.looks_like_html():
        return False
    return dict(parse_qsl(answer.text, keep_blank_values=True)).get("ACK") in ("Success", "SuccessWithWarning")


def _paypal_rest(answer: Reply) -> bool:
    data = _json_object(answer)
    return data is not None and isinstance(data.get("access_token"), str) and bool(data["access_token"].strip())


CASES: dict[str, tuple[str, Callable[[SandboxServer], dict[str, str]], str, tuple[str, ...], Callable[[Reply], bool]]] = {
    "license": ("license", lambda s: s.credentials(), "/", ("version", "error", "error-code", "message", "tested",
                                                             "info"), _license),
    "keap": ("infusionsoft", lambda s: s.credentials(), "/crm/rest/v1/account/profile",
             ("name", "email", "website", "time_zone", "address", "message", "fault", "faultstring", "detail",
              "errorcode", "status", "localizedMessage"), _keap),
    "ontraport": ("ontraport", lambda s: s.credentials(), "/1/objects/meta", ("code", "account_id", "data"),
                  _ontraport),
    "activecampaign": ("activecampaign", lambda s: s.credentials(), "/api/3/users/me",
                       ("user", "id", "username", "email", "firstName", "lastName", "message", "errors"),
                       _activecampaign),
    "kit_v3_account": ("convertkit", lambda s: s.credentials(), "/v3/account",
                       ("name", "primary_email_address", "plan_type", "error", "message"), _kit_v3_account),
    "kit_v3_forms": ("convertkit", lambda s: s.credentials(), "/v3/forms",
                     ("forms", "id", "name", "archived", "error", "message"), _kit_v3_forms),
    "kit_v4_account": ("convertkit", lambda s: dict(s.demo_v4), "/v4/account",
                       ("account", "user", "name", "primary_email_address", "email", "id", "plan_type", "errors"),
                       _kit_v4_account),
    "drip_with_account": ("drip", lambda s: s.credentials(), "/v2/accounts",
                          ("accounts", "id", "name", "url", "primary_email", "errors", "code", "message"),
                          _drip("1234567")),
    "drip_any_account": ("drip", lambda s: {**s.credentials(), "account_id": ""}, "/v2/accounts",
                         ("accounts", "id", "name", "url", "primary_email", "errors", "code", "message"), _drip("")),
    "stripe_account": ("stripe", lambda s: s.credentials(), "/v1/account",
                       ("id", "object", "email", "settings", "dashboard", "display_name", "business_profile",
                        "country", "default_currency", "charges_enabled", "error", "message", "type", "code"),
                       _stripe_account),
    "stripe_token": ("stripe", lambda s: s.credentials(), "/v1/tokens",
                     ("error", "code", "message", "type", "id", "object", "livemode"), _stripe_token),
    "stripe_token_read": ("stripe", lambda s: s.credentials(), "/v1/tokens/",  # a trailing / matches any id
                          ("error", "code", "message", "type", "id", "object", "livemode"), _stripe_token),
    "paypal_nvp": ("paypal", lambda s: s.credentials(), "/nvp",
                   ("ACK", "L_ERRORCODE0", "L_LONGMESSAGE0", "L_SHORTMESSAGE0", "CORRELATIONID", "L_CURRENCYCODE0",
                    "L_AMT0", "VERSION", "BUILD"), _paypal_nvp),
    "paypal_rest": ("paypal", lambda s: s.rest_credentials(), "/v1/oauth2/token",
                    ("access_token", "app_id", "token_type", "expires_in", "scope", "error", "error_description"),
                    _paypal_rest),
}

# Values a real answer holds: mixed into generated JSON so near-valid shapes come up often.
VOCABULARY = ["7.4.2", "900", "901", "1e3", "valid", "expired", "invalid", "lifetime",
              "Success", "SuccessWithWarning", "Failure", "10002", "acct_1Fuzz", "acct_", "tok_1Fuzz", "secret_key_required",
              "1234567", "0", "", " ", "Acme", "a@b.example", "2026-07-05 23:59:59", "99999999999999999999", "²",
              0, 1, -1, 1234567, 10**30, -(10**12), 1.5, True, False, None, [], {}]

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                      st.text(max_size=20), st.sampled_from(VOCABULARY))


def json_values(keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    return st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.sampled_from(keys) | st.text(max_size=8), inner, max_size=6),
                        max_leaves=20)


def bodies(keys: tuple[str, ...]) -> st.SearchStrategy[tuple[bytes, str]]:
    """(body, content type): JSON of any shape, NVP-ish forms, HTML, plain bytes, deep nesting."""
    as_json = st.builds(lambda v: json.dumps(v).encode(), json_values(keys))
    objects = st.builds(lambda d: json.dumps(d).encode(),
                        st.dictionaries(st.sampled_from(keys), json_values(keys), min_size=1, max_size=6))
    form = st.builds(lambda d: urlencode(d).encode(),
                     st.dictionaries(st.sampled_from(keys), st.text(max_size=12) | st.sampled_from(
                         [v for v in VOCABULARY if isinstance(v, str)]), max_size=6))
    weird = st.sampled_from([b"", b"null", b"[]", b"{}", b"NaN", b'{"a": Infinity}', b"[" * 5000 + b"]" * 5000,
                             b"\xff\xfe\x00{", HTML_PAGE.encode(), b"<html>", b"\x1f\x8b\x08\x00garbage",
                             '{"name": "\ud800"}'.encode("utf-8", "surrogatepass")])
    as_php = st.builds(phpserialize.dumps, json_values(keys))  # AccessAlly's license server speaks PHP
    php_arrays = st.builds(phpserialize.dumps, st.dictionaries(st.sampled_from(keys), json_values(keys), min_size=1,
                                                               max_size=6))
    body = st.one_of(as_json, objects, objects, form, weird, as_php, php_arrays, st.binary(max_size=400))
    content_type = st.sampled_from(["application/json", "application/json; charset=utf-8", "text/html",
                                    "text/plain", "application/x-www-form-urlencoded", "", "application/json, text/html"])
    return st.tuples(body, content_type)


header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=40)


def answers(keys: tuple[str, ...]) -> st.SearchStrategy[Response]:
    status = st.sampled_from([200, 200, 200, 200, 201, 204, 301, 302, 307, 400, 401, 401, 402, 403, 404, 409,
                              418, 422, 429, 500, 502, 503, 504, 599])
    extra_headers = st.fixed_dictionaries({}, optional={
        "Retry-After": header_text | st.sampled_from(["inf", "nan", "1e400", "-5", "30", "0",
                                                      "Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"]),
        "Location": header_text | st.sampled_from(["http://[", "https://evil.example:99999/", "//x",
                                                   "https://evil.example/?api_key=leak&x=1"]),
        "Request-Id": header_text,
        "paypal-debug-id": header_text,
    })

    def build(body_and_type: tuple[bytes, str], code: int, headers: dict[str, str]) -> Response:
        body, content_type = body_and_type
        if content_type:
            headers = {"Content-Type": content_type, **headers}
        return Response(code, body, headers)
    return st.builds(build, bodies(keys), status, extra_headers)


class _FuzzMixin:
    """Answers `target` with `answer`; everything else as the real stand-in does."""

    target = ""
    answer: Response | None = None
    served: Response | None = None  # the last answer to `target`, fuzzed or real

    def handle(self, request: Request) -> Response:
        if aimed(request.path, self.target) and self.answer is not None:
            self.served = self.answer
            return self.answer
        response = super().handle(request)  # type: ignore[misc]
        if aimed(request.path, self.target):
            self.served = response
        return response


def aimed(path: str, target: str) -> bool:
    """The request the case fuzzes: that path, or under it when the target ends in "/"."""
    return path == target or (target.endswith("/") and path.startswith(target))


@pytest.fixture(scope="module")
def fuzz_servers() -> Iterator[dict[str, SandboxServer]]:
    servers: dict[str, SandboxServer] = {}
    for service_id in dict.fromkeys(case[0] for case in CASES.values()):
        cls = server_class(service_id)
        server = type(f"Fuzz{cls.__name__}", (_FuzzMixin, cls), {})()
        server.rate_limit = None  # hundreds of calls a minute are the point here
        servers[service_id] = server.start()
    yield servers
    for server in servers.values():
        server.stop()


def _check_answer(case: str, answer: Response | None, servers: dict[str, SandboxServer], safety_nets: _Caught,
                  monkeypatch: pytest.MonkeyPatch) -> CheckResult:
    """Serve `answer` to the case's call and check the one result the owner would see."""
    safety_nets.records.clear()
    service_id, values_for, target, _, plausible = CASES[case]
    server = servers[service_id]
    integration = registry.get(service_id)
    monkeypatch.setenv(integration.env_var(), server.url)
    server.target, server.answer, server.served = target, answer, None
    before = len(server.requests)
    try:
        result = integration.test(values_for(server), timeout=5)
    finally:
        server.answer = None
    reached = any(aimed(r.path, target) for r in server.requests[before:])
    assert isinstance(result, CheckResult)
    if currently_in_test_context():
        note(f"result: {result!r}")
    assert isinstance(result.status, Status)
    assert isinstance(result.message, str) and result.message.strip()
    assert "Traceback" not in result.message and "Traceback" not in result.detail
    assert result.elapsed_ms < 5000
    assert not safety_nets.crashes(), safety_nets.crashes()
    answer = server.served
    if answer is None:
        assert not reached
        return result
    reply = Reply(integration.name, answer.status, httpx.Headers(answer.headers), answer.body, server.url)
    if reached and not plausible(reply):
        assert result.status is not Status.OK, f"garbage passed as OK: {answer!r} -> {result.message}"
    return result


@pytest.mark.parametrize("case", CASES)
@settings(FUZZ, max_examples=45)
@given(data=st.data())
def test_any_answer_gives_one_honest_result(case: str, data: st.DataObject, fuzz_servers, safety_nets: _Caught,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    answer = data.draw(answers(CASES[case][3]), label="answer")
    _check_answer(case, answer, fuzz_servers, safety_nets, monkeypatch)


def _json(status: int, data: Any, **headers: str) -> Response:
    return Response(status, json.dumps(data).encode(), {"Content-Type": "application/json", **headers})


def _php(status: int, data: Any) -> Response:
    return Response(status, phpserialize.dumps(data), {"Content-Type": "text/html; charset=UTF-8"})


# Answers hypothesis found (or that sit next to one it found), kept so they are tried on every run.
FOUND = [
    ("keap", _json(200, {"name": None}), Status.BAD_RESPONSE),
    ("keap", _json(200, {"address": [], "time_zone": ""}), Status.BAD_RESPONSE),
    ("ontraport", _json(200, {"account_id": []}), Status.BAD_RESPONSE),
    ("ontraport", _json(200, {"account_id": True}), Status.BAD_RESPONSE),
    ("activecampaign", _json(200, {"user": {}}), Status.BAD_RESPONSE),
    ("activecampaign", _json(200, {"user": {"email": None, "id": False}}), Status.BAD_RESPONSE),
    ("kit_v4_account", _json(200, {"account": {}}), Status.BAD_RESPONSE),
    ("drip_any_account", _json(200, {"accounts": [{"id": {}}]}), Status.BAD_RESPONSE),
    ("drip_any_account", _json(200, {"accounts": [{"id": True}]}), Status.BAD_RESPONSE),
    ("paypal_rest", _json(200, {"access_token": True}), Status.BAD_RESPONSE),
    ("paypal_rest", _json(200, {"access_token": ["x"]}), Status.BAD_RESPONSE),
    ("license", _php(200, {"version": True}), Status.BAD_RESPONSE),
    ("license", _php(200, {"version": {"0": "7"}}), Status.BAD_RESPONSE),
    ("license", _php(200, {"version": " "}), Status.BAD_RESPONSE),
    ("license", _php(200, {"version": 10**30, "message": {"a": [None, True]}}), Status.OK),
    ("license", _php(200, {"error": None, "error-code": "1e400"}), Status.INVALID_CREDENTIALS),
    ("license", _php(200, {"error": ["a"], "error-code": "nan"}), Status.OK),
    ("license", _php(200, {"version": "7.4.2", "error-code": 999}), Status.OK),
    ("ontraport", _json(302, {}, Location="http://["), Status.BAD_RESPONSE),
    ("stripe_account", _json(301, {}, Location="https://evil.example:99999/"), Status.BAD_RESPONSE),
    ("paypal_nvp", _json(429, {}, **{"Retry-After": "inf"}), Status.RATE_LIMITED),
    ("stripe_account", _json(429, {}, **{"Retry-After": "1e400"}), Status.RATE_LIMITED),
    ("drip_with_account", _json(429, {}, **{"Retry-After": "nan"}), Status.RATE_LIMITED),
]


@pytest.mark.parametrize(("case", "answer", "expected"), FOUND, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(FOUND)])
def test_answers_hypothesis_found(case: str, answer: Response, expected: Status, fuzz_servers, safety_nets: _Caught,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    result = _check_answer(case, answer, fuzz_servers, safety_nets, monkeypatch)
    assert result.status is expected, result


@pytest.mark.parametrize("case", CASES)
def test_the_oracle_is_not_vacuous(case: str, fuzz_servers, safety_nets: _Caught,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """PLAUSIBLE accepts the stand-in's real answer (which passes) and refuses empty ones, so "never OK
    for garbage" above is a claim that can fail, not one that holds for any code."""
    result = _check_answer(case, None, fuzz_servers, safety_nets, monkeypatch)
    assert result.status is Status.OK, result
    real = fuzz_servers[CASES[case][0]].served
    plausible = CASES[case][4]
    assert real is not None and plausible(Reply("x", real.status, httpx.Headers(real.headers), real.body, ""))
    for empty in (b"", b"{}", b"[]", b"null", HTML_PAGE.encode()):
        assert not plausible(Reply("x", real.status, httpx.Headers(real.headers), empty, "")), empty


# == 3. the settings file ==========================================================================

SITE_KEYS = ("site_url", "crm", "payments", "payments_later", "variants", "kinds", "values", "options", "results",
             "name", "stripe", "paypal", "stripe_mode", "paypal_environment", "paypal_credentials")  # 3's, and 2's
RESULT_KEYS = ("status", "message", "account_name", "account_id", "mode", "tested_at", "elapsed_ms", "untested",
               "extra")
settings_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                          st.text(max_size=12))
settings_any = st.recursive(settings_leaf, lambda inner: st.lists(inner, max_size=3)
                            | st.dictionaries(st.sampled_from(SITE_KEYS + RESULT_KEYS) | st.text(max_size=6), inner,
                                              max_size=4), max_leaves=12)
saved_result = st.fixed_dictionaries({"status": st.sampled_from(list(Status)).map(str) | settings_leaf,
                                      "message": st.text(max_size=30) | settings_leaf},
                                     optional={k: settings_any for k in RESULT_KEYS[2:]})
site = st.fixed_dictionaries({}, optional={
    **{k: settings_any for k in SITE_KEYS},
    "stripe": st.booleans(), "crm": st.sampled_from(["", "none", "hubspot", *registry.CRM_IDS]),
    "values": st.dictionaries(st.sampled_from(registry.SERVICE_IDS), st.dictionaries(st.text(max_size=8),
                                                                                     st.text(max_size=8), max_size=3)),
    "results": st.dictionaries(st.sampled_from(registry.SERVICE_IDS), saved_result, max_size=3),
})
settings_documents = st.fixed_dictionaries({}, optional={
    "version": st.sampled_from([1, 0, -1, 2, 3, "1", None, True, 1.0]),
    "sites": st.dictionaries(st.text(max_size=10), site, max_size=3) | settings_any,
    "last_site": st.text(max_size=10) | settings_leaf,
    "window": st.dictionaries(st.text(max_size=8), settings_any, max_size=3) | settings_leaf,
})
settings_files = st.one_of(
    st.binary(max_size=300),
    settings_documents.map(lambda d: json.dumps(d).encode()),
    settings_documents.map(lambda d: json.dumps(d).encode()),
    settings_any.map(lambda d: json.dumps(d).encode()),
    st.sampled_from([b"", b"\xef\xbb\xbf{}", b'{"version": 1}', b'{"version": 1, "sites": []}', b"[" * 100_000,
                     b'{"version": 1, "sites": {"a": {"results": {"stripe": {"status": "ok"}}}}}',
                     b'{"version": 1, "last_site": "\\ud800"}', b'{"version": 1e999}', b"1" * 5000,
                     b'{"version": 1, "sites": {"a": {"results": {"drip": {"status": "ok", "message": "", '
                     b'"tested_at": NaN, "elapsed_ms": -1}}}}, "window": {"geometry": "\xc3\xa9"}}']),
)


@settings(FUZZ, max_examples=150)
@given(raw=settings_files)
def test_any_settings_file_loads_or_is_set_aside(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        store = SettingsStore(directory)
        store.path.write_bytes(raw)
        outcome = store.load()
        assert isinstance(outcome.settings, Settings)
        aside = sorted(directory.glob("settings.json.corrupt-*"))
        if outcome.problem and "left out" not in outcome.problem:
            assert not store.path.exists(), "a damaged file must be moved out of the way"
            assert len(aside) == 1 and aside[0].read_bytes() == raw, "…and kept, byte for byte"
            assert aside[0].name in outcome.problem
            assert outcome.settings == Settings()
        else:
            assert store.path.read_bytes() == raw and not aside, "a readable file is left as it is"
            loaded = outcome.settings
            loaded.current()  # the app's first call on the loaded settings
            assert settings_from_dict(json.loads(json.dumps(settings_to_dict(loaded)))) == loaded


def test_settings_load_accepts_only_what_save_can_write(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    store.path.write_bytes(b'{"version": 1, "last_site": "\\ud800"}')
    outcome = store.load()
    store.save(outcome.settings)
    assert store.load().settings == outcome.settings


ADDRESS_FIELDS = [("license", "site_url", {"license_key": "AA-7F3A9C2E-0B1D-4E8F-9A6C", "email": "a@b.example"}),
                  ("activecampaign", "account_url", {"api_key": "a" * 72})]


@pytest.mark.parametrize(("service_id", "field", "others"), ADDRESS_FIELDS, ids=[s for s, _, _ in ADDRESS_FIELDS])
@pytest.mark.parametrize("address", ["[", "https://[::1", "http://]x", "https://[demo.api-us1.com",
                                     "https://members.example.com:99999"])
def test_a_broken_address_is_a_format_error_not_a_crash(service_id: str, field: str, others: dict[str, str],
                                                         address: str, safety_nets: _Caught) -> None:
    report = registry.get(service_id).check_format({**others, field: address})
    assert not safety_nets.crashes(), safety_nets.crashes()
    assert not report.ok and report.for_field(field), report
