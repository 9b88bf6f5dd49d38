#!/usr/bin/env bash
# The manager container's probe: succeeds when the REST service answers the image's health request with the expected
# status (CMOM_HEALTH_PATH / CMOM_HEALTH_STATUS, from the image row), not merely when nginx is up.
set -uo pipefail
status=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 10 "${CMOM_MANAGER_URL:-http://127.0.0.1}${CMOM_HEALTH_PATH:-/api/v3.1/ok}")
[[ $status == "${CMOM_HEALTH_STATUS:-200}" ]] || {
  printf 'health: %s answered %s, expected %s\n' "${CMOM_HEALTH_PATH:-/api/v3.1/ok}" "${status:-nothing}" "${CMOM_HEALTH_STATUS:-200}"
  exit 1
}
