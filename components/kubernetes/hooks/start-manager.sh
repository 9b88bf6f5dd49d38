#!/usr/bin/env bash
# Entrypoint of the manager container: puts the volume's data in place (seed-and-link.sh link: undoes a start that
# never answered, seeds what is missing, links every persisted path into the volume), renders the manager's config for
# images that configure on start or points the address setter of images configured at build at the pod's stable name,
# starts the admin-password keeper in the background, then becomes the image's own
# init (systemd or supervisord must be PID 1, hence exec). The keeper is inherited by that init and logs to the
# container's output.
#   usage: start-manager.sh -- IMAGE_COMMAND [ARG]...
# Environment: seed-and-link.sh's (CMOM_PERSIST_*, CMOM_IMAGE_VERSION), the keeper's (apply-admin-password.sh), and
#   CMOM_MANAGER_CONFIG          config.yaml for an image that configures on start (addresses from stable names); the
#                                volume's REST security keys are added to it. Unset for images configured at build.
#   CMOM_MANAGER_CONFIG_TARGET   where the image reads it (default /etc/cloudify/config.yaml)
#   CMOM_SEED_AND_LINK           the seed script (default: beside this one, as in the scripts ConfigMap)
#   CMOM_NEEDS_CGROUP_V1         1: the image's init (systemd 219 of centos:7) cannot run on a cgroup v2-only node;
#                                refuse there, naming why, before touching the volume
#   CMOM_CGROUP_ROOT             where the node's cgroups are mounted (default /sys/fs/cgroup)
#   CMOM_ADDRESS_SETTER_UNIT     images configured at build: the image's address setter unit, which a systemd drop-in
#                                makes run set-manager-address.sh on every start; it passes that script
#                                CMOM_MANAGER_ADDRESS, CMOM_ADDRESS_SETTER_SCRIPT and CMOM_ADDRESS_SETTER_DONE
#   CMOM_SYSTEMD_DIR             where the drop-in goes (default /etc/systemd/system)
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

# systemd 219 manages the legacy (v1) cgroup hierarchies only; on a node whose /sys/fs/cgroup is the unified v2
# hierarchy (it holds cgroup.controllers) it cannot start, and would fail over and over without saying why.
if [[ ${CMOM_NEEDS_CGROUP_V1:-0} == 1 && -e ${CMOM_CGROUP_ROOT:-/sys/fs/cgroup}/cgroup.controllers ]]; then
  fail "this image runs systemd 219 (centos:7), which needs cgroup v1: the node has cgroup v2 only; schedule the pod on a node booted with cgroup v1 (or hybrid), or use a 5.2+ image"
fi
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

# A drop-in, rewritten on every start, makes the image's address setter unit run set-manager-address.sh instead of its
# own command, enabled as the image's build enables it (WantedBy=default.target).
use_stable_address() {
  local unit=$CMOM_ADDRESS_SETTER_UNIT dir=${CMOM_SYSTEMD_DIR:-/etc/systemd/system} name
  for name in CMOM_MANAGER_ADDRESS CMOM_ADDRESS_SETTER_SCRIPT CMOM_ADDRESS_SETTER_DONE; do
    [[ -n ${!name:-} ]] || fail "$name is not set (needed with CMOM_ADDRESS_SETTER_UNIT)"
  done
  mkdir -p -- "$dir/$unit.d" "$dir/default.target.wants"
  printf '%s\n' '[Service]' 'ExecStart=' "ExecStart=/bin/bash $hooks_dir/set-manager-address.sh" \
    "Environment=CMOM_MANAGER_ADDRESS=$CMOM_MANAGER_ADDRESS" \
    "Environment=CMOM_ADDRESS_SETTER_SCRIPT=$CMOM_ADDRESS_SETTER_SCRIPT" \
    "Environment=CMOM_ADDRESS_SETTER_DONE=$CMOM_ADDRESS_SETTER_DONE" >"$dir/$unit.d/cmom-address.conf.tmp"
  mv -f -T -- "$dir/$unit.d/cmom-address.conf.tmp" "$dir/$unit.d/cmom-address.conf"
  ln -sfn -- "/usr/lib/systemd/system/$unit" "$dir/default.target.wants/$unit"
  printf 'start-manager: %s will set the address %s on this start\n' "$unit" "$CMOM_MANAGER_ADDRESS"
}
[[ -z ${CMOM_ADDRESS_SETTER_UNIT:-} ]] || use_stable_address

bash "$hooks_dir/apply-admin-password.sh" </dev/null &

# systemd logs to fd 3 with --log-target=journal inside containers (moby#27202); harmless for other inits.
exec 3>&1
exec "$@"
