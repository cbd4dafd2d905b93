#!/usr/bin/env bash
# Creates the log-based alert policy for the platform's alert lines (deploy/monitoring/alert-policy.json) with an
# email notification channel, so an alert on GCP reaches a person even when no webhook is set.
#   PROJECT=my-project ALERT_EMAIL=oncall@example.com deploy/scripts/create_alert_policy.sh
set -euo pipefail
: "${PROJECT:?set PROJECT}" "${ALERT_EMAIL:?set ALERT_EMAIL}"
POLICY=$(dirname "$0")/../monitoring/alert-policy.json

channel=$(gcloud beta monitoring channels create --project="$PROJECT" --type=email \
    --display-name="forecast platform on-call" --channel-labels=email_address="$ALERT_EMAIL" \
    --format='value(name)')
gcloud alpha monitoring policies create --project="$PROJECT" --policy-from-file="$POLICY" \
    --notification-channels="$channel"
