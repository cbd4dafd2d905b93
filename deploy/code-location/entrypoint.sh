#!/usr/bin/env bash
# Starts the code-location container in one of two roles:
#   code-server  only the gRPC code server on $CODE_SERVER_HOST:$CODE_SERVER_PORT (default 0.0.0.0:4000), for a
#                deployment whose webserver and daemon run elsewhere
#   all          (default, Cloud Run) the code server on 127.0.0.1:4000, then the daemon and the webserver on
#                0.0.0.0:$PORT; if any of the three stops, the container stops so Cloud Run replaces it whole.
set -euo pipefail

APP_DIR=${APP_DIR:-/opt/dagster/app}
MODULE=forecast_assets.definitions
LOCATION=forecast_platform
cd "$APP_DIR"

case "${1:-all}" in
code-server)
    exec dagster code-server start -m "$MODULE" -d "$APP_DIR" --location-name "$LOCATION" \
        -h "${CODE_SERVER_HOST:-0.0.0.0}" -p "${CODE_SERVER_PORT:-4000}"
    ;;
all)
    pids=()
    trap 'kill -TERM "${pids[@]}" 2>/dev/null || true' TERM INT
    dagster code-server start -m "$MODULE" -d "$APP_DIR" --location-name "$LOCATION" -h 127.0.0.1 -p 4000 &
    pids+=($!)
    # The webserver and daemon load the workspace once at start: wait until the definitions are served.
    for _ in $(seq 1 "${CODE_SERVER_START_SECONDS:-300}"); do
        dagster api grpc-health-check -h 127.0.0.1 -p 4000 >/dev/null 2>&1 && break
        kill -0 "${pids[0]}" 2>/dev/null || { echo "entrypoint: the code server exited while loading" >&2; exit 1; }
        sleep 1
    done
    dagster-daemon run -w "$APP_DIR/workspace.yaml" &
    pids+=($!)
    dagster-webserver -w "$APP_DIR/workspace.yaml" -h 0.0.0.0 -p "${PORT:-3000}" &
    pids+=($!)
    status=0
    wait -n || status=$?
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait || true
    exit "$status"
    ;;
*)
    echo "usage: entrypoint.sh [all|code-server]" >&2
    exit 2
    ;;
esac
