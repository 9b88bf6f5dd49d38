#!/usr/bin/env bash
# Entrypoint of the manager container: starts the admin-password keeper in the background, then becomes the image's own
# init (systemd or supervisord must be PID 1, hence exec). The keeper is inherited by that init and logs to the
# container's output.
#   usage: start-manager.sh -- IMAGE_COMMAND [ARG]...
set -Eeuo pipefail

if (($# < 2)) || [[ $1 != -- ]]; then
  printf 'start-manager: error: usage: start-manager.sh -- IMAGE_COMMAND [ARG]...\n' >&2
  exit 2
fi
shift

hooks_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
bash "$hooks_dir/apply-admin-password.sh" </dev/null &

# systemd logs to fd 3 with --log-target=journal inside containers (moby#27202); harmless for other inits.
exec 3>&1
exec "$@"
