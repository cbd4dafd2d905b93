"""Alert sensors: every failed run, and every failed blocking check inside it, goes to the Alerter."""

import dagster as dg

from resources.alerts import Alerter


def failed_blocking_checks(instance: dg.DagsterInstance, run_id: str) -> list[dict]:
    """The blocking asset checks that failed in a run, with what they said."""
    failed = []
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = record.dagster_event.event_specific_data
        if evaluation.blocking and not evaluation.passed:
            failed.append({"check": evaluation.check_name, "asset": evaluation.asset_key.to_user_string(),
                           "partition": evaluation.partition,
                           "metadata": {k: str(v.value)[:500] for k, v in evaluation.metadata.items()}})
    return failed


@dg.run_failure_sensor(description="Alerts on every failed run and on the blocking checks that failed in it.")
def run_failure_alert_sensor(context: dg.RunFailureSensorContext, alerter: Alerter):
    """Sends a run_failure alert, plus one check_failure alert per failed blocking check of the run."""
    run = context.dagster_run
    details = {"run_id": run.run_id, "job": run.job_name, "tags": dict(run.tags),
               "error": context.failure_event.message or ""}
    alerter.send("run_failure", f"run {run.run_id[:8]} of {run.job_name} failed", details)
    for check in failed_blocking_checks(context.instance, run.run_id):
        alerter.send("check_failure", f"blocking check {check['check']} failed on {check['asset']}",
                     {**check, "run_id": run.run_id})
