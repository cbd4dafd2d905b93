"""The log-based alert policy in deploy/ matches exactly the alert lines the GCP alerter writes (offline).

Cloud Logging turns a JSON stdout line into a LogEntry: `severity` and `logging.googleapis.com/labels` become the
entry's severity and labels, everything else jsonPayload. The test builds that entry from a real alert line and
evaluates the policy's filter (its `>=`, `:*` and AND terms) against it.
"""

import json
import re
from pathlib import Path

from resources.gcp.cloud_logging import CloudLoggingFormatter
from resources.gcp.cloud_logging_alerts import CloudLoggingAlerter

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
POLICY = json.loads((DEPLOY / "monitoring" / "alert-policy.json").read_text())
SEVERITIES = ["DEFAULT", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY"]


def log_entry(line: str) -> dict:
    """The LogEntry Cloud Logging makes of one structured stdout line."""
    payload = json.loads(line)
    return {"severity": payload.pop("severity", "DEFAULT"), "labels": payload.pop("logging.googleapis.com/labels", {}),
            "jsonPayload": {k: v for k, v in payload.items() if not k.startswith("logging.googleapis.com/")}}


def field(entry: dict, path: str):
    value = entry
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def matches(filter_text: str, entry: dict) -> bool:
    """Evaluate a conjunction of `severity>=X`, `path:*` and `path="v"` terms, as Cloud Logging would."""
    for term in filter_text.split(" AND "):
        if found := re.fullmatch(r"severity>=(\w+)", term):
            if SEVERITIES.index(entry["severity"]) < SEVERITIES.index(found[1]):
                return False
        elif found := re.fullmatch(r"([\w.]+):\*", term):
            if field(entry, found[1]) in (None, ""):
                return False
        elif found := re.fullmatch(r'([\w.]+)="([^"]*)"', term):
            if field(entry, found[1]) != found[2]:
                return False
        else:
            raise AssertionError(f"filter term {term!r} is not one this test can evaluate")
    return True


def condition_filter() -> str:
    (condition,) = POLICY["conditions"]
    return condition["conditionMatchedLog"]["filter"]


def test_the_policy_is_a_log_match_policy_with_the_rate_limit_cloud_monitoring_requires():
    (condition,) = POLICY["conditions"]
    assert set(condition) == {"displayName", "conditionMatchedLog"}
    assert POLICY["alertStrategy"]["notificationRateLimit"]["period"].endswith("s")
    assert POLICY["enabled"] is True


def test_the_filter_matches_every_alert_line_and_no_ordinary_error_line(capsys):
    CloudLoggingAlerter().send("run_failure", "batch_forecasts failed", {"run_id": "abc"})
    CloudLoggingAlerter().send("check_failure", "raw_series duplicates", {"series": "A"})
    alert_lines = capsys.readouterr().out.splitlines()
    import logging

    record = logging.LogRecord("dagster", logging.ERROR, __file__, 1, "step failed", None, None)
    ordinary_error = CloudLoggingFormatter().format(record)

    assert [matches(condition_filter(), log_entry(line)) for line in alert_lines] == [True, True]
    assert not matches(condition_filter(), log_entry(ordinary_error))


def test_the_label_extractors_name_fields_the_alert_line_has(capsys):
    CloudLoggingAlerter().send("run_failure", "training failed", {})
    entry = log_entry(capsys.readouterr().out)
    extractors = POLICY["conditions"][0]["conditionMatchedLog"]["labelExtractors"]
    for expression in extractors.values():
        path = re.fullmatch(r"EXTRACT\(([\w.]+)\)", expression)[1]
        assert field(entry, path), f"{expression} extracts nothing from an alert line"


def test_the_create_script_creates_this_policy_with_a_notification_channel():
    script = (DEPLOY / "scripts" / "create_alert_policy.sh").read_text()
    assert "--policy-from-file=\"$POLICY\"" in script and "monitoring/alert-policy.json" in script
    assert "monitoring channels create" in script and "--notification-channels=" in script
