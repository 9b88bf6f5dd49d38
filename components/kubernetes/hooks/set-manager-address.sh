#!/usr/bin/env bash
# Runs the image's own address setter (images configured at build, 4.3 … 5.0.x) with the pod's stable name where it
# would put the address it detects. That setter writes one address into the services' configuration, the database
# and the internal certificates, and as shipped it writes the container's IP: a new pod's IP, unknown to every agent
# and certificate made before. Started by systemd in its place (start-manager.sh's drop-in), so before any manager
# service. Each of its steps writes a fixed value, so a start killed half-way is finished by the next one: it runs on
# every start, its done-marker removed first.
# Environment (from the drop-in):
#   CMOM_MANAGER_ADDRESS         the stable name (the pod's name through the headless Service)
#   CMOM_ADDRESS_SETTER_SCRIPT   the image's setter script
#   CMOM_ADDRESS_SETTER_DONE     the file that makes it skip its work
set -Eeuo pipefail

fail() {
  printf 'cmom-manager-address: error: %s\n' "$*" >&2
  exit 1
}
readonly address=${CMOM_MANAGER_ADDRESS:-} setter=${CMOM_ADDRESS_SETTER_SCRIPT:-} done_marker=${CMOM_ADDRESS_SETTER_DONE:-}
# Lower-case DNS labels only: the setter uses the value inside sed expressions and SQL, where nothing else is safe.
[[ $address =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ ]] ||
  fail "CMOM_MANAGER_ADDRESS '$address' is not a DNS name"
[[ -r $setter ]] || fail "cannot read the image's address setter $setter"
[[ -n $done_marker ]] || fail "CMOM_ADDRESS_SETTER_DONE is not set"

# The setter detects the address in one assignment `ip=$(…)`; any other shape is a setter cmom does not know.
readonly detection='^([[:space:]]*)ip=\$\(.*\)[[:space:]]*$'
found=$(grep -cE -- "$detection" "$setter" || true)
((found == 1)) || fail "$setter has $found lines detecting the address (ip=\$(…)), expected 1: not the setter of the images cmom supports"

rm -f -- "$done_marker"
printf 'cmom-manager-address: running %s with the stable name %s\n' "$setter" "$address"
exec bash -c "$(sed -E "s/$detection/\\1ip=$address/" "$setter")" "$setter"
