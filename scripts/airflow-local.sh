#!/usr/bin/env bash
# `make airflow`: a local Airflow 3 on the embedded default (SQLite metadata database, LocalExecutor)
# running sammen's DAGs against the sammen home given as $1 (default ./var).
# Starts api-server, scheduler, dag-processor and triggerer; prints the URL and login; Ctrl-C stops
# all four. Drop a file into <home>/landing/<source>/ and the chain runs by itself.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$REPO/.venv/bin"
SAMMEN_HOME_DIR="$(mkdir -p "${1:-var}" && cd "${1:-var}" && pwd)"
AIRFLOW_HOME_DIR="$SAMMEN_HOME_DIR/airflow"
PORT="${AIRFLOW_PORT:-8080}"

mkdir -p "$AIRFLOW_HOME_DIR/logs"
# One place for the configuration (orchestration/airflow_env.py); no database URL: the embedded
# SQLite default in $AIRFLOW_HOME.
eval "$("$BIN/python" -c "
import shlex
from orchestration.airflow_env import airflow_env
for k, v in airflow_env('$AIRFLOW_HOME_DIR', '$SAMMEN_HOME_DIR', api_port=$PORT).items():
    print(f'export {k}={shlex.quote(v)}')
")"
export PATH="$BIN:$PATH"

"$BIN/python" -c "from core.home import Home; Home.at('$SAMMEN_HOME_DIR').ensure()"

# Local login: user admin, a password generated once and kept in AIRFLOW_HOME (not in the repo).
PASSWORDS="$AIRFLOW_HOME_DIR/simple_auth_manager_passwords.json.generated"
if [ ! -s "$PASSWORDS" ]; then
  "$BIN/python" -c "import json, secrets; print(json.dumps({'admin': secrets.token_urlsafe(12)}))" > "$PASSWORDS"
  chmod 600 "$PASSWORDS"
fi
PASSWORD="$("$BIN/python" -c "import json; print(json.load(open('$PASSWORDS'))['admin'])")"

echo "preparing Airflow metadata database in $AIRFLOW_HOME_DIR ..."
airflow db migrate > "$AIRFLOW_HOME_DIR/logs/db-migrate.log" 2>&1 \
  || { tail -20 "$AIRFLOW_HOME_DIR/logs/db-migrate.log"; exit 1; }
"$BIN/python" -m orchestration.pools

PIDS=()
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping Airflow ..."
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  sleep 3
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
}
trap stop INT TERM EXIT

for component in api-server scheduler dag-processor triggerer; do
  setsid airflow "$component" > "$AIRFLOW_HOME_DIR/logs/$component.log" 2>&1 &
  PIDS+=("$!")
done

cat <<INFO

  Airflow is starting (logs: $AIRFLOW_HOME_DIR/logs/)
  URL:      http://127.0.0.1:$PORT
  login:    admin / $PASSWORD
  home:     $SAMMEN_HOME_DIR
  drop a partner file into $SAMMEN_HOME_DIR/landing/<region|municipality|ngo>/ and watch
  sammen_ingest_<source> -> sammen_transform -> sammen_publish run by themselves.
  Ctrl-C stops everything.

INFO

# Exit (and stop the others) as soon as one component dies.
while true; do
  for pid in "${PIDS[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "an Airflow component (pid $pid) exited; see $AIRFLOW_HOME_DIR/logs/" >&2
      exit 1
    fi
  done
  sleep 5
done
