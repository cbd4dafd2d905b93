#!/bin/sh
# Install locked dependencies into a virtual environment. The images run this, and so does
# tests/test_deploy_images.py, so the test checks exactly what an image installs.
#
#   install_locked.sh PROJECT_DIR VENV                 the project's runtime dependencies, exactly as in uv.lock
#                                                      (no dev/trainer/bench groups): the code-location image
#   install_locked.sh PROJECT_DIR VENV REQUIREMENTS    only REQUIREMENTS, every version uv.lock also holds
#                                                      pinned to it: the dashboard image
#
# UV names the uv to use: the project's .tools/bin/uv in tests (FORECAST_UV), /usr/local/bin/uv in the images.
set -eu
uv=${UV:-${FORECAST_UV:-}}
[ -n "$uv" ] || { echo "install_locked.sh: set UV to the uv binary to use (the project's .tools/bin/uv)" >&2; exit 2; }
[ -x "$uv" ] || { echo "install_locked.sh: UV=$uv is not an executable" >&2; exit 2; }

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 PROJECT_DIR VENV [REQUIREMENTS]" >&2
    exit 2
fi
project_dir=$1
venv=$2
requirements=${3:-}
for needed in "$project_dir/pyproject.toml" "$project_dir/uv.lock" ${requirements:+"$requirements"}; do
    [ -f "$needed" ] || { echo "install_locked.sh: missing file $needed" >&2; exit 2; }
done

locked=$(mktemp)
trap 'rm -f "$locked"' EXIT
# --frozen: install what uv.lock says, never re-resolve (a stale lock fails instead of drifting).
"$uv" export --project "$project_dir" --frozen --no-default-groups --no-emit-project --no-hashes \
    --format requirements-txt --output-file "$locked" >/dev/null

[ -x "$venv/bin/python" ] || "$uv" venv --quiet --python "${INSTALL_PYTHON:-3.11}" "$venv"
if [ -z "$requirements" ]; then
    "$uv" pip install --quiet --python "$venv/bin/python" --requirement "$locked"
else
    "$uv" pip install --quiet --python "$venv/bin/python" --requirement "$requirements" --constraint "$locked"
fi
