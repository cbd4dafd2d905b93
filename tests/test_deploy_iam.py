"""docs/deploy.md grants each service account exactly the roles its calls need, and its commands grant those.

The role contents are Google's predefined-role reference (cloud.google.com/iam/docs/understanding-roles), reduced
to the permissions this platform uses; the calls are derived from what the code and deploy/ configure.
"""

import re
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GUIDE = (PROJECT_ROOT / "docs" / "deploy.md").read_text()

ROLE_PERMISSIONS = {
    "roles/artifactregistry.writer": {"artifactregistry.repositories.uploadArtifacts",
                                      "artifactregistry.repositories.downloadArtifacts"},
    "roles/run.developer": {"run.services.create", "run.services.update", "run.jobs.create", "run.jobs.update",
                            "run.jobs.runWithOverrides", "run.executions.get", "run.executions.cancel"},
    "roles/iam.serviceAccountUser": {"iam.serviceAccounts.actAs"},
    "roles/storage.objectCreator": {"storage.objects.create"},
    "roles/storage.objectViewer": {"storage.objects.get", "storage.objects.list"},
    "roles/storage.objectUser": {"storage.objects.get", "storage.objects.list", "storage.objects.create",
                                 "storage.objects.delete"},
    "roles/storage.legacyBucketReader": {"storage.buckets.get", "storage.objects.list"},
    "roles/logging.logWriter": {"logging.logEntries.create"},
    "roles/bigquery.jobUser": {"bigquery.jobs.create"},
    "roles/bigquery.dataEditor": {"bigquery.datasets.get", "bigquery.tables.create", "bigquery.tables.get",
                                  "bigquery.tables.getData", "bigquery.tables.updateData", "bigquery.tables.update",
                                  "bigquery.tables.delete"},
    "roles/aiplatform.user": {"aiplatform.customJobs.create", "aiplatform.customJobs.get",
                              "aiplatform.customJobs.list", "aiplatform.customJobs.cancel", "aiplatform.models.upload",
                              "aiplatform.models.get"},
    "roles/secretmanager.secretAccessor": {"secretmanager.versions.access"},
}


def documented() -> list[dict]:
    """The rows of the roles table in section 3."""
    rows = []
    for line in GUIDE.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[1].startswith("`roles/"):
            rows.append({"account": cells[0].strip("`"), "role": cells[1].strip("`"), "call": cells[3],
                         "permissions": set(re.findall(r"`([a-z]+\.[A-Za-z.]+)`", cells[4]))})
    return rows


def granted() -> set[tuple[str, str]]:
    """(account, role) pairs that the guide's commands grant."""
    pairs = set(re.findall(r"^project_role ([\w-]+) (roles/[\w.]+)", GUIDE, re.MULTILINE))
    pairs |= {(account, role) for account, role in
              re.findall(r"^bucket_role \S+ ([\w-]+) (roles/[\w.]+)", GUIDE, re.MULTILINE)}
    pairs |= set(re.findall(r'serviceAccount:\$\(sa ([\w-]+)\)"\s+(?:\\\s+)?--role=(roles/[\w.]+)', GUIDE))
    return pairs


def needed_calls() -> dict[str, set[str]]:
    """Permissions the code and deploy/ configuration call with, per account."""
    instance = yaml.safe_load((PROJECT_ROOT / "deploy" / "dagster.yaml").read_text())
    dagster = {"bigquery.jobs.create", "bigquery.datasets.get", "bigquery.tables.create", "bigquery.tables.getData",
               "bigquery.tables.updateData", "bigquery.tables.delete",  # the IO manager's staged partition replace
               "storage.objects.create", "storage.objects.get", "aiplatform.customJobs.create",
               "aiplatform.customJobs.cancel", "iam.serviceAccounts.actAs", "secretmanager.versions.access",
               "aiplatform.customJobs.list",  # the orphan sensor finds a dead run's jobs by label
               "storage.objects.delete"}  # Pipes chunks and scoring shards are removed once read
    if instance["compute_logs"]["class"] == "GCSComputeLogManager":
        dagster.add("storage.buckets.get")
    if instance["run_launcher"]["class"] == "CloudRunJobRunLauncher":
        dagster |= {"run.jobs.runWithOverrides", "run.executions.get", "run.executions.cancel"}
    return {
        "forecast-dagster": dagster,
        "forecast-trainer": {"storage.objects.get", "storage.objects.create", "storage.buckets.get",
                             "logging.logEntries.create"},
        "forecast-dashboard": {"storage.objects.get", "storage.objects.list", "storage.buckets.get"},
        "forecast-build": {"artifactregistry.repositories.uploadArtifacts", "run.jobs.update", "run.services.update",
                           "iam.serviceAccounts.actAs", "storage.objects.create"},
    }


def test_every_documented_permission_is_in_the_role_that_claims_it():
    rows = documented()
    assert len(rows) >= 15
    for row in rows:
        assert row["permissions"], f"{row['account']} {row['role']}: no permission named"
        missing = row["permissions"] - ROLE_PERMISSIONS[row["role"]]
        assert not missing, f"{row['role']} does not grant {missing} ({row['account']})"


def test_the_documented_roles_cover_every_call_each_account_makes():
    for account, calls in needed_calls().items():
        covered = set().union(*(ROLE_PERMISSIONS[r["role"]] for r in documented() if r["account"] == account))
        assert calls - covered == set(), f"{account} lacks {sorted(calls - covered)}"


def test_the_commands_grant_exactly_the_documented_roles():
    assert granted() == {(row["account"], row["role"]) for row in documented()}


def test_no_account_may_create_datasets_at_the_project_level():
    assert not any("bigquery.datasets.create" in ROLE_PERMISSIONS[r["role"]] for r in documented())
    assert "bq --location=EU mk --dataset $PROJECT:forecast" in GUIDE
