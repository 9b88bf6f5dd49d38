#!/usr/bin/env bash
# Keeps the manager's admin password equal to the mounted Secret: on every start (not only the first: a restarted manager
# keeps the password its volume holds) and again whenever the Secret is rotated (a directory mount sees the new value).
# Waits for the manager's REST service, sets the password with the manager's own Python (set-admin-password.py, which
# changes nothing when it already matches), then proves it by logging in. The password travels only on stdin: never
# on a command line, in a log or in a file of ours. The first time the manager answers, it commits the start on the
# volume (seed-and-link.sh started), so a later start neither undoes it nor lets an older image run over it.
# As a keeper (poll > 0) it never gives up: a failure is logged with its reason and retried with growing pauses.
#
# Environment:
#   CMOM_ADMIN_USERNAME          admin user (default admin)
#   CMOM_ADMIN_PASSWORD_FILE     file holding the password (required; a Secret mounted as a directory)
#   CMOM_MANAGER_URL             where the REST service answers inside the pod (default http://127.0.0.1)
#   CMOM_HEALTH_PATH             anonymous request the REST service answers when up (default /api/v3.1/ok)
#   CMOM_HEALTH_STATUS           the HTTP status it answers with then (default 200)
#   CMOM_COMMIT_START            1: commit the start on the volume once the manager answers (default 0)
#   CMOM_STARTUP_BUDGET          seconds to wait for the REST service (default 1800)
#   CMOM_ADMIN_PASSWORD_POLL     seconds between checks for a rotated Secret; 0 = apply once and exit (default 60)
#   CMOM_MANAGER_PYTHON          the manager's Python (default /opt/manager/env/bin/python)
#   CMOM_APPLY_ATTEMPTS          tries per change, with doubling pauses (default 5)
set -Euo pipefail

readonly username=${CMOM_ADMIN_USERNAME:-admin}
readonly password_file=${CMOM_ADMIN_PASSWORD_FILE:-}
readonly manager_url=${CMOM_MANAGER_URL:-http://127.0.0.1}
readonly health_path=${CMOM_HEALTH_PATH:-/api/v3.1/ok}
readonly health_status=${CMOM_HEALTH_STATUS:-200}
readonly commit_start=${CMOM_COMMIT_START:-0}
readonly budget=${CMOM_STARTUP_BUDGET:-1800}
readonly poll=${CMOM_ADMIN_PASSWORD_POLL:-60}
readonly manager_python=${CMOM_MANAGER_PYTHON:-/opt/manager/env/bin/python}
readonly attempts=${CMOM_APPLY_ATTEMPTS:-5}
hooks_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
readonly hooks_dir setter=$hooks_dir/set-admin-password.py

log() { printf 'cmom-admin-password: %s\n' "$*"; }
fail() {
  printf 'cmom-admin-password: error: %s\n' "$*" >&2
  exit 1
}

[[ -n $password_file ]] || fail "CMOM_ADMIN_PASSWORD_FILE is not set"
[[ $budget =~ ^[0-9]+$ ]] || fail "CMOM_STARTUP_BUDGET must be whole seconds, got '$budget'"
[[ $poll =~ ^[0-9]+$ ]] || fail "CMOM_ADMIN_PASSWORD_POLL must be whole seconds, got '$poll'"
[[ $health_status =~ ^[1-5][0-9][0-9]$ ]] || fail "CMOM_HEALTH_STATUS must be an HTTP status, got '$health_status'"
[[ $attempts =~ ^[1-9][0-9]*$ ]] || fail "CMOM_APPLY_ATTEMPTS must be a positive whole number, got '$attempts'"
[[ $username =~ ^[A-Za-z][A-Za-z0-9_.-]*$ ]] || fail "CMOM_ADMIN_USERNAME '$username' is not a Cloudify user name"

read_password() {
  if [[ ! -r $password_file ]]; then
    log "cannot read $password_file (is the Secret mounted?)"
    return 1
  fi
  password=$(<"$password_file")
  [[ -n $password ]] || { log "$password_file is empty"; return 1; }
}

# Bounded wait with doubling pauses (2 s … 30 s) until the health request gets its status or the startup budget is spent.
wait_for_manager() {
  local deadline=$((SECONDS + budget)) pause=2
  until [[ $(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 10 "$manager_url$health_path") == "$health_status" ]]; do
    if ((SECONDS >= deadline)); then
      log "the manager's REST service did not answer $manager_url$health_path with $health_status within ${budget}s"
      return 1
    fi
    sleep "$pause"
    pause=$((pause * 2 > 30 ? 30 : pause * 2))
  done
  ((commit_start == 0 || committed)) || commit
}

committed=0
commit() {
  local outcome
  if outcome=$(bash "${CMOM_SEED_AND_LINK:-$hooks_dir/seed-and-link.sh}" started 2>&1); then
    committed=1
    log "${outcome//$'\n'/; }"
  else
    log "committing the start on the volume failed (retried at the next check): ${outcome//$'\n'/; }"
  fi
}

# curl reads `user = "name:password"` from its config on stdin; quotes and backslashes are escaped for that syntax.
can_log_in() {
  local escaped=${password//\\/\\\\}
  escaped=${escaped//\"/\\\"}
  printf 'user = "%s:%s"\n' "$username" "$escaped" |
    curl --silent --fail --output /dev/null --max-time 10 --config - "$manager_url/api/v3.1/users/$username"
}

apply_once() {
  local outcome
  outcome=$(printf '%s' "$password" | "$manager_python" "$setter" --username "$username" 2>&1) || {
    log "setting the password failed: ${outcome//$'\n'/; }"
    return 1
  }
  can_log_in || {
    log "the password was set ($outcome) but logging in as $username with it failed"
    return 1
  }
  log "admin password of $username is current ($outcome)"
}

apply_with_retries() {
  local try pause=2
  for ((try = 1; try <= attempts; try++)); do
    apply_once && return 0
    ((try < attempts)) && sleep "$pause" && pause=$((pause * 2))
  done
  log "gave up after $attempts attempts to set the admin password of $username"
  return 1
}

retry_pause=$poll
until wait_for_manager && read_password && apply_with_retries; do
  ((poll > 0)) || fail "the admin password was not applied at start"
  log "the admin password was not applied at start; trying again in ${retry_pause}s"
  sleep "$retry_pause"
  retry_pause=$((retry_pause * 2 > 600 ? 600 : retry_pause * 2))
done
((poll > 0)) || exit 0

# Only a digest of the applied value is kept, in memory, to notice a rotation.
applied=$(printf '%s' "$password" | sha256sum)
# A failed rotation is retried at the next poll rather than ending the keeper.
while sleep "$poll"; do
  read_password || continue
  current=$(printf '%s' "$password" | sha256sum)
  [[ $current == "$applied" ]] && continue
  log "the Secret changed; applying the new admin password"
  wait_for_manager && apply_with_retries && applied=$current
done
