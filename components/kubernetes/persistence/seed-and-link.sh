#!/usr/bin/env bash
# Seeds a persistent volume with the data paths of a Cloudify Manager image and points the manager at it.
#   seed  (init container): copy every persisted path of the image onto the volume, once, crash-safely.
#   link  (single container): seed, then replace each persisted path by a symlink into the volume; then
#         optionally exec the given command.
# Contract, on-volume layout, configuration and the data-only rule: README.md next to this file.
set -Eeuo pipefail
umask 022

readonly USAGE='usage: seed-and-link.sh seed|link [--mount DIR] [--path ABSOLUTE_PATH]... [--image-version VERSION] [--root DIR] [--lock-timeout SECONDS] [--no-mountpoint-check] [-- COMMAND [ARG]...]'
readonly WORK_SUBDIR=cmom          # everything lives below <mount>/cmom, so a lost+found never matters
readonly ASIDE_SUFFIX=.cmom-image  # link mode: where the image's own copy of a path is kept
readonly VERSION_FORMAT='^[0-9]+(\.[0-9]+)*([-+~_][0-9A-Za-z.+~_-]*)?$'
# Code, not data: a persisted path may not be, be inside, or contain one of these (`*` = one component).
readonly CODE_LOCATIONS=(/usr /bin /sbin /lib /lib32 /lib64 /libx32 /boot /proc /sys /dev /run
  /var/lib/rpm /var/lib/dpkg /opt/cloudify '/opt/*/env' '/opt/*/venv')
# Code, not data: no persisted path may have a component with one of these names (virtualenvs, Node trees).
readonly CODE_COMPONENTS=(env venv .venv site-packages dist-packages node_modules)

log() { printf 'seed-and-link: %s\n' "$*"; }
# Every failure ends with exactly one line on stderr.
fail() {
  local code=$1
  shift
  printf 'seed-and-link: error: %s\n' "$*" >&2
  exit "$code"
}
trap 'fail 1 "unexpected failure of \`$BASH_COMMAND\` (line $LINENO)"' ERR
one_line() { local text=${1//$'\n'/; }; printf '%s' "${text%; }"; }
# syncfs of the file system holding $1; coreutils older than 8.24 (CentOS 7) only knows a global sync.
sync_fs() { sync -f -- "$1" 2>/dev/null || sync; }

# ---- configuration: environment first, arguments override -------------------------------------------
(($# >= 1)) || fail 2 "missing mode (seed or link); $USAGE"
mode=$1
shift
case $mode in
  seed | link) ;;
  -h | --help) printf '%s\n' "$USAGE" && exit 0 ;;
  *) fail 2 "unknown mode '$mode' (expected seed or link); $USAGE" ;;
esac

mount=${CMOM_PERSIST_MOUNT:-/cfy-persist}
root=${CMOM_PERSIST_ROOT:-}
image_version=${CMOM_IMAGE_VERSION:-}
lock_timeout=${CMOM_PERSIST_LOCK_TIMEOUT:-1800}
check_mountpoint=${CMOM_PERSIST_CHECK_MOUNTPOINT:-1}
paths_key=CMOM_PERSIST_PATHS
paths=()
read -r -d '' -a paths <<<"${CMOM_PERSIST_PATHS:-}" || true # whitespace- or newline-separated

needs_value() { (($# >= 2)) || fail 2 "$1 needs a value; $USAGE"; }
arg_paths=()
command=()
while (($#)); do
  case $1 in
    --mount) needs_value "$@" && mount=$2 && shift 2 ;;
    --path) needs_value "$@" && arg_paths+=("$2") && shift 2 ;;
    --image-version) needs_value "$@" && image_version=$2 && shift 2 ;;
    --root) needs_value "$@" && root=$2 && shift 2 ;;
    --lock-timeout) needs_value "$@" && lock_timeout=$2 && shift 2 ;;
    --no-mountpoint-check) check_mountpoint=0 && shift ;;
    --) shift && command=("$@") && break ;;
    *) fail 2 "unknown argument '$1'; $USAGE" ;;
  esac
