#!/usr/bin/env bash
# Entrypoint of the manager container: puts the volume's data in place (seed-and-link.sh link: undoes a start that
# never answered, seeds what is missing, links every persisted path into the volume), renders the manager's config for
# images that configure on start, starts the admin-password keeper in the background, then becomes the image's own
# init (systemd or supervisord must be PID 1, hence exec). The keeper is inherited by that init and logs to the
# container's output.
#   usage: start-manager.sh -- IMAGE_COMMAND [ARG]...
# Environment: seed-and-link.sh's (CMOM_PERSIST_*, CMOM_IMAGE_VERSION), the keeper's (apply-admin-password.sh), and
#   CMOM_MANAGER_CONFIG          config.yaml for an image that configures on start (addresses from stable names); the
#                                volume's REST security keys are added to it. Unset for images configured at build.
#   CMOM_MANAGER_CONFIG_TARGET   where the image reads it (default /etc/cloudify/config.yaml)
#   CMOM_SEED_AND_LINK           the seed script (default: beside this one, as in the scripts ConfigMap)
set -Eeuo pipefail

fail() {
  printf 'start-manager: error: %s\n' "$*" >&2
  exit "${2:-1}"
}
if (($# < 2)) || [[ $1 != -- ]]; then
  printf 'start-manager: error: usage: start-manager.sh -- IMAGE_COMMAND [ARG]...\n' >&2
  exit 2
fi
shift

hooks_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# Here, not only in the init container: a container restarted in place (failed probe) must undo its unfinished start too.
bash "${CMOM_SEED_AND_LINK:-$hooks_dir/seed-and-link.sh}" link

render_manager_config() {
  local target=${CMOM_MANAGER_CONFIG_TARGET:-/etc/cloudify/config.yaml}
  local keys=${CMOM_PERSIST_MOUNT:-/cfy-persist}/cmom/SECURITY
  [[ -r $CMOM_MANAGER_CONFIG ]] || fail "cannot read the manager config $CMOM_MANAGER_CONFIG"
  [[ -s $keys ]] || fail "no REST security keys at $keys (seed-and-link.sh makes them before the first start)"
  (
    umask 077
    { cat -- "$CMOM_MANAGER_CONFIG"; printf '\n'; cat -- "$keys"; } >"$target.tmp"
  )
  mv -f -T -- "$target.tmp" "$target"
  printf 'start-manager: rendered %s with the stable addresses and this volume'"'"'s REST keys\n' "$target"
}
[[ -z ${CMOM_MANAGER_CONFIG:-} ]] || render_manager_config

bash "$hooks_dir/apply-admin-password.sh" </dev/null &

# systemd logs to fd 3 with --log-target=journal inside containers (moby#27202); harmless for other inits.
exec 3>&1
exec "$@"
