"""What tests check of a result, in one place."""

from __future__ import annotations

import json

from accessally_desktop.integrations import CheckResult


def assert_no_secret(result: CheckResult, *secrets: str) -> None:
    """None of the secrets appears in anything the owner or `check --json` could see of the result."""
    shown = " ".join([result.message, result.detail, *result.warnings, json.dumps(result.as_json())])
    for secret in secrets:
        assert secret not in shown, f"secret leaked into: {shown}"
