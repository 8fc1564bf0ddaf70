#!/bin/bash
# Run the suite the way CI does: a throw-away HOME, a real D-Bus session bus and a real,
# unlocked gnome-keyring (Secret Service), so keyring/notification tests use real parts.
#   scripts/run-tests.sh            the whole suite (bench excluded)
#   scripts/run-tests.sh --bench    the benchmarks, printing a table
#   ORDERTRACK_VENV=.venv313 scripts/run-tests.sh ...   the same with another venv (another Python line)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY="$ROOT/${ORDERTRACK_VENV:-.venv}/bin/python"
SANDBOX=$(mktemp -d -t ordertrack-ci.XXXXXX)
trap 'rm -rf "$SANDBOX"' EXIT
export HOME=$SANDBOX/home XDG_RUNTIME_DIR=$SANDBOX/run
export XDG_DATA_HOME=$HOME/.local/share XDG_CONFIG_HOME=$HOME/.config XDG_CACHE_HOME=$HOME/.cache
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" && mkdir -m 700 "$XDG_RUNTIME_DIR"
unset ORDERTRACK_HOME DISPLAY
export PYTHONDONTWRITEBYTECODE=1
if [ "${1:-}" = "--bench" ]; then
  shift
  ARGS=(-m bench -p no:cacheprovider -q -s tests/bench "$@")
else
  ARGS=(-p no:cacheprovider -q "$@")
fi
export ORDERTRACK_PY="$PY"
exec dbus-run-session -- bash -c '
  printf %s "ci-keyring-pw" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$ORDERTRACK_PY" -m pytest "$@"
' run-tests "${ARGS[@]}"
