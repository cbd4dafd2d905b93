#!/usr/bin/env bash
# Creates the three Cloud Build triggers: each workflow builds on a push to main that touches the files it owns.
# Needs a 2nd-gen repository connection (docs/deploy.md, "Cloud Build triggers") and these settings:
#   PROJECT  REGION  CONNECTION  REPOSITORY  DAGSTER_PG_HOST   (optional: BRANCH, default ^main$)
# Re-running it replaces the triggers (delete, then create).
set -euo pipefail

: "${PROJECT:?set PROJECT}" "${REGION:?set REGION}" "${CONNECTION:?set CONNECTION}" "${REPOSITORY:?set REPOSITORY}"
: "${DAGSTER_PG_HOST:?set DAGSTER_PG_HOST (the Cloud SQL private IP)}"
BRANCH=${BRANCH:-^main$}
BUILD_SA="projects/$PROJECT/serviceAccounts/forecast-build@$PROJECT.iam.gserviceaccount.com"
REPO="projects/$PROJECT/locations/$REGION/connections/$CONNECTION/repositories/$REPOSITORY"

# create_trigger NAME WORKFLOW INCLUDED_FILES [extra gcloud flags...]
create_trigger() {
    local name=$1 workflow=$2 included=$3
    shift 3
    gcloud builds triggers delete "$name" --project="$PROJECT" --region="$REGION" --quiet 2>/dev/null || true
    gcloud builds triggers create github --project="$PROJECT" --region="$REGION" \
        --name="$name" --repository="$REPO" --branch-pattern="$BRANCH" \
        --build-config="$workflow" --included-files="$included" \
        --service-account="$BUILD_SA" "$@"
}

create_trigger forecast-trainer deploy/cloudbuild/trainer.yaml \
    'trainer/**,deploy/cloudbuild/trainer.yaml' \
    --substitutions="_REGION=$REGION"
create_trigger forecast-code-location deploy/cloudbuild/code-location.yaml \
    'forecast_assets/**,monitoring/**,resources/**,sensors/**,trainer/**,pyproject.toml,uv.lock,deploy/code-location/**,deploy/dagster.yaml,deploy/__init__.py,deploy/release.py,deploy/cloud_run_launcher.py,deploy/scripts/install_locked.sh,deploy/cloudbuild/code-location.yaml' \
    --substitutions="_REGION=$REGION,_DAGSTER_PG_HOST=$DAGSTER_PG_HOST"
create_trigger forecast-dashboard deploy/cloudbuild/dashboard.yaml \
    'deploy/dashboard/**,pyproject.toml,uv.lock,deploy/scripts/install_locked.sh,deploy/cloudbuild/dashboard.yaml' \
    --substitutions="_REGION=$REGION"