done
if ((${#arg_paths[@]})); then
  paths=("${arg_paths[@]}")
  paths_key=--path
fi

# ---- validation ---------------------------------------------------------------------------------------
is_normal_absolute() { [[ $1 =~ ^(/[^/[:space:]]+)+$ && ! $1 =~ /\.\.?(/|$) ]]; }
# True when one path is, is inside, or contains the other.
overlaps() { [[ $1 == "$2" || $1 == "$2"/* || $2 == "$1"/* ]]; }
# True when $1 and the glob-per-component pattern $2 agree on every component they both have.
overlaps_pattern() {
  local -a a b
  local i
  IFS=/ read -r -a a <<<"${1#/}"
  IFS=/ read -r -a b <<<"${2#/}"
  for ((i = 0; i < ${#a[@]} && i < ${#b[@]}; i++)); do
    # shellcheck disable=SC2053 # the right side is a glob on purpose
    [[ ${a[i]} == ${b[i]} ]] || return 1
  done
}
reject_code_path() {
  local p=$1 location component
  for location in "${CODE_LOCATIONS[@]}"; do
    overlaps_pattern "$p" "$location" &&
      fail 2 "$paths_key: $p overlaps the code location $location; only data is persisted, never code or virtualenvs (see README.md)"
  done
  for component in "${CODE_COMPONENTS[@]}"; do
    [[ /$p/ == */"$component"/* ]] &&
      fail 2 "$paths_key: $p lies inside a virtualenv or package tree ('$component'); only data is persisted, never code (see README.md)"
  done
  return 0
}

[[ $mount =~ ^/ ]] || fail 2 "CMOM_PERSIST_MOUNT/--mount must be an absolute path, got '$mount'"
mount=${mount%/}
[[ -n $mount ]] || fail 2 "CMOM_PERSIST_MOUNT/--mount may not be the root directory"
[[ -d $mount ]] || fail 1 "no volume at $mount (CMOM_PERSIST_MOUNT/--mount): directory does not exist"
case $check_mountpoint in
  1) mountpoint -q -- "$mount" || fail 1 "no volume mounted at $mount (not a mount point); mount the persistent volume there, or set CMOM_PERSIST_CHECK_MOUNTPOINT=0 only for tests" ;;
  0) ;;
  *) fail 2 "CMOM_PERSIST_CHECK_MOUNTPOINT must be 0 or 1, got '$check_mountpoint'" ;;
esac
if [[ -n $root ]]; then
  [[ $root =~ ^/ && -d $root ]] || fail 2 "CMOM_PERSIST_ROOT/--root must be an existing absolute directory, got '$root'"
  root=${root%/}
fi
[[ -n $image_version ]] || fail 2 "CMOM_IMAGE_VERSION/--image-version is required (the manager version of this image, e.g. 5.0.5)"
[[ $image_version =~ $VERSION_FORMAT ]] || fail 2 "CMOM_IMAGE_VERSION/--image-version '$image_version' is not a version like 5.0.5 or 7.0.0-ga"
[[ $lock_timeout =~ ^[0-9]+$ ]] || fail 2 "CMOM_PERSIST_LOCK_TIMEOUT/--lock-timeout must be whole seconds, got '$lock_timeout'"
((${#paths[@]})) || fail 2 "no persisted paths: set CMOM_PERSIST_PATHS or give --path (the lists per image generation are in persistedPaths.ts)"
for ((i = 0; i < ${#paths[@]}; i++)); do
  p=${paths[i]}
  is_normal_absolute "$p" || fail 2 "$paths_key: '$p' is not a normalised absolute path (no //, ., .., trailing / or spaces)"
  reject_code_path "$p"
  overlaps "$root$p" "$mount" && fail 2 "$paths_key: $p overlaps the volume mount $mount"
  for ((j = 0; j < i; j++)); do
    overlaps "$p" "${paths[j]}" && fail 2 "$paths_key: $p and ${paths[j]} overlap; list each persisted tree once"
  done
done
[[ $mode == link || ${#command[@]} -eq 0 ]] || fail 2 "a command after -- is only run in link mode"

# ---- versions -----------------------------------------------------------------------------------------
# Numeric, component by component (5.10 > 5.9, 5.1 == 5.1.0); a label after - + ~ or _ does not order.
version_gt() {
  local -a a b
  local i x y
  IFS=. read -r -a a <<<"${1%%[-+~_]*}"
  IFS=. read -r -a b <<<"${2%%[-+~_]*}"
  for ((i = 0; i < ${#a[@]} || i < ${#b[@]}; i++)); do
    x=$((10#${a[i]:-0})) y=$((10#${b[i]:-0}))
    ((x == y)) || return $((x > y ? 0 : 1))
  done
  return 1
}

# ---- the volume ---------------------------------------------------------------------------------------
readonly work=$mount/$WORK_SUBDIR data=$mount/$WORK_SUBDIR/data staging=$mount/$WORK_SUBDIR/staging
readonly version_file=$work/VERSION marker=$work/SEEDED

write_atomically() {
  printf '%s\n' "$2" >"$1.tmp"
  sync_fs "$1.tmp"
  mv -f -T -- "$1.tmp" "$1"
  sync_fs "$1"
}
is_our_link() { [[ -L $root$1 && $(readlink -- "$root$1") == "$data$1" ]]; }
# Where the image's copy of a path is: in place, or (link mode, after an earlier start) kept aside.
image_copy_of() {
  if is_our_link "$1" || [[ ! -e $root$1 && ! -L $root$1 ]]; then
    printf '%s' "$root$1$ASIDE_SUFFIX"
  else
    printf '%s' "$root$1"
  fi
}
seed_path() {
  local p=$1 src staged=$staging$1 output
  src=$(image_copy_of "$p")
  [[ -e $src ]] || fail 1 "$p does not exist in the image (looked for $root$p and $root$p$ASIDE_SUFFIX): cannot seed it"
  log "copying $src to the volume"
  mkdir -p -- "${staged%/*}"
  output=$(cp -a -H -T -- "$src" "$staged" 2>&1) || fail 1 "copying $src to $staged failed: $(one_line "$output")"
  sync_fs "$staged"
  mkdir -p -- "${data}${p%/*}"
  mv -T -- "$staged" "$data$p" # same file system: an atomic rename, so data/<path> is complete or absent
  sync_fs "$data"
  log "seeded $p"
}
link_path() {
  local p=$1 here=$root$1
  if is_our_link "$p"; then
    log "$p already links to the volume"
    return
  fi
  if [[ -e $here || -L $here ]]; then
    [[ ! -e $here$ASIDE_SUFFIX && ! -L $here$ASIDE_SUFFIX ]] ||
      fail 1 "cannot move $here aside: $here$ASIDE_SUFFIX already exists; remove the one that is not wanted"
    mv -T -- "$here" "$here$ASIDE_SUFFIX"
    log "kept the image's $p as $here$ASIDE_SUFFIX"
  fi
  ln -s -- "$data$p" "$here"
  log "linked $p -> $data$p"
}

mkdir -p -- "$work" 2>/dev/null || fail 1 "cannot create $work on the volume (read-only or not writable?)"
exec 9>>"$work/lock" || fail 1 "cannot open the lock file $work/lock"
if ! flock -n 9; then
  log "another start holds $work/lock; waiting up to ${lock_timeout}s"
  flock -w "$lock_timeout" 9 || fail 4 "gave up after ${lock_timeout}s waiting for $work/lock held by another start"
fi
# The lock is held until exit (children such as cp inherit it, so a killed start's copy cannot race the next).

if [[ -e $staging ]]; then
  log "removing stale staging left by an interrupted start"
  rm -rf -- "$staging"
fi
rm -f -- "$version_file.tmp" "$marker.tmp"

volume_version=
if [[ -f $version_file ]]; then
  volume_version=$(<"$version_file")
  volume_version=${volume_version//[[:space:]]/}
  [[ $volume_version =~ $VERSION_FORMAT ]] || fail 1 "$version_file holds '$(one_line "$volume_version")', not a version; fix or remove it"
  version_gt "$volume_version" "$image_version" &&
    fail 3 "the volume at $mount was last used by manager version $volume_version, newer than this image's $image_version: refusing to start (no silent downgrade); use an image of version $volume_version or later"
fi

recorded=()
[[ -f $marker ]] && mapfile -t recorded <"$marker"
is_recorded() {
  local r
  for r in ${recorded[@]+"${recorded[@]}"}; do [[ $r == "$1" ]] && return 0; done
  return 1
}
to_seed=()
for p in "${paths[@]}"; do
  if is_recorded "$p"; then
    [[ -e $data$p ]] || fail 1 "the volume is damaged: $p is recorded as seeded in $marker but $data$p is missing; refusing to re-seed it from the image over lost state"
  elif [[ -e $data$p ]]; then
    log "$p is already on the volume (renamed into place by an interrupted start)"
  else
    to_seed+=("$p")
  fi
done

for p in ${to_seed[@]+"${to_seed[@]}"}; do seed_path "$p"; done
rm -rf -- "$staging" # only emptied parent directories remain; what is left on a later start is stale

# VERSION and the done-marker are written last, each atomically, VERSION first.
if [[ -z $volume_version ]] || version_gt "$image_version" "$volume_version"; then
  write_atomically "$version_file" "$image_version"
fi
seeded_list=$(printf '%s\n' ${recorded[@]+"${recorded[@]}"} "${paths[@]}" | LC_ALL=C sort -u)
if [[ ! -f $marker || $(<"$marker") != "$seeded_list" ]]; then
  write_atomically "$marker" "$seeded_list"
fi
((${#to_seed[@]})) || log "volume already seeded; nothing to copy"

if [[ $mode == link ]]; then
  for p in "${paths[@]}"; do link_path "$p"; done
fi

exec 9>&- # release the lock before handing over: the manager must not hold it
log "volume ready at $data (manager version $image_version)"
((${#command[@]} == 0)) || exec "${command[@]}"
